"""Replay one office day through the real core services, one routing policy at a time.

Visitors are drawn once from the seed and replayed unchanged for every policy, so the policies
are compared on identical input. Time is whole seconds after opening; the core sees it as
timezone-aware office-local datetimes, exactly as the server would pass `now`.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import accumulate

from core import services
from core.errors import NumberRangeExhausted, QuotaReached
from core.memory import MemoryStore, MemoryUnitOfWork
from core.model import APPOINTMENT, Ticket
from core.routing import get_policy
from core.services import Position
from core.simulation.report import PolicyResult, TicketRecord, summarise
from core.simulation.scenario import Scenario

# An officer calls a missing visitor, waits this long, then marks a no-show and calls the next.
NO_SHOW_AFTER_S = 120

# Event kinds; at equal times the sequence number keeps the order they were scheduled in.
ARRIVE = 0
RELEASE = 1
PAUSE = 2
RESUME = 3
SLOT = 4  # an appointment that came early becomes callable

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Visitor:
    index: int
    arrival_s: int
    service: str
    priority: str
    extras: tuple[str, ...]
    # Drawn in advance for the whole visit (main service plus extras), so all policies agree.
    duration_s: int
    no_show: bool
    # A booked visitor's slot start; they check in as an appointment unless past the grace period.
    slot_s: int | None = None
    appointment: bool = False

    @property
    def ticket_id(self) -> str:
        return f"sim-{self.index:05d}"

    @property
    def queued_s(self) -> int:
        """When the visitor is in line: an appointment at its slot, anyone else on arrival."""
        if self.appointment and self.slot_s is not None:
            return self.slot_s
        return self.arrival_s

    @property
    def measured_from_s(self) -> int:
        """Where the visitor's wait starts: arrival, or for an early appointment its slot."""
        return max(self.arrival_s, self.queued_s)


def generate_visitors(scenario: Scenario, seed: int) -> tuple[Visitor, ...]:
    """The day's visitors, in arrival order. Same scenario and seed, same visitors.

    Arrivals and visit details use separate random streams, so that changing, say, the no-show
    probability leaves the arrival times alone.
    """
    arrivals_rng = random.Random(f"{seed}:arrivals")
    visits_rng = random.Random(f"{seed}:visits")
    arrivals: list[tuple[int, int, str]] = []
    for order, spec in enumerate(scenario.services):
        # A Poisson process, piecewise constant per clock hour: exponential gaps within a piece.
        for start, end, rate in scenario.arrival_segments(spec):
            t = start + arrivals_rng.expovariate(rate)
            while t < end:
                arrivals.append((int(t), order, spec.code))
                t += arrivals_rng.expovariate(rate)
    arrivals.sort()

    classes = list(scenario.priority_mix)
    class_cum = list(accumulate(scenario.priority_mix.values()))
    specs = {s.code: s for s in scenario.services}
    visitors = []
    for index, (arrival_s, _, code) in enumerate(arrivals):
        priority = visits_rng.choices(classes, cum_weights=class_cum)[0]
        duration = specs[code].service_time.draw_s(visits_rng)
        extras: tuple[str, ...] = ()
        if visits_rng.random() < scenario.extra_service_probability:
            extra = _pick_extra(scenario, code, visits_rng)
            if extra is not None:
                extras = (extra,)
                duration += specs[extra].service_time.draw_s(visits_rng)
        no_show = visits_rng.random() < scenario.no_show_probability
        visitors.append(Visitor(index, arrival_s, code, priority, extras, duration, no_show))
    if scenario.booking.share > 0:
        visitors = _book(scenario, visitors, random.Random(f"{seed}:bookings"))
    return tuple(visitors)


def _book(scenario: Scenario, visitors: list[Visitor], rng: random.Random) -> list[Visitor]:
    """Turn a share of the walk-ins into booked visitors (see `Booking`), in arrival order."""
    booking = scenario.booking
    slot_s, grace_s = booking.slot_min * 60, booking.grace_min * 60
    booked = []
    for visitor in visitors:
        if rng.random() >= booking.share:
            booked.append(visitor)
            continue
        slot = -(-visitor.arrival_s // slot_s) * slot_s
        if slot >= scenario.open_s:
            booked.append(visitor)  # no slot left today: they walk in
            continue
        draw = rng.random()
        if draw < booking.no_show_probability:
            continue
        draw -= booking.no_show_probability
        if draw < booking.early_probability:
            arrival = max(0, slot - round(rng.uniform(0, booking.early_max_min * 60)))
        elif draw < booking.early_probability + booking.late_probability:
            arrival = slot + grace_s + round(rng.uniform(1, 20 * 60))
        else:
            arrival = slot + round(rng.uniform(0, grace_s))
        on_time = arrival <= slot + grace_s
        booked.append(replace(visitor, arrival_s=arrival, slot_s=slot, appointment=on_time))
    booked.sort(key=lambda v: (v.arrival_s, v.index))
    return booked


def _pick_extra(scenario: Scenario, main: str, rng: random.Random) -> str | None:
    """A second transaction, most likely one of the same agency (house registration + ID card)."""
    agency = next(s.agency for s in scenario.services if s.code == main)
    others = [s for s in scenario.services if s.code != main and s.visitors_per_day > 0]
    same = [s for s in others if s.agency == agency]
    pool = same or others
    if not pool:
        return None
    return rng.choices([s.code for s in pool], weights=[s.visitors_per_day for s in pool])[0]


# Weeks of the same weekday the office has already run, as the estimator's history: finished
# tickets drawn from the scenario's own service times (and extra transactions).
HISTORY_WEEKS = 4
HISTORY_PER_WEEK = 10


def seed_history(scenario: Scenario, seed: int, store: MemoryStore) -> None:
    """Put earlier same-weekday finishes of every service into the store, as a server's
    database would hold them after a few weeks."""
    rng = random.Random(f"{seed}:history")
    specs = {s.code: s for s in scenario.services}
    office = scenario.office.code
    for weeks in range(HISTORY_WEEKS, 0, -1):
        noon = scenario.at(scenario.open_s / 2) - timedelta(weeks=weeks)
        for spec in scenario.services:
            serving = [c for c in scenario.counters if spec.code in c.services]
            if spec.visitors_per_day <= 0 or not serving:
                continue
            weights = [c.services[spec.code] for c in serving]
            for _ in range(HISTORY_PER_WEEK):
                seconds = spec.service_time.draw_s(rng)
                if rng.random() < scenario.extra_service_probability:
                    extra = _pick_extra(scenario, spec.code, rng)
                    if extra is not None:
                        seconds += specs[extra].service_time.draw_s(rng)
                counter = rng.choices(serving, weights=weights)[0].code
                store.done_log[(office, spec.code)].append((noon, counter, float(seconds)))


class _Day:
    """One policy's run: the store, the clock, the counters' state and what was recorded."""

    def __init__(
        self, scenario: Scenario, policy: str, visitors: Sequence[Visitor], seed: int
    ) -> None:
        self.scenario = scenario
        self.office = scenario.office.code
        self.visitors = visitors
        self.by_index = {v.index: v for v in visitors}
        self.by_ticket = {v.ticket_id: v for v in visitors}
        config = scenario.office_config(policy)
        self.targets = {code: svc.target_wait_s for code, svc in config.services.items()}
        store = MemoryStore()
        store.install(config, scenario.make_counters())
        seed_history(scenario, seed, store)
        self.uow = MemoryUnitOfWork(store)
        self.counters = [c.code for c in scenario.counters]
        self.order = {code: i for i, code in enumerate(self.counters)}
        # counter -> second it became idle; the longest idle counter takes a new arrival first.
        self.idle: dict[str, int] = dict.fromkeys(self.counters, 0)
        self.busy_s: dict[str, int] = dict.fromkeys(self.counters, 0)
        self.events: list[tuple[int, int, int, str, int]] = []
        self.seq = 0
        self.records: dict[int, TicketRecord] = {}
        self.refused = 0
        self.last_s = 0
        # Tickets called so far per service: what "people ahead" is checked against.
        self.calls: dict[str, int] = dict.fromkeys(self.targets, 0)
        # Counters that pause as soon as their current ticket is finished, with the reason.
        self.pausing: dict[str, str] = {}

    def schedule(self, at_s: int, kind: int, counter: str, visitor: int) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at_s, self.seq, kind, counter, visitor))

    def issue(self, now_s: int, visitor: Visitor) -> tuple[Ticket, Position]:
        common = dict(
            office=self.office,
            service=visitor.service,
            now=self.scenario.at(now_s),
            ticket_id=visitor.ticket_id,
            status_key=visitor.ticket_id,
            priority=visitor.priority,
            extra_services=visitor.extras,
        )
        if visitor.slot_s is None:
            return services.issue_ticket(self.uow, **common)  # type: ignore[arg-type]
        return services.check_in_appointment(
            self.uow,
            slot_start=self.scenario.at(visitor.slot_s),
            grace_s=self.scenario.booking.grace_min * 60,
            **common,  # type: ignore[arg-type]
        )

    def arrive(self, now_s: int, visitor: Visitor) -> None:
        try:
            ticket, where = self.issue(now_s, visitor)
        except (QuotaReached, NumberRangeExhausted):
            # The kiosk refuses, as it would for real; anything else is a bug and must surface.
            self.refused += 1
            return
        # An early appointment's wait, as the office promises it, starts at its slot.
        early_s = visitor.measured_from_s - now_s
        estimate = where.estimated_wait_s
        range_s = where.wait_range_s
        if early_s > 0:
            self.schedule(visitor.queued_s, SLOT, "", visitor.index)
            estimate = None if estimate is None else max(0, estimate - early_s)
            range_s = (
                None
                if range_s is None
                else (max(0, range_s[0] - early_s), max(0, range_s[1] - early_s))
            )
        target = (
            self.scenario.priority.appointment_window_s
            if ticket.priority == APPOINTMENT
            else self.targets[visitor.service]
        )
        self.records[visitor.index] = TicketRecord(
            visitor.index,
            visitor.service,
            ticket.priority,
            visitor.measured_from_s,
            estimate,
            target,
            ahead=where.people_ahead,
            range_s=range_s,
            calls_before_issue=self.calls[visitor.service],
        )
        if early_s > 0:
            return  # not callable before its slot
        self.call_idle(now_s)

    def call_idle(self, now_s: int) -> None:
        """A ticket became callable: idle counters had nothing they serve waiting, so only it
        can change that, and once one counter takes it the rest stay idle."""
        for counter in sorted(self.idle, key=lambda c: (self.idle[c], self.order[c])):
            if self.try_call(now_s, counter):
                break

    def try_call(self, now_s: int, counter: str) -> bool:
        ticket = services.call_next(
            self.uow, office=self.office, counter=counter, now=self.scenario.at(now_s)
        )
        if ticket is None:
            self.idle.setdefault(counter, now_s)
            return False
        self.idle.pop(counter, None)
        visitor = self.by_ticket[ticket.id]
        record = self.records[visitor.index]
        record.called_s = now_s
        record.called_ahead = self.calls[visitor.service] - record.calls_before_issue
        self.calls[visitor.service] += 1
        hold_s = NO_SHOW_AFTER_S if visitor.no_show else visitor.duration_s
        self.busy_s[counter] += hold_s
        self.schedule(now_s + hold_s, RELEASE, counter, visitor.index)
        return True

    def release(self, now_s: int, counter: str, visitor: Visitor) -> None:
        now = self.scenario.at(now_s)
        if visitor.no_show:
            services.no_show(self.uow, office=self.office, ticket_id=visitor.ticket_id, now=now)
        else:
            services.finish(
                self.uow,
                office=self.office,
                ticket_id=visitor.ticket_id,
                now=now,
                transactions=(visitor.service, *visitor.extras),
            )
        self.records[visitor.index].no_show = visitor.no_show
        self.last_s = now_s
        if counter in self.pausing:
            self.start_pause(now_s, counter, self.pausing.pop(counter))
        else:
            self.try_call(now_s, counter)

    def pause(self, now_s: int, counter: str, reason: str) -> None:
        if counter not in self.idle:  # busy: pause once this ticket is done
            self.pausing[counter] = reason
            return
        del self.idle[counter]
        self.start_pause(now_s, counter, reason)

    def start_pause(self, now_s: int, counter: str, reason: str) -> None:
        services.pause_counter(
            self.uow,
            office=self.office,
            counter=counter,
            reason=reason,
            now=self.scenario.at(now_s),
        )

    def resume(self, now_s: int, counter: str) -> None:
        if self.pausing.pop(counter, None) is not None:
            return  # the pause never started: the counter was busy all along
        services.resume_counter(
            self.uow, office=self.office, counter=counter, now=self.scenario.at(now_s)
        )
        self.try_call(now_s, counter)

    def run(self, on_progress: Progress | None) -> None:
        for visitor in self.visitors:
            if visitor.arrival_s < self.scenario.open_s:  # the kiosk stops issuing at closing
                self.schedule(visitor.arrival_s, ARRIVE, "", visitor.index)
        total = len(self.events)
        reasons = {}
        for n, pause in enumerate(self.scenario.pauses):
            self.schedule(pause.start_s, PAUSE, pause.counter, n)
            self.schedule(pause.end_s, RESUME, pause.counter, n)
            reasons[n] = pause.reason
        done = 0
        while self.events:
            now_s, _, kind, counter, index = heapq.heappop(self.events)
            if kind == PAUSE:
                self.pause(now_s, counter, reasons[index])
                continue
            if kind == RESUME:
                self.resume(now_s, counter)
                continue
            if kind == SLOT:
                self.call_idle(now_s)
                continue
            visitor = self.by_index[index]
            if kind == ARRIVE:
                self.arrive(now_s, visitor)
                if visitor.index in self.records:
                    continue
            else:
                self.release(now_s, counter, visitor)
            done += 1
            if on_progress is not None:
                on_progress(done, total)


def simulate(
    scenario: Scenario,
    policy: str,
    seed: int,
    on_progress: Progress | None = None,
    *,
    visitors: Sequence[Visitor] | None = None,
) -> PolicyResult:
    """Run the scenario's day under one routing policy ("weighted", "fifo", "strict-priority").

    `on_progress(done, total)` is told each time a visitor leaves (served, no-show or refused).
    Pass `visitors` from `generate_visitors` to reuse them across policies without redrawing.
    """
    get_policy(policy)  # refuse an unknown name before doing any work
    if visitors is None:
        visitors = generate_visitors(scenario, seed)
    day = _Day(scenario, policy, visitors, seed)
    day.run(on_progress)
    return summarise(
        policy=policy,
        seed=seed,
        scenario=scenario,
        records=[day.records[i] for i in sorted(day.records)],
        refused=day.refused,
        busy_s=[day.busy_s[c] for c in day.counters],
        last_s=day.last_s,
    )


def compare(
    scenario: Scenario,
    policies: Sequence[str],
    seed: int,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> list[PolicyResult]:
    """Every policy on the same visitors; `on_progress(policy, done, total)`."""
    visitors = generate_visitors(scenario, seed)
    results = []
    for policy in policies:
        progress = None
        if on_progress is not None:
            progress = _bind(on_progress, policy)
        results.append(simulate(scenario, policy, seed, progress, visitors=visitors))
    return results


def _bind(on_progress: Callable[[str, int, int], None], policy: str) -> Progress:
    return lambda done, total: on_progress(policy, done, total)
