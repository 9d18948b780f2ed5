"""Wait estimates: pure functions first, then through issuing."""

from __future__ import annotations

import dataclasses

from core import services
from core.estimate import (
    CounterLoad,
    counter_paces,
    estimate_wait_s,
    mean_service_s,
)
from core.memory import MemoryUnitOfWork
from core.model import Counter, CounterState, Service, WorkProfile
from tests.core.conftest import Issue
from tests.core.office import at, make_config, make_uow


def counter(code: str, profile: dict[str, int], state: CounterState = CounterState.OPEN) -> Counter:
    return Counter("udn", code, code, code, WorkProfile(profile), state)


def test_mean_service_time_falls_back_to_the_default() -> None:
    assert mean_service_s([], 300) == 300
    assert mean_service_s([100, 200], 300) == 150


TIMES = {"A": 300, "B": 120, "C": 600}


def wait(
    ahead: float, loads: list[CounterLoad], due_first: dict[str, float] | None = None
) -> int | None:
    return estimate_wait_s("A", ahead, 300, TIMES, loads, due_first or {})


def test_free_counter_means_no_wait() -> None:
    assert wait(0, [CounterLoad(counter("1", {"A": 1}), busy=False)]) == 0


def test_busy_single_counter_half_a_service_then_one_per_person() -> None:
    loads = [CounterLoad(counter("1", {"A": 1}), busy=True)]
    assert wait(0, loads) == 150
    assert wait(2, loads) == 750


def test_more_counters_shorten_the_wait() -> None:
    one = [CounterLoad(counter("1", {"A": 1}), busy=True)]
    three = one + [CounterLoad(counter(c, {"A": 1}), busy=True) for c in "23"]
    # Five services and the three current ones' remaining halves, shared by three counters.
    assert wait(5, three) == (5 * 300 + 3 * 150) / 3
    assert wait(5, one) == 5 * 300 + 150


def test_a_shared_counter_also_works_off_other_services_due_first() -> None:
    shared = counter("1", {"A": 3, "B": 1})
    b_only = counter("2", {"B": 1})
    loads = [CounterLoad(shared, busy=True), CounterLoad(b_only, busy=True)]
    # Two B tickets are due first; counter 1 is half of B's counters (by weight): one of them.
    assert wait(0, loads, {"B": 2}) == 150 + 120
    # C is not served by counter 1: its tickets do not delay an A ticket.
    assert wait(0, loads, {"C": 4}) == 150


def test_no_open_counter_gives_no_estimate() -> None:
    closed = [CounterLoad(counter("1", {"A": 1}, CounterState.CLOSED), busy=False)]
    assert wait(0, closed) is None
    assert wait(0, []) is None
    paused = [CounterLoad(counter("2", {"A": 1}, CounterState.PAUSED), busy=False)]
    assert wait(0, paused) is None


def test_issued_ticket_carries_people_ahead_and_estimate(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    first = issue("C", at(0))
    services.call_next(uow, office="udn", counter="3", now=at(1))
    second = issue("C", at(2))
    third = issue("C", at(3))
    config = uow.config("udn")
    assert services.position(uow, config, first) == services.Position(0, 0)
    # Only counter 3 serves C, it is busy; the default service time is 300 s.
    second_at, third_at = (services.position(uow, config, t) for t in (second, third))
    assert (second_at.people_ahead, second_at.estimated_wait_s) == (0, 150)
    assert (third_at.people_ahead, third_at.estimated_wait_s) == (1, 450)
    # The printed range brackets the estimate on whole minutes.
    assert second_at.wait_range_s == (60, 300)


def test_finished_tickets_have_no_place_in_line(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    services.call_next(uow, office="udn", counter="1", now=at(1))
    services.finish(uow, office="udn", ticket_id=ticket.id, now=at(2))
    assert services.position(uow, uow.config("udn"), ticket) == services.Position(0, None)


def test_recent_service_times_drive_the_estimate() -> None:
    unlimited_c = Service("C", "lao", "ภาษีที่ดิน", "Land tax", target_wait_s=1800)
    uow = make_uow(make_config(services={**make_config().services, "C": unlimited_c}))
    for i, minute in enumerate((0, 10, 20, 21)):
        ticket, where = services.issue_ticket(
            uow, office="udn", service="C", now=at(minute), ticket_id=str(i), status_key="k"
        )
        if minute < 20:
            services.call_next(uow, office="udn", counter="3", now=at(minute))
            services.finish(uow, office="udn", ticket_id=ticket.id, now=at(minute + 2))
        elif minute == 20:
            services.call_next(uow, office="udn", counter="3", now=at(minute))
    # Two services of 120 s each: half of one is left before the last ticket's turn.
    assert (where.people_ahead, where.estimated_wait_s) == (0, 60)


def test_a_counter_that_is_quicker_than_the_others_counts_for_more() -> None:
    samples = [("1", 60.0)] * 10 + [("2", 180.0)] * 10
    paces = counter_paces(samples, 120.0)
    assert paces["1"] > 1 > paces["2"]
    # Few samples move the pace only a little: one slow case is not a slow counter.
    assert 0.8 < counter_paces([("3", 240.0)], 120.0)["3"] < 1
    quick = [CounterLoad(counter("1", {"A": 1}), busy=True, pace=2.0)]
    usual = [CounterLoad(counter("1", {"A": 1}), busy=True)]
    assert wait(3, quick) * 2 == wait(3, usual)  # type: ignore[operator]


def test_people_ahead_counts_who_the_policy_calls_first(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    normal = issue("A", at(0))
    monk = issue("A", at(1), priority="monk")
    config = uow.config("udn")
    # Weighted: the monk is due long before the normal ticket.
    assert services.position(uow, config, monk).people_ahead == 0
    assert services.position(uow, config, normal).people_ahead == 1
    fifo = dataclasses.replace(config, policy="fifo")
    assert services.position(uow, fifo, monk).people_ahead == 1
    assert services.position(uow, fifo, normal).people_ahead == 0
    # A priority ticket is due after 1/2.2 of the normal aim (15 min target + 9 min long-service
    # credit): 10.9 min. The normal ticket, due at 24 min, goes before a monk issued at 16 min,
    # not before one issued at 12.
    early_monk = issue("A", at(12), priority="monk")
    assert services.position(uow, config, early_monk).people_ahead == 1
    late_monk = issue("A", at(16), priority="monk")
    assert services.position(uow, config, late_monk).people_ahead == 3  # and both monks
