"""Use cases: each runs in one unit of work, applies one transition and publishes its events.

Apps call these with a unit of work (SQL, memory) and the current time; nothing here reads a clock.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar, cast

from core import lifecycle
from core.booking import Arrival, arrival
from core.errors import (
    CounterBusy,
    NotAtCounter,
    NotFound,
    OfficeClosed,
    ServiceClosed,
)
from core.estimate import (
    CounterLoad,
    counter_paces,
    estimate_wait_s,
    mean_service_s,
    wait_range_s,
)
from core.events import Event
from core.model import APPOINTMENT, Counter, CounterState, OfficeConfig, Ticket, TicketStatus
from core.numbering import format_number, next_number
from core.ports import UnitOfWork
from core.routing import QueueKind, RoutingContext, get_policy

SERVICE_TIME_SAMPLES = 20
# Service times learned from the same weekday in this many earlier weeks (a Monday's cases are
# not a Friday's), at most this many samples.
HISTORY_WEEKS = 4
HISTORY_SAMPLES = 40


@dataclass(frozen=True)
class Position:
    people_ahead: int
    estimated_wait_s: int | None
    # The wait a citizen should plan for, (soonest, latest); None when there is no estimate.
    wait_range_s: tuple[int, int] | None = None


# Arrivals over this window before a ticket's issue give the rates of tickets that will come
# after it yet be called before it (a priority class, a quicker service sharing its counters).
# In a rush, the latest ARRIVAL_SAMPLE tickets give the rates over the shorter time they span:
# the estimate's cost stays the same however busy the day.
ARRIVAL_WINDOW = timedelta(minutes=30)
ARRIVAL_SAMPLE = 200


def position(
    uow: UnitOfWork, config: OfficeConfig, ticket: Ticket, now: datetime | None = None
) -> Position:
    """Where a ticket stands at `now` (default: when it was issued): people ahead in its service
    and the estimated wait.

    People ahead are those of its service the office's policy calls first. The wait adds, to the
    tickets due before it in every service that shares its counters, those expected to arrive
    while it waits and still go first, at the rates of the half hour before it was issued (in a
    rush, of its latest `ARRIVAL_SAMPLE` tickets). An appointment before its slot waits at least
    until the slot.
    """
    if ticket.status is not TicketStatus.WAITING:
        return settled_position(ticket)
    office = ticket.office
    shifts = _shifts(config, ticket.service, ticket.priority)
    ahead = uow.tickets.people_ahead(ticket, shifts.own)
    queued_at = ticket.queued_at
    cutoffs = {
        kind: None if later is None else queued_at + later for kind, later in shifts.others.items()
    }
    due_first = uow.tickets.waiting_before(office, cutoffs)
    recent = uow.tickets.arrivals(
        office, ticket.issued_at - ARRIVAL_WINDOW, ticket.issued_at, ARRIVAL_SAMPLE
    )
    arrived = recent.counts
    window_s = max((ticket.issued_at - recent.since).total_seconds(), 1.0)
    loads = _counter_loads(uow, office)
    where = _queue_position(uow, config, ticket.service, ahead, due_first, loads, ticket.day)
    wait = where.estimated_wait_s
    if wait:
        later: dict[str, float] = defaultdict(float)
        for kind, count in arrived.items():
            shift = shifts.every.get(kind, 0.0)
            if shift > 0:
                later[kind[0]] += JUMP_SHARE * count / window_s * min(wait, shift)
        demand = {s: due_first.get(s, 0) + later[s] for s in {*due_first, *later}}
        own_ahead = ahead + later[ticket.service]
        where = _queue_position(uow, config, ticket.service, own_ahead, demand, loads, ticket.day)
    until_slot = (ticket.queued_at - (now or ticket.issued_at)).total_seconds()
    if until_slot > 0 and (where.estimated_wait_s or 0) < until_slot:
        wait = math.ceil(until_slot)
        return Position(ahead, wait, wait_range_s(wait))
    return Position(ahead, where.estimated_wait_s, where.wait_range_s)


# Of the tickets expected to come later yet go first (counted over the first estimate's wait),
# about half really pass this one: some go to counters it does not use, some come after it is
# called, which the first estimate cannot know. Measured with `swq simulate --suite`.
JUMP_SHARE = 0.5


@dataclass(frozen=True)
class Shifts:
    """For every (service, class) queue, how much later than a ticket's place in time a ticket
    there may have queued and still be called first (`RoutingPolicy.ahead_shift_s`)."""

    every: Mapping[tuple[str, str], float]
    # By class, the queues of the ticket's own service (for "people ahead").
    own: Mapping[str, float]
    # The other services' queues that may go first at all, with how much later (None: however
    # much later): for the work due first.
    others: Mapping[tuple[str, str], timedelta | None]


def _shifts(config: OfficeConfig, service: str, klass: str) -> Shifts:
    """The shifts of a `klass` ticket of `service`; worked out once per configuration, as with
    a catalogue of 60 services they are several hundred per ticket."""
    return _memo(
        config, ("shifts", service, klass), lambda: _work_out_shifts(config, service, klass)
    )


def _work_out_shifts(config: OfficeConfig, service: str, klass: str) -> Shifts:
    policy = get_policy(config.policy)
    mine = queue_kind(config, service, klass)
    every = {
        (other, theirs): policy.ahead_shift_s(
            config.priority, mine, queue_kind(config, other, theirs)
        )
        for other in config.services
        for theirs in config.priority.queue_classes
    }
    return Shifts(
        every,
        own={k: shift for (s, k), shift in every.items() if s == service},
        others={
            kind: None if shift == math.inf else timedelta(seconds=shift)
            for kind, shift in every.items()
            if kind[0] != service and shift != -math.inf
        },
    )


T = TypeVar("T")


def _memo(config: OfficeConfig, key: Hashable, make: Callable[[], T]) -> T:
    """`make()`, worked out once per configuration (`OfficeConfig.memo`)."""
    try:
        return cast(T, config.memo[key])
    except KeyError:
        value = config.memo[key] = make()
        return value


def queue_kind(config: OfficeConfig, service: str, klass: str) -> QueueKind:
    svc = config.service(service)
    return QueueKind(svc.target_wait_s, svc.default_service_s, klass)


def ahead_shifts(config: OfficeConfig, service: str, klass: str) -> dict[str, float]:
    """Who of its own service goes before a `klass` ticket of `service` under the office's policy
    (see `RoutingPolicy.ahead_shift_s`): what makes "people ahead" class-aware."""
    return dict(_shifts(config, service, klass).own)


def settled_position(ticket: Ticket) -> Position:
    """Where a ticket that no longer waits stands: nobody ahead, no wait once at a counter."""
    return Position(0, 0 if ticket.status.at_counter else None)


def newcomer_positions(
    uow: UnitOfWork, config: OfficeConfig, now: datetime | None = None
) -> dict[str, Position]:
    """Per service, where a ticket issued now would stand: what a kiosk button shows.

    With `now`, checked-in appointments whose slot is too far ahead to be called before a
    newcomer of their service are not counted."""
    office = config.office.code
    waiting = uow.tickets.waiting_counts(office)
    if now is not None:
        waiting = _without_later_appointments(uow, config, waiting, now)
    loads = _counter_loads(uow, office)
    return {
        code: _queue_position(
            uow,
            config,
            code,
            waiting.get(code, 0),
            waiting,
            loads,
            None if now is None else config.office.local_day(now),
        )
        for code in config.services
    }


def _without_later_appointments(
    uow: UnitOfWork, config: OfficeConfig, waiting: Mapping[str, int], now: datetime
) -> dict[str, int]:
    office = config.office.code
    normal = config.priority.normal
    everyone = dict.fromkeys(((s, APPOINTMENT) for s in config.services), None)
    booked = uow.tickets.waiting_before(office, everyone)
    cutoffs: dict[tuple[str, str], datetime | None] = {}
    for service in config.services:
        shift = ahead_shifts(config, service, normal)[APPOINTMENT]
        if shift != -math.inf:
            cutoffs[(service, APPOINTMENT)] = (
                None if shift == math.inf else now + timedelta(seconds=shift)
            )
    sooner = uow.tickets.waiting_before(office, cutoffs)
    return {
        service: count - booked.get(service, 0) + sooner.get(service, 0)
        for service, count in waiting.items()
    }


def _counter_loads(uow: UnitOfWork, office: str) -> list[CounterLoad]:
    return [
        CounterLoad(c, busy=uow.tickets.at_counter(office, c.code) is not None)
        for c in uow.counters.list(office)
    ]


def same_weekdays(config: OfficeConfig, day: date) -> list[tuple[datetime, datetime]]:
    """The office's opening-to-closing (or whole-day) windows on the same weekday in the
    `HISTORY_WEEKS` weeks before `day`."""
    hours = config.office.hours
    windows = []
    for week in range(1, HISTORY_WEEKS + 1):
        earlier = day - timedelta(weeks=week)
        opens = hours.opens if hours else time(0)
        start = datetime.combine(earlier, opens, tzinfo=config.office.tz)
        end = (
            datetime.combine(earlier, hours.closes, tzinfo=config.office.tz)
            if hours
            else start + timedelta(days=1)
        )
        # Counters stay until the hall is empty: a little past closing still counts.
        windows.append((start, end + timedelta(hours=2)))
    return windows


def _queue_position(
    uow: UnitOfWork,
    config: OfficeConfig,
    service_code: str,
    ahead: float,
    due_first: Mapping[str, float],
    loads: Sequence[CounterLoad],
    day: date | None,
) -> Position:
    """The wait of a ticket with `ahead` of its own service and `due_first` tickets of each other
    service to be called before it. Service times are learned from the latest finished tickets
    and, given the `day`, from the same weekday in earlier weeks."""
    samples = list(
        uow.tickets.recent_service_times(config.office.code, service_code, SERVICE_TIME_SAMPLES)
    )
    if day is not None:
        weekdays = _memo(config, ("weekdays", day), lambda: same_weekdays(config, day))
        history = uow.tickets.service_times_between(
            config.office.code, service_code, weekdays, HISTORY_SAMPLES
        )
        # The latest tickets reach back a week only for a service seldom used; counting those few
        # twice is harmless.
        samples = [*history, *samples]
    service = config.service(service_code)
    mean_s = mean_service_s([s for _, s in samples], service.default_service_s)
    paces = counter_paces(samples, mean_s)
    paced = [CounterLoad(c.counter, c.busy, paces.get(c.counter.code, 1.0)) for c in loads]
    # Other services' expected times as configured: learning them too would cost a query each.
    service_s = _memo(
        config,
        "service_s",
        lambda: {code: svc.default_service_s for code, svc in config.services.items()},
    )
    wait = estimate_wait_s(service_code, ahead, mean_s, service_s, paced, due_first)
    return Position(round(ahead), wait, None if wait is None else wait_range_s(wait))


def issue_ticket(
    uow: UnitOfWork,
    *,
    office: str,
    service: str,
    now: datetime,
    ticket_id: str,
    status_key: str,
    priority: str | None = None,
    extra_services: Sequence[str] = (),
) -> tuple[Ticket, Position]:
    """A walk-in ticket, in line from `now`."""
    return _issue(
        uow,
        office=office,
        service=service,
        now=now,
        ticket_id=ticket_id,
        status_key=status_key,
        priority=priority,
        extra_services=extra_services,
        queued_at=None,
    )


def check_in_appointment(
    uow: UnitOfWork,
    *,
    office: str,
    service: str,
    now: datetime,
    ticket_id: str,
    status_key: str,
    slot_start: datetime,
    grace_s: int,
    priority: str | None = None,
    extra_services: Sequence[str] = (),
) -> tuple[Ticket, Position]:
    """The ticket of a booked visitor checking in.

    Early or on time (up to `grace_s` after the slot's start): an `APPOINTMENT` ticket queued at
    the slot's start, so appointments are called in slot order, never before their slot, and
    within the office's `appointment_window_s` of it. Later: an ordinary walk-in ticket of
    `priority` (the visitor's own class), in line from now.
    """
    on_time = arrival(slot_start, now, grace_s) is not Arrival.LATE
    return _issue(
        uow,
        office=office,
        service=service,
        now=now,
        ticket_id=ticket_id,
        status_key=status_key,
        priority=APPOINTMENT if on_time else priority,
        extra_services=extra_services,
        queued_at=slot_start if on_time else None,
    )


def _issue(
    uow: UnitOfWork,
    *,
    office: str,
    service: str,
    now: datetime,
    ticket_id: str,
    status_key: str,
    priority: str | None,
    extra_services: Sequence[str],
    queued_at: datetime | None,
) -> tuple[Ticket, Position]:
    with uow:
        config = uow.config(office)
        svc = config.service(service)
        if not config.office.is_open(now):
            raise OfficeClosed(
                f"{config.office.name_en} is closed now (hours {config.office.hours})",
                f"{config.office.name_th} ปิดให้บริการแล้ว (เวลาทำการ {config.office.hours})",
            )
        if not svc.open:
            raise ServiceClosed(
                f"service {svc.code} ({svc.name_en}) is closed", f"บริการ{svc.name_th}ปิดรับคิวแล้ว"
            )
        day = config.office.local_day(now)
        n = next_number(svc, uow.tickets.last_number(office, svc.code, day))
        uow.tickets.set_last_number(office, svc.code, day, n)
        ticket, event = lifecycle.issue(
            config,
            svc,
            ticket_id=ticket_id,
            status_key=status_key,
            number=format_number(svc, n),
            day=day,
            priority=priority or config.priority.normal,
            extra_services=extra_services,
            now=now,
            queued_at=queued_at,
        )
        uow.tickets.add(ticket)
        uow.publish(event)
        uow.commit()
        # Read after the commit: the office's next ticket need not wait for this one's estimate.
        where = position(uow, config, ticket, now)
    return ticket, where


def _open_counter(uow: UnitOfWork, office: str, code: str) -> Counter:
    counter = uow.counters.get(office, code)
    lifecycle.require_open(counter)
    _require_free(uow, office, code)
    return counter


def _require_free(uow: UnitOfWork, office: str, code: str) -> None:
    current = uow.tickets.at_counter(office, code)
    if current is not None:
        raise CounterBusy(
            f"counter {code} still has ticket {current.number}; finish or transfer it first",
            f"ช่องบริการ {code} ยังมีบัตรคิว {current.number} อยู่ กรุณาปิดงานหรือโอนก่อน",
        )


def routing_context(
    uow: UnitOfWork, config: OfficeConfig, desk: Counter, now: datetime
) -> RoutingContext:
    """What the routing policy sees when `desk` asks for its next ticket."""
    office = config.office.code
    return RoutingContext(
        counter=desk.code,
        profile=desk.profile,
        heads=uow.tickets.heads(office),
        priority=config.priority,
        target_wait_s={code: s.target_wait_s for code, s in config.services.items()},
        recent_classes=uow.tickets.recent_classes(
            office, desk.code, config.priority.max_priority_in_row
        ),
        now=now,
        service_s={code: s.default_service_s for code, s in config.services.items()},
    )


def call_next(uow: UnitOfWork, *, office: str, counter: str, now: datetime) -> Ticket | None:
    """Call the ticket the office's routing policy picks for this counter; None if none waits."""
    with uow:
        config = uow.config(office)
        desk = _open_counter(uow, office, counter)
        ticket = _call_pick(uow, config, desk, now)
        if ticket is None:
            return None
        uow.commit()
    return ticket


def finish_and_call_next(
    uow: UnitOfWork,
    *,
    office: str,
    ticket_id: str,
    now: datetime,
    transactions: Sequence[str] = (),
    counter: str | None = None,
) -> Ticket | None:
    """Finish a ticket and call the one the policy picks next to its counter, as one change:
    the officer's usual two taps in one, one commit for the office. The ticket is finished
    either way; None when nobody waits, or when the pause asked for begins instead. Given a
    `counter` (an officer's), the ticket must be at it."""
    with uow:
        config = uow.config(office)
        # A ticket at another counter is refused by `_ticket`, one at none by `done`.
        ticket = _ticket(uow, office, ticket_id, counter)
        finished = lifecycle.done(config, ticket, transactions, now)
        uow.publish(finished)
        _pause_if_pending(uow, office, finished.counter, finished.at)
        desk = uow.counters.get(office, finished.counter)
        called = None
        if desk.state is CounterState.OPEN:
            called = _call_pick(uow, config, desk, finished.at)
        uow.commit()
    return called


def _call_pick(
    uow: UnitOfWork, config: OfficeConfig, desk: Counter, now: datetime
) -> Ticket | None:
    """Publish the call of the ticket the policy picks for the free counter `desk`, if any."""
    head = get_policy(config.policy).choose(routing_context(uow, config, desk, now))
    if head is None:
        return None
    ticket = uow.tickets.get(head.ticket_id)
    uow.publish(lifecycle.call(ticket, desk, now))
    return ticket


def _ticket(uow: UnitOfWork, office: str, ticket_id: str, counter: str | None) -> Ticket:
    ticket = uow.tickets.get(ticket_id)
    if ticket.office != office:
        raise NotFound("no such ticket here; reload the page", "ไม่พบบัตรคิวนี้ กรุณาโหลดหน้าใหม่")
    if counter is not None and ticket.status.at_counter and ticket.counter != counter:
        raise NotAtCounter(
            f"ticket {ticket.number} is at counter {ticket.counter}, not {counter}",
            f"บัตรคิว {ticket.number} อยู่ที่ช่องบริการ {ticket.counter} ไม่ใช่ {counter}",
        )
    return ticket


def call_ticket(
    uow: UnitOfWork, *, office: str, counter: str, ticket_id: str, now: datetime
) -> Ticket:
    """Call one chosen waiting ticket out of turn (the officer's reason is logged by the app)."""
    with uow:
        desk = _open_counter(uow, office, counter)
        ticket = _ticket(uow, office, ticket_id, None)
        uow.publish(lifecycle.call(ticket, desk, now))
        uow.commit()
    return ticket


def _current(uow: UnitOfWork, office: str, counter: str) -> Ticket:
    uow.counters.get(office, counter)
    ticket = uow.tickets.at_counter(office, counter)
    if ticket is None:
        raise NotFound(
            f"counter {counter} has no ticket called", f"ช่องบริการ {counter} ยังไม่ได้เรียกคิว"
        )
    return ticket


def recall(uow: UnitOfWork, *, office: str, counter: str, now: datetime) -> Ticket:
    """Announce the counter's current ticket again."""
    with uow:
        ticket = _current(uow, office, counter)
        uow.publish(lifecycle.recall(ticket, now))
        uow.commit()
    return ticket


def _on_ticket(
    uow: UnitOfWork,
    office: str,
    ticket_id: str,
    counter: str | None,
    transition: Callable[[OfficeConfig, Ticket], Event],
) -> Ticket:
    with uow:
        config = uow.config(office)
        ticket = _ticket(uow, office, ticket_id, counter)
        held_by = ticket.counter if ticket.status.at_counter else None
        event = transition(config, ticket)
        uow.publish(event)
        if held_by is not None and not ticket.status.at_counter:
            _pause_if_pending(uow, office, held_by, event.at)
        uow.commit()
    return ticket


def _pause_if_pending(uow: UnitOfWork, office: str, code: str, now: datetime) -> None:
    """The officer asked to pause after this ticket: it has left, so the counter pauses now."""
    desk = uow.counters.get(office, code)
    if desk.pause_pending:
        uow.publish(lifecycle.pause_counter(desk, desk.pause_reason, now, desk.pause_code))


def start_serving(
    uow: UnitOfWork, *, office: str, ticket_id: str, now: datetime, counter: str | None = None
) -> Ticket:
    return _on_ticket(uow, office, ticket_id, counter, lambda _, t: lifecycle.start_serving(t, now))


def finish(
    uow: UnitOfWork,
    *,
    office: str,
    ticket_id: str,
    now: datetime,
    transactions: Sequence[str] = (),
    counter: str | None = None,
) -> Ticket:
    return _on_ticket(
        uow, office, ticket_id, counter, lambda c, t: lifecycle.done(c, t, transactions, now)
    )


def no_show(
    uow: UnitOfWork,
    *,
    office: str,
    ticket_id: str,
    now: datetime,
    counter: str | None = None,
    confirmed: bool = True,
) -> Ticket:
    return _on_ticket(
        uow,
        office,
        ticket_id,
        counter,
        lambda _, t: lifecycle.no_show(t, now, confirmed=confirmed),
    )


def undo_no_show(
    uow: UnitOfWork, *, office: str, ticket_id: str, now: datetime, counter: str | None = None
) -> Ticket:
    """Within the office's grace period, a no-show goes back to its counter (which must be free;
    a pause it started meanwhile is ended, since the officer is back at work)."""
    with uow:
        config = uow.config(office)
        ticket = _ticket(uow, office, ticket_id, None)
        code = ticket.counter or ""
        if counter is not None and code != counter:
            raise NotAtCounter(
                f"ticket {ticket.number} was at counter {code}, not {counter}",
                f"บัตรคิว {ticket.number} อยู่ที่ช่องบริการ {code} ไม่ใช่ {counter}",
            )
        desk = uow.counters.get(office, code)
        _require_free(uow, office, code)
        event = lifecycle.undo_no_show(ticket, desk, now, config.no_show_grace_s)
        if desk.state is CounterState.PAUSED:
            uow.publish(lifecycle.resume_counter(desk, event.at))
        uow.publish(event)
        uow.commit()
    return ticket


def cancel(
    uow: UnitOfWork, *, office: str, ticket_id: str, now: datetime, counter: str | None = None
) -> Ticket:
    return _on_ticket(uow, office, ticket_id, counter, lambda _, t: lifecycle.cancel(t, now))


def transfer(
    uow: UnitOfWork,
    *,
    office: str,
    ticket_id: str,
    now: datetime,
    service: str | None = None,
    to_counter: str | None = None,
    keep_place: bool | None = None,
    counter: str | None = None,
) -> Ticket:
    def move(config: OfficeConfig, ticket: Ticket) -> Event:
        target = uow.counters.get(office, to_counter) if to_counter is not None else None
        return lifecycle.transfer(
            config, ticket, now, service=service, counter=target, keep_place=keep_place
        )

    return _on_ticket(uow, office, ticket_id, counter, move)


def _on_counter(
    uow: UnitOfWork, office: str, code: str, transition: Callable[[Counter], Event]
) -> Counter:
    with uow:
        desk = uow.counters.get(office, code)
        uow.publish(transition(desk))
        uow.commit()
    return desk


def pause_counter(
    uow: UnitOfWork,
    *,
    office: str,
    counter: str,
    reason: str,
    now: datetime,
    reason_code: str | None = None,
    after_ticket: bool = False,
) -> Counter:
    """Pause now, or once the counter's ticket leaves it (`after_ticket`). With `reason_code`
    the reason comes from the office's list (its own words for "other")."""
    with uow:
        config = uow.config(office)
        desk = uow.counters.get(office, counter)
        code = reason_code or ""
        text = lifecycle.pause_text(config, code, reason) if code else reason
        if after_ticket and uow.tickets.at_counter(office, counter) is not None:
            uow.publish(lifecycle.pause_after_ticket(desk, text, now, code))
        else:
            uow.publish(lifecycle.pause_counter(desk, text, now, code))
        uow.commit()
    return desk


def resume_counter(uow: UnitOfWork, *, office: str, counter: str, now: datetime) -> Counter:
    """Resume a paused counter, or call off a pause that waited for the current ticket."""
    with uow:
        desk = uow.counters.get(office, counter)
        if desk.pause_pending:
            uow.publish(lifecycle.withdraw_pending_pause(desk, now))
        else:
            uow.publish(lifecycle.resume_counter(desk, now))
        uow.commit()
    return desk


def open_counter(uow: UnitOfWork, *, office: str, counter: str, now: datetime) -> Counter:
    return _on_counter(uow, office, counter, lambda d: lifecycle.open_counter(d, now))


def close_counter(uow: UnitOfWork, *, office: str, counter: str, now: datetime) -> Counter:
    def close(desk: Counter) -> Event:
        _require_free(uow, office, counter)
        return lifecycle.close_counter(desk, now)

    return _on_counter(uow, office, counter, close)
