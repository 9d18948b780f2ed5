"""The in-memory unit of work behaves like a transaction, and its queues stay in order."""

from __future__ import annotations

from datetime import datetime

import pytest

from core import services
from core.memory import MemoryUnitOfWork, SortedQueue
from core.model import APPOINTMENT, Ticket, TicketStatus
from tests.core.conftest import Issue
from tests.core.office import at, issue_in


def key(minute: int, number: str = "A001") -> tuple[datetime, str, str]:
    return (at(minute), number, number)


def test_sorted_queue_keeps_order_and_counts_ahead() -> None:
    queue = SortedQueue()
    for minute in (5, 1, 3):
        queue.insert(key(minute, f"A{minute:03d}"))
    assert queue.head() == key(1, "A001")
    assert queue.count_before(key(4)) == 2
    queue.remove(key(1, "A001"))
    queue.remove(key(5, "A005"))
    assert (len(queue), queue.head()) == (1, key(3, "A003"))
    with pytest.raises(KeyError):
        queue.remove(key(9))


def test_sorted_queue_survives_many_head_removals() -> None:
    queue = SortedQueue()
    for n in range(3000):
        queue.insert(key(n, f"A{n:04d}"))
    for n in range(2500):
        assert queue.head() == key(n, f"A{n:04d}")
        queue.remove(key(n, f"A{n:04d}"))
    assert len(queue) == 500 and queue.count_before(key(2600, "A2600")) == 100


def test_sorted_queue_finds_the_first_key_from_a_point() -> None:
    queue = SortedQueue()
    for minute in (1, 3, 5):
        queue.insert(key(minute, f"A{minute:03d}"))
    queue.remove(key(1, "A001"))
    assert queue.first_from(key(0)) == key(3, "A003")
    assert queue.first_from(key(4)) == key(5, "A005")
    assert queue.first_from(key(6)) is None


def test_changes_without_commit_are_rolled_back(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    with uow:
        same = uow.tickets.get(ticket.id)
        same.status = TicketStatus.CANCELLED
        counter = uow.counters.get("udn", "1")
        counter.pause_reason = "changed"
        uow.tickets.set_last_number("udn", "A", ticket.day, 99)
    assert ticket.status is TicketStatus.WAITING
    assert uow.store.counters[("udn", "1")].pause_reason == ""
    assert issue("A", at(1)).number == "A002"


def test_committed_changes_reindex_the_queues(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    assert [h.ticket_id for h in uow.tickets.heads("udn")] == [ticket.id]
    with uow:
        uow.tickets.get(ticket.id).status = TicketStatus.CANCELLED
        uow.commit()
    assert uow.tickets.heads("udn") == []
    assert uow.tickets.waiting_counts("udn") == {"A": 0}


def test_duplicate_ticket_id_is_refused(uow: MemoryUnitOfWork, issue: Issue) -> None:
    issue("A", at(0))
    with pytest.raises(ValueError, match="t1"), uow:
        uow.tickets.add(uow.store.tickets["t1"])


def test_events_get_increasing_ids(uow: MemoryUnitOfWork, issue: Issue) -> None:
    issue("A", at(0))
    issue("B", at(1))
    assert [event_id for event_id, _ in uow.events_after(0)] == [1, 2]
    assert [event_id for event_id, _ in uow.events_after(1)] == [2]


def test_behind_a_late_head_the_first_ticket_still_in_time_is_found(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    late, _, fresh, _ = (issue("A", at(minute)) for minute in (0, 2, 20, 25))
    elderly = issue("A", at(1), priority="elderly")
    # At minute 30 every A ticket queued before minute 15 is past A's 15-minute target.
    heads = {h.priority: h for h in uow.tickets.heads("udn", {"A": at(15)})}
    assert heads["normal"].ticket_id == late.id
    assert heads["normal"].in_time is not None
    assert (heads["normal"].in_time.ticket_id, heads["normal"].in_time.queued_at) == (
        fresh.id,
        fresh.queued_at,
    )
    # Nobody in time behind the late elderly ticket; a head in time is its own first in time.
    assert heads["elderly"].ticket_id == elderly.id and heads["elderly"].in_time is None
    assert [h.in_time for h in uow.tickets.heads("udn", {"A": at(0)})] == [None, None]
    assert [h.in_time for h in uow.tickets.heads("udn")] == [None, None]


def test_appointments_and_transferred_tickets_give_only_their_head(uow: MemoryUnitOfWork) -> None:
    def book(n: int, slot: float) -> Ticket:
        ticket, _ = services.check_in_appointment(
            uow, office="udn", service="A", now=at(slot - 1), ticket_id=f"b{n}",
            status_key=f"kb{n}", slot_start=at(slot), grace_s=600,
        )  # fmt: skip
        return ticket

    def sent_to_counter_2(n: int, minute: float) -> None:
        issue_in(uow, f"s{n}", "A", at(minute))
        services.call_ticket(uow, office="udn", counter="1", ticket_id=f"s{n}", now=at(minute))
        services.transfer(uow, office="udn", ticket_id=f"s{n}", now=at(minute), to_counter="2")

    first_slot, _ = book(1, 0), book(2, 20)
    sent_to_counter_2(1, 0)
    sent_to_counter_2(2, 20)
    heads = uow.tickets.heads("udn", {"A": at(15)})
    assert {(h.priority, h.target_counter, h.ticket_id) for h in heads} == {
        (APPOINTMENT, None, first_slot.id),
        ("normal", "2", "s1"),
    }
    assert all(h.in_time is None for h in heads)
