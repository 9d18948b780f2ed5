"""Checked-in appointments among walk-ins: queued at their slot, never called before it, called
within the office's window of it, late ones as walk-ins, and walk-ins keep their share."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources

import pytest

from core import services
from core.errors import InvalidRequest
from core.memory import MemoryUnitOfWork
from core.model import APPOINTMENT, PrioritySettings, Ticket
from core.office_file import dumps_office, loads_office
from core.simulation import builtin_scenario
from core.simulation.scenario import ScenarioError, loads_scenario
from core.simulation.suite import SuiteRow, appointments, run_suite
from tests.core.conftest import Issue
from tests.core.office import at, make_config, make_uow
from tests.core.test_office_file import EXAMPLE

GRACE_S = 600


def check_in(
    uow: MemoryUnitOfWork, ticket_id: str, now: datetime, slot: datetime, service: str = "A"
) -> tuple[Ticket, services.Position]:
    return services.check_in_appointment(
        uow,
        office="udn",
        service=service,
        now=now,
        ticket_id=ticket_id,
        status_key=f"key-{ticket_id}",
        slot_start=slot,
        grace_s=GRACE_S,
        priority="elderly",
    )


def call(uow: MemoryUnitOfWork, minutes: float, counter: str = "1") -> Ticket | None:
    return services.call_next(uow, office="udn", counter=counter, now=at(minutes))


def test_an_early_appointment_waits_for_its_slot_then_goes_before_fresher_walk_ins(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    booked, where = check_in(uow, "b1", at(0), slot=at(20))
    assert (booked.priority, booked.queued_at) == (APPOINTMENT, at(20))
    # The ticket says: not before the slot.
    assert where.estimated_wait_s is not None and where.estimated_wait_s >= 20 * 60
    # An idle counter does not call it early, even with nobody else waiting.
    assert call(uow, 5) is None
    walk_in = issue("A", at(15))
    assert call(uow, 16) is walk_in
    services.finish(uow, office="udn", ticket_id=walk_in.id, now=at(17))
    assert call(uow, 19) is None
    # At its slot, it goes before a walk-in who has waited 5 minutes (due in 10, it in 5).
    other = issue("A", at(15))
    assert call(uow, 20) is booked
    assert other.status.value == "waiting"


def test_an_on_time_appointment_is_called_within_the_window_not_before_a_walk_in_about_due(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    # A walk-in with its 15 min target (plus 9 min long-service credit) 2 minutes from due.
    nearly_due = issue("A", at(-22))
    booked, _ = check_in(uow, "b1", at(0), slot=at(0))
    assert booked.queued_at == at(0)
    assert call(uow, 0) is nearly_due
    assert call(uow, 1, counter="2") is booked  # 1 minute after the slot: within 5


def test_an_appointment_checked_in_within_the_grace_period_keeps_its_slot(
    uow: MemoryUnitOfWork,
) -> None:
    booked, _ = check_in(uow, "b1", at(9), slot=at(0))
    assert (booked.priority, booked.queued_at, booked.issued_at) == (APPOINTMENT, at(0), at(9))


def test_a_late_arrival_past_the_grace_period_is_an_ordinary_walk_in(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    early_walk_in = issue("A", at(5))
    late, _ = check_in(uow, "b1", at(19), slot=at(0))
    assert (late.priority, late.queued_at) == ("elderly", at(19))
    assert call(uow, 19) is early_walk_in  # due at 5 + 24 min, the elderly one at 19 + 10.9


def test_appointments_count_toward_a_counters_share_so_walk_ins_are_not_starved(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    walk_in = issue("A", at(0))
    for n in range(4):
        check_in(uow, f"b{n}", at(0), slot=at(1))
    # Two appointments in a row (max_priority_in_row = 2), then the walk-in, then appointments.
    called = []
    for minute in (1, 2, 3, 4):
        ticket = call(uow, minute)
        assert ticket is not None
        called.append(ticket.id)
        services.finish(uow, office="udn", ticket_id=ticket.id, now=at(minute + 0.5))
    assert called == ["b0", "b1", walk_in.id, "b2"]


def test_the_kiosk_cannot_issue_an_appointment_ticket(issue: Issue) -> None:
    with pytest.raises(InvalidRequest, match="booking"):
        issue("A", at(0), priority=APPOINTMENT)


def test_people_ahead_and_the_kiosk_count_appointments_due_before_them_not_later_ones(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    check_in(uow, "soon", at(0), slot=at(5))
    check_in(uow, "later", at(0), slot=at(40))
    walk_in = issue("A", at(1))
    # The walk-in is due at 1 + 24 min; the 08:35 appointment at 5 + 5 min, the 09:10 one at 45.
    assert services.position(uow, uow.config("udn"), walk_in).people_ahead == 1
    config = uow.config("udn")
    assert uow.tickets.waiting_counts("udn")["A"] == 3
    assert services.newcomer_positions(uow, config, at(1))["A"].people_ahead == 2


def test_the_window_is_an_office_setting_that_round_trips_the_office_file() -> None:
    text = EXAMPLE.replace(
        "max_priority_in_row = 2", "appointment_window_s = 420\nmax_priority_in_row = 2"
    )
    office = loads_office(text)
    assert office.config.priority.appointment_window_s == 420
    assert loads_office(dumps_office(office)).config.priority == office.config.priority
    assert PrioritySettings().appointment_window_s == 300
    with pytest.raises(InvalidRequest, match="appointment_window_s"):
        PrioritySettings(appointment_window_s=0)
    # Not a kiosk choice: an office cannot list it among its classes.
    with pytest.raises(InvalidRequest, match="checked-in bookings"):
        PrioritySettings(classes=("normal", APPOINTMENT))


def test_the_window_decides_when_an_appointment_is_due() -> None:
    uow = make_uow(
        make_config(priority=PrioritySettings(max_priority_in_row=2, appointment_window_s=60))
    )
    walk_in, _ = services.issue_ticket(
        uow, office="udn", service="A", now=at(-20), ticket_id="w", status_key="k"
    )
    booked, _ = check_in(uow, "b1", at(0), slot=at(0))
    # Due 1 minute after its slot, before the walk-in due 4 minutes from now.
    assert call(uow, 0) is booked
    assert walk_in.status.value == "waiting"


@cache
def booked_day() -> dict[str, SuiteRow]:
    rows = run_suite([appointments(builtin_scenario())], ["weighted"], (1,))
    return {row.policy: row for row in rows}


def test_a_simulated_day_with_30_percent_booked_keeps_the_appointments_promise() -> None:
    weighted = booked_day()["weighted"]
    day = weighted.days[0]
    booked = day.class_waits(APPOINTMENT)
    assert booked.tickets > 400  # 30% of about 2,000 visitors, less no-shows and late arrivals
    # Waits are counted from the slot (or arrival within the grace period): never negative, so
    # no appointment was called before its slot.
    assert weighted.appointment_on_time is not None and weighted.appointment_on_time >= 0.9
    assert booked.mean_wait_s is not None and booked.mean_wait_s <= 180
    # Walk-ins keep their share: none normal past twice the target, priority under half.
    assert day.normal_past_twice_target == 0 and day.unserved == 0
    assert weighted.promises.priority_half == 1


def test_a_scenario_file_books_visitors_and_a_bad_booking_key_is_named() -> None:
    base = resources.files("core").joinpath("scenarios", "provincial.toml").read_text("utf-8")
    scenario = loads_scenario(base + "\n[booking]\nshare = 0.3\ngrace_min = 5\n")
    assert (scenario.booking.share, scenario.booking.grace_min) == (0.3, 5)
    assert APPOINTMENT in scenario.classes
    with pytest.raises(ScenarioError, match=r"booking\.share"):
        loads_scenario(base + "\n[booking]\nshare = 1.3\n")
