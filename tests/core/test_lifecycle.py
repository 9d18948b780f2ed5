"""Every transition, legal and illegal, through the use cases and the in-memory unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core import events as ev
from core import lifecycle, services
from core.errors import (
    CounterBusy,
    CounterUnavailable,
    GraceOver,
    IllegalTransition,
    InvalidRequest,
    NotAtCounter,
    NotFound,
    NotRecalled,
    OfficeClosed,
    ServiceClosed,
)
from core.memory import MemoryUnitOfWork
from core.model import CounterState, Office, OpeningHours, Service, TicketStatus
from tests.core.conftest import Issue
from tests.core.office import at, make_config, make_uow

S = TicketStatus


def events_of(uow: MemoryUnitOfWork) -> list[ev.Event]:
    return [event for _, event in uow.store.events]


def call(uow: MemoryUnitOfWork, counter: str, minutes: float):
    return services.call_next(uow, office="udn", counter=counter, now=at(minutes))


def test_issue_numbers_and_publishes(uow: MemoryUnitOfWork, issue: Issue) -> None:
    first = issue("A", at(0))
    second = issue("A", at(1), priority="elderly", extra_services=["B", "A", "B"])
    assert (first.number, second.number) == ("A001", "A002")
    assert second.services_wanted == ("A", "B")
    assert second.priority == "elderly"
    issued = events_of(uow)[-1]
    assert isinstance(issued, ev.TicketIssued)
    assert (issued.number, issued.extra_services, issued.type) == ("A002", ("B",), "ticket.issued")


def test_issue_refuses_unknown_service_priority_or_extra(issue: Issue) -> None:
    with pytest.raises(NotFound, match="'Z'"):
        issue("Z", at(0))
    with pytest.raises(InvalidRequest, match="vip"):
        issue("A", at(0), priority="vip")
    with pytest.raises(NotFound, match="'Q'"):
        issue("A", at(0), extra_services=["Q"])


def test_refused_issue_consumes_no_number(uow: MemoryUnitOfWork, issue: Issue) -> None:
    with pytest.raises(InvalidRequest):
        issue("A", at(0), priority="vip")
    assert issue("A", at(1)).number == "A001"
    assert len(uow.store.tickets) == 1


def test_issue_requires_an_aware_time(issue: Issue) -> None:
    with pytest.raises(InvalidRequest, match="timezone"):
        issue("A", datetime(2026, 11, 25, 9, 0))


def test_closed_service_and_closed_office_refuse_with_thai_message() -> None:
    config = make_config(
        office=Office("udn", "ศูนย์ฯ", "Centre", hours=OpeningHours.parse("08:30-16:30")),
        services={
            "A": Service("A", "dopa", "ทะเบียนราษฎร์", "Civil registration", open=False),
            "B": Service("B", "dopa", "บัตร", "ID card"),
        },
    )
    uow = make_uow(config)
    kwargs = {"office": "udn", "ticket_id": "x", "status_key": "k"}
    with pytest.raises(ServiceClosed) as closed:
        services.issue_ticket(uow, service="A", now=at(10), **kwargs)
    assert "ทะเบียนราษฎร์" in closed.value.message_th
    with pytest.raises(OfficeClosed) as after_hours:
        services.issue_ticket(uow, service="B", now=at(8 * 60 + 1), **kwargs)
    assert "16:30" in after_hours.value.message_en
    ticket, _ = services.issue_ticket(uow, service="B", now=at(8 * 60 - 1), **kwargs)
    assert ticket.number == "B001"


def test_call_done_with_transactions(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0), extra_services=["B"])
    called = call(uow, "1", 5)
    assert called is not None and called.id == ticket.id
    assert (called.status, called.counter, called.called_at) == (S.CALLED, "1", at(5))
    services.start_serving(uow, office="udn", ticket_id=ticket.id, now=at(6), counter="1")
    assert ticket.status is S.SERVING
    services.finish(
        uow, office="udn", ticket_id=ticket.id, now=at(16), transactions=["A", "C"], counter="1"
    )
    assert ticket.status is S.DONE
    assert [(t.service, t.done) for t in ticket.transactions] == [
        ("A", True),
        ("B", False),
        ("C", True),
    ]
    done = events_of(uow)[-1]
    assert isinstance(done, ev.TicketDone)
    assert (done.transactions, done.service_s) == (("A", "C"), 600)
    called_event = events_of(uow)[-3]
    assert isinstance(called_event, ev.TicketCalled) and called_event.waited_s == 300


def test_done_without_transactions_means_the_current_service(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    ticket = issue("B", at(0))
    call(uow, "2", 1)
    services.finish(uow, office="udn", ticket_id=ticket.id, now=at(3))
    assert ticket.services_done == ("B",)


def test_call_next_with_nothing_waiting_returns_none(uow: MemoryUnitOfWork) -> None:
    assert call(uow, "1", 0) is None
    assert events_of(uow) == []


def test_counter_with_a_ticket_must_finish_it_before_calling_again(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    issue("A", at(0))
    issue("A", at(1))
    call(uow, "1", 2)
    with pytest.raises(CounterBusy, match="A001"):
        call(uow, "1", 3)


def finish_and_next(uow: MemoryUnitOfWork, ticket_id: str, counter: str, minutes: float):
    return services.finish_and_call_next(
        uow, office="udn", ticket_id=ticket_id, counter=counter, now=at(minutes)
    )


def test_finish_and_call_next_is_one_change_of_both(uow: MemoryUnitOfWork, issue: Issue) -> None:
    first, second = issue("A", at(0)), issue("A", at(1))
    call(uow, "1", 2)
    before = len(events_of(uow))
    called = finish_and_next(uow, first.id, "1", 7)
    assert called is not None and called.id == second.id
    assert (first.status, second.status, second.counter) == (S.DONE, S.CALLED, "1")
    done, call_event = events_of(uow)[before:]
    assert isinstance(done, ev.TicketDone) and done.service_s == 300
    assert isinstance(call_event, ev.TicketCalled) and call_event.ticket_id == second.id
    # Without a counter (an administrator), the next ticket goes to the finished one's counter.
    third = issue("A", at(8))
    called = services.finish_and_call_next(uow, office="udn", ticket_id=second.id, now=at(8))
    assert called is third and (second.status, third.counter) == (S.DONE, "1")
    # Nobody else waits: the ticket is still finished, and the counter is free.
    assert finish_and_next(uow, third.id, "1", 9) is None
    assert third.status is S.DONE
    assert call(uow, "1", 10) is None


def test_finish_and_call_next_keeps_a_pending_pause_and_refuses_what_finish_refuses(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    first = issue("A", at(0))
    waiting = issue("A", at(1))
    call(uow, "1", 2)
    with pytest.raises(NotAtCounter):
        finish_and_next(uow, first.id, "2", 3)
    with pytest.raises(IllegalTransition):
        finish_and_next(uow, waiting.id, "1", 3)  # waiting, at no counter
    assert (first.status, waiting.status) == (S.CALLED, S.WAITING)
    services.pause_counter(
        uow, office="udn", counter="1", reason="", reason_code="lunch", now=at(4), after_ticket=True
    )
    assert finish_and_next(uow, first.id, "1", 5) is None
    assert first.status is S.DONE and waiting.status is S.WAITING
    assert uow.store.counters[("udn", "1")].state is CounterState.PAUSED
    with pytest.raises(IllegalTransition):
        finish_and_next(uow, first.id, "1", 6)  # a retry finds it finished: nobody else is


def test_recall_only_while_called(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    with pytest.raises(NotFound):
        services.recall(uow, office="udn", counter="1", now=at(1))
    call(uow, "1", 1)
    services.recall(uow, office="udn", counter="1", now=at(2))
    services.recall(uow, office="udn", counter="1", now=at(3))
    recalled = events_of(uow)[-1]
    assert isinstance(recalled, ev.TicketRecalled)
    assert (recalled.recalls, recalled.counter, ticket.recalls) == (2, "1", 2)
    services.start_serving(uow, office="udn", ticket_id=ticket.id, now=at(4))
    with pytest.raises(IllegalTransition, match="serving"):
        services.recall(uow, office="udn", counter="1", now=at(5))


def test_no_show_only_when_called(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    with pytest.raises(IllegalTransition, match="waiting"):
        services.no_show(uow, office="udn", ticket_id=ticket.id, now=at(1))
    call(uow, "1", 1)
    services.no_show(uow, office="udn", ticket_id=ticket.id, now=at(3))
    assert ticket.status is S.NO_SHOW
    assert call(uow, "1", 4) is None  # the counter is free again


def test_cancel_waiting_or_called_but_not_done(uow: MemoryUnitOfWork, issue: Issue) -> None:
    waiting = issue("A", at(0))
    services.cancel(uow, office="udn", ticket_id=waiting.id, now=at(1))
    assert waiting.status is S.CANCELLED
    assert call(uow, "1", 2) is None
    ticket = issue("A", at(3))
    call(uow, "1", 4)
    services.finish(uow, office="udn", ticket_id=ticket.id, now=at(5))
    with pytest.raises(IllegalTransition, match="done"):
        services.cancel(uow, office="udn", ticket_id=ticket.id, now=at(6))


def test_officer_cannot_act_on_another_counters_ticket(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    call(uow, "1", 1)
    with pytest.raises(NotAtCounter, match="counter 1"):
        services.finish(uow, office="udn", ticket_id=ticket.id, now=at(2), counter="2")
    assert ticket.status is S.CALLED


def test_ticket_of_another_office_is_not_found(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    with pytest.raises(NotFound):
        services.cancel(uow, office="other", ticket_id=ticket.id, now=at(1))


def test_transfer_to_another_service_keeps_its_place(uow: MemoryUnitOfWork, issue: Issue) -> None:
    early = issue("A", at(0))
    later_b = issue("B", at(5))
    call(uow, "1", 10)
    services.transfer(uow, office="udn", ticket_id=early.id, now=at(12), service="B")
    assert (early.status, early.service, early.number, early.counter) == (
        S.WAITING,
        "B",
        "A001",
        None,
    )
    assert early.services_wanted == ("A", "B")
    moved = events_of(uow)[-1]
    assert isinstance(moved, ev.TicketTransferred)
    assert (moved.from_service, moved.from_counter, moved.service, moved.kept_place) == (
        "A",
        "1",
        "B",
        True,
    )
    # It queued at 0, before B001 (queued at 5): it is called first in its new queue.
    assert call(uow, "2", 13).id == early.id
    assert later_b.status is S.WAITING


def test_transfer_without_keeping_place_goes_to_the_back(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    early = issue("A", at(0))
    later_b = issue("B", at(5))
    call(uow, "1", 10)
    services.transfer(
        uow, office="udn", ticket_id=early.id, now=at(12), service="B", keep_place=False
    )
    assert early.queued_at == at(12)
    assert call(uow, "2", 13).id == later_b.id


def test_office_setting_decides_whether_transfers_keep_their_place() -> None:
    uow = make_uow(make_config(transfer_keeps_place=False))
    ticket, _ = services.issue_ticket(
        uow, office="udn", service="A", now=at(0), ticket_id="x", status_key="k"
    )
    call(uow, "1", 1)
    services.transfer(uow, office="udn", ticket_id="x", now=at(2), service="B")
    assert ticket.queued_at == at(2)


def test_transfer_to_a_counter_goes_there_first(uow: MemoryUnitOfWork, issue: Issue) -> None:
    waiting_a = issue("A", at(0))
    sent = issue("C", at(1))
    call(uow, "3", 2)
    services.transfer(uow, office="udn", ticket_id=sent.id, now=at(3), to_counter="1")
    assert sent.target_counter == "1"
    assert call(uow, "2", 4).id == waiting_a.id  # counter 2 may not take it
    services.finish(uow, office="udn", ticket_id=waiting_a.id, now=at(5))
    issue("A", at(5))
    assert call(uow, "1", 6).id == sent.id
    assert sent.target_counter is None


def test_transfer_needs_a_target_and_a_ticket_at_a_counter(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    ticket = issue("A", at(0))
    with pytest.raises(IllegalTransition):
        services.transfer(uow, office="udn", ticket_id=ticket.id, now=at(1), service="B")
    call(uow, "1", 1)
    with pytest.raises(InvalidRequest, match="service or a counter"):
        services.transfer(uow, office="udn", ticket_id=ticket.id, now=at(2))
    with pytest.raises(InvalidRequest, match="already at counter 1"):
        services.transfer(uow, office="udn", ticket_id=ticket.id, now=at(2), to_counter="1")
    with pytest.raises(NotFound):
        services.transfer(uow, office="udn", ticket_id=ticket.id, now=at(2), service="Q")
    assert ticket.status is S.CALLED


def test_pause_resume_close_open(uow: MemoryUnitOfWork, issue: Issue) -> None:
    issue("A", at(0))
    counter = services.pause_counter(uow, office="udn", counter="1", reason=" lunch ", now=at(1))
    assert (counter.state, counter.pause_reason) == (CounterState.PAUSED, "lunch")
    with pytest.raises(CounterUnavailable):
        call(uow, "1", 2)
    with pytest.raises(IllegalTransition):
        services.pause_counter(uow, office="udn", counter="1", reason="again", now=at(2))
    services.resume_counter(uow, office="udn", counter="1", now=at(3))
    with pytest.raises(IllegalTransition):
        services.resume_counter(uow, office="udn", counter="1", now=at(3))
    services.close_counter(uow, office="udn", counter="1", now=at(4))
    with pytest.raises(CounterUnavailable):
        call(uow, "1", 5)
    services.open_counter(uow, office="udn", counter="1", now=at(6))
    assert call(uow, "1", 7) is not None
    types = [e.type for e in events_of(uow)[1:-1]]
    assert types == ["counter.paused", "counter.resumed", "counter.closed", "counter.opened"]


def test_counter_with_a_ticket_cannot_close(uow: MemoryUnitOfWork, issue: Issue) -> None:
    issue("A", at(0))
    call(uow, "1", 1)
    with pytest.raises(CounterBusy):
        services.close_counter(uow, office="udn", counter="1", now=at(2))


def test_call_a_chosen_ticket_out_of_turn(uow: MemoryUnitOfWork, issue: Issue) -> None:
    issue("A", at(0))
    chosen = issue("A", at(1))
    services.call_ticket(uow, office="udn", counter="1", ticket_id=chosen.id, now=at(2))
    assert chosen.status is S.CALLED
    with pytest.raises(IllegalTransition):
        services.call_ticket(uow, office="udn", counter="2", ticket_id=chosen.id, now=at(3))


def test_failed_transition_changes_nothing(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    call(uow, "1", 1)
    before = len(uow.store.events)
    with pytest.raises(NotFound):
        services.transfer(
            uow, office="udn", ticket_id=ticket.id, now=at(2), service="B", to_counter="99"
        )
    assert (ticket.status, ticket.service, ticket.counter) == (S.CALLED, "A", "1")
    assert len(uow.store.events) == before


def test_events_are_frozen(uow: MemoryUnitOfWork, issue: Issue) -> None:
    issue("A", at(0))
    event = events_of(uow)[0]
    with pytest.raises(AttributeError):
        event.number = "Z999"  # type: ignore[misc]


def test_waited_seconds_count_from_the_original_place(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    call(uow, "1", 4)
    services.transfer(uow, office="udn", ticket_id=ticket.id, now=at(5), service="B")
    call(uow, "2", 9)
    last = events_of(uow)[-1]
    assert isinstance(last, ev.TicketCalled)
    assert last.waited_s == int(timedelta(minutes=9).total_seconds())


def test_refusals_name_the_state_in_thai(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    with pytest.raises(IllegalTransition) as refused:
        services.no_show(uow, office="udn", ticket_id=ticket.id, now=at(1))
    assert "รอเรียก" in refused.value.message_th
    services.pause_counter(uow, office="udn", counter="1", reason="", now=at(1))
    with pytest.raises(CounterUnavailable) as paused:
        call(uow, "1", 2)
    assert "พักชั่วคราว" in paused.value.message_th
    assert len({s.th for s in S}) == len(S)


def test_a_late_clock_never_dates_a_change_before_the_tickets_history(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    """A call that read the time, then waited behind the issue of a newer ticket, gets it."""
    ticket = issue("A", at(10))
    called = call(uow, "1", 9.5)
    assert called is ticket and ticket.called_at == at(10)
    done = services.finish(uow, office="udn", ticket_id=ticket.id, now=at(9))
    assert done.finished_at == at(10)
    called_event, done_event = events_of(uow)[-2:]
    assert isinstance(called_event, ev.TicketCalled) and called_event.waited_s == 0
    assert isinstance(done_event, ev.TicketDone) and done_event.at == at(10)


@pytest.mark.parametrize("zone", ["Asia", "../../etc/passwd", "x" * 300])
def test_an_unknown_timezone_is_refused_not_crashed(zone: str) -> None:
    with pytest.raises(InvalidRequest):
        Office("udn", "ศูนย์", "Centre", timezone=zone)


@pytest.mark.parametrize("code", ["A\n", "a", "ABC", ""])
def test_service_codes_must_be_exactly_one_or_two_capitals(code: str) -> None:
    with pytest.raises(InvalidRequest):
        Service(code, "dopa", "ทะเบียน", "Registration")


def test_no_show_before_a_recall_needs_confirming_and_undo_ends_with_the_grace(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    ticket = issue("A", at(0))
    call(uow, "1", 1)
    with pytest.raises(NotRecalled, match="recall"):
        services.no_show(uow, office="udn", ticket_id=ticket.id, now=at(2), confirmed=False)
    services.recall(uow, office="udn", counter="1", now=at(2))
    services.no_show(uow, office="udn", ticket_id=ticket.id, now=at(3), confirmed=False)
    # The default grace is 120 s: at exactly two minutes the undo still works.
    back = services.undo_no_show(uow, office="udn", ticket_id=ticket.id, now=at(5))
    assert (back.status, back.counter, back.finished_at) == (S.CALLED, "1", None)
    assert events_of(uow)[-1].type == "ticket.no_show_undone"
    services.no_show(uow, office="udn", ticket_id=ticket.id, now=at(6))
    with pytest.raises(GraceOver):
        services.undo_no_show(uow, office="udn", ticket_id=ticket.id, now=at(8.1))
    assert uow.store.tickets[ticket.id].status is S.NO_SHOW


def test_pause_after_the_ticket_waits_for_it_to_leave(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    call(uow, "1", 1)
    desk = services.pause_counter(
        uow, office="udn", counter="1", reason="", reason_code="lunch", now=at(2), after_ticket=True
    )
    assert (desk.state, desk.pause_pending, desk.pause_reason) == (
        CounterState.OPEN,
        True,
        "พักกลางวัน",
    )
    # Every change of a counter has its event: other processes' copies of the office follow it.
    pending = events_of(uow)[-1]
    assert isinstance(pending, ev.CounterPausePending)
    assert (pending.counter, pending.reason, pending.reason_code) == ("1", "พักกลางวัน", "lunch")
    services.transfer(uow, office="udn", ticket_id=ticket.id, now=at(3), service="B")
    paused = events_of(uow)[-1]
    assert isinstance(paused, ev.CounterPaused)
    assert (paused.reason, paused.reason_code) == ("พักกลางวัน", "lunch")
    assert uow.store.counters[("udn", "1")].state is CounterState.PAUSED
    with pytest.raises(InvalidRequest):
        services.pause_counter(
            uow, office="udn", counter="2", reason=" ", reason_code="other", now=at(4)
        )


def test_a_pause_waiting_for_the_ticket_is_called_off_by_resume(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    issue("A", at(0))
    call(uow, "1", 1)
    services.pause_counter(
        uow, office="udn", counter="1", reason="", reason_code="lunch", now=at(2), after_ticket=True
    )
    desk = services.resume_counter(uow, office="udn", counter="1", now=at(3))
    assert (desk.state, desk.pause_pending, desk.pause_reason) == (CounterState.OPEN, False, "")
    withdrawn = events_of(uow)[-1]
    assert isinstance(withdrawn, ev.CounterPauseWithdrawn) and withdrawn.counter == "1"
    with pytest.raises(IllegalTransition):
        lifecycle.withdraw_pending_pause(desk, at(4))
