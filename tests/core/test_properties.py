"""Properties over random days: the invariants CONTRACT.md and DESIGN.md promise."""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from core import events as ev
from core import services
from core.errors import DomainError
from core.memory import MemoryUnitOfWork
from core.model import (
    APPOINTMENT,
    Counter,
    PrioritySettings,
    Service,
    Ticket,
    TicketStatus,
    WorkProfile,
)
from core.routing import LATE_PENALTY_S, LATE_RATE, POLICIES, QueueHead, RoutingContext
from tests.core.office import at, issue_in, make_config, make_uow

CLASSES = PrioritySettings().classes
# Mostly normal, as in a real hall, so that queues hold several tickets and order matters.
MOSTLY_NORMAL = st.sampled_from(("normal", "normal", "normal", "elderly", "monk"))
SERVICES = ("A", "B", "C")
COUNTERS = ("1", "2", "3")
TERMINAL = {"ticket.done", "ticket.no_show", "ticket.cancelled"}
STATUS_AFTER = {
    "ticket.issued": "waiting",
    "ticket.called": "called",
    "ticket.recalled": "called",
    "ticket.serving": "serving",
    "ticket.done": "done",
    "ticket.no_show": "no_show",
    "ticket.cancelled": "cancelled",
    "ticket.transferred": "waiting",
}


class OfficeDay(RuleBasedStateMachine):
    """Kiosks, officers and time in any order; refusals are fine, broken invariants are not."""

    def __init__(self) -> None:
        super().__init__()
        self.uow: MemoryUnitOfWork = make_uow()
        self.minute = 0.0
        self.ids = 0

    @property
    def now(self) -> datetime:
        return at(self.minute)

    @property
    def tickets(self) -> dict[str, Ticket]:
        return self.uow.store.tickets

    def at_counter(self, counter: str) -> Ticket | None:
        return next(
            (t for t in self.tickets.values() if t.status.at_counter and t.counter == counter),
            None,
        )

    @rule(minutes=st.floats(min_value=0, max_value=20))
    def time_passes(self, minutes: float) -> None:
        self.minute += minutes

    @rule(
        service=st.sampled_from(SERVICES),
        priority=MOSTLY_NORMAL,
        extras=st.lists(st.sampled_from(SERVICES), max_size=2),
    )
    def kiosk_issues(self, service: str, priority: str, extras: list[str]) -> None:
        self.ids += 1
        try:
            issue_in(
                self.uow,
                f"t{self.ids}",
                service,
                self.now,
                priority=priority,
                extra_services=extras,
            )
        except DomainError as refused:
            assert refused.code == "quota_reached" and service == "C"

    @rule(counter=st.sampled_from(COUNTERS))
    def officer_calls_next(self, counter: str) -> None:
        waiting_before = {
            t.id: (t.queue_key, t.target_counter)
            for t in self.tickets.values()
            if t.status is TicketStatus.WAITING
        }
        try:
            called = services.call_next(self.uow, office="udn", counter=counter, now=self.now)
        except DomainError as refused:
            assert refused.code in ("counter_busy", "counter_unavailable")
            return
        if called is None:
            return
        assert called.id in waiting_before
        place, sent_to = waiting_before[called.id]
        # FIFO within a queue: nobody of the same queue who came earlier still waits.
        for other in self.tickets.values():
            if other.status is TicketStatus.WAITING and (
                other.service,
                other.priority,
                other.target_counter,
            ) == (called.service, called.priority, sent_to):
                assert other.queue_key > place

    @rule(counter=st.sampled_from(COUNTERS), data=st.data())
    def officer_acts(self, counter: str, data: st.DataObject) -> None:
        ticket = self.at_counter(counter)
        if ticket is None:
            return
        action = data.draw(
            st.sampled_from(["done", "no_show", "recall", "serve", "transfer", "cancel"])
        )
        kwargs = {"office": "udn", "ticket_id": ticket.id, "now": self.now, "counter": counter}
        try:
            if action == "done":
                done = data.draw(st.lists(st.sampled_from(SERVICES), max_size=3))
                services.finish(self.uow, transactions=done, **kwargs)
            elif action == "no_show":
                services.no_show(self.uow, **kwargs)
            elif action == "recall":
                services.recall(self.uow, office="udn", counter=counter, now=self.now)
            elif action == "serve":
                services.start_serving(self.uow, **kwargs)
            elif action == "cancel":
                services.cancel(self.uow, **kwargs)
            else:
                services.transfer(
                    self.uow,
                    service=data.draw(st.sampled_from((None, *SERVICES))),
                    to_counter=data.draw(st.sampled_from((None, *COUNTERS))),
                    **kwargs,
                )
        except DomainError as refused:
            assert refused.code in ("illegal_transition", "invalid_request", "counter_unavailable")

    @rule(ticket=st.integers(min_value=1, max_value=40))
    def citizen_cancels(self, ticket: int) -> None:
        found = self.tickets.get(f"t{ticket}")
        if found is None:
            return
        try:
            services.cancel(self.uow, office="udn", ticket_id=found.id, now=self.now)
        except DomainError as refused:
            assert refused.code == "illegal_transition"
            assert found.status not in (TicketStatus.WAITING, TicketStatus.CALLED)

    @rule(counter=st.sampled_from(COUNTERS), pause=st.booleans())
    def officer_pauses_or_resumes(self, counter: str, pause: bool) -> None:
        try:
            if pause:
                services.pause_counter(
                    self.uow, office="udn", counter=counter, reason="พัก", now=self.now
                )
            else:
                services.resume_counter(self.uow, office="udn", counter=counter, now=self.now)
        except DomainError as refused:
            assert refused.code == "illegal_transition"

    @invariant()
    def numbers_are_unique_per_service_and_day(self) -> None:
        issued = [(t.day, t.number) for t in self.tickets.values()]
        assert len(issued) == len(set(issued))

    @invariant()
    def no_ticket_is_at_two_counters_and_no_counter_has_two(self) -> None:
        holders: dict[str, str] = {}
        for t in self.tickets.values():
            if t.status.at_counter:
                assert t.counter is not None and t.counter not in holders
                holders[t.counter] = t.id
            else:
                assert t.counter is None or t.status.terminal

    @invariant()
    def events_tell_the_same_story_as_the_tickets(self) -> None:
        ids = [event_id for event_id, _ in self.uow.store.events]
        assert ids == sorted(set(ids))
        state: dict[str, str] = {}
        for _, event in self.uow.store.events:
            if isinstance(event, ev.TicketEvent):
                assert state.get(event.ticket_id) not in TERMINAL, "event after a terminal one"
                state[event.ticket_id] = (
                    event.type if event.type in TERMINAL else STATUS_AFTER[event.type]
                )
        assert set(state) == set(self.tickets)
        for ticket_id, ticket in self.tickets.items():
            last = state[ticket_id]
            expected = STATUS_AFTER[last] if last in TERMINAL else last
            assert ticket.status.value == expected

    @invariant()
    def queue_heads_match_a_brute_force_scan(self) -> None:
        queues: dict[tuple[str, str, str | None], list[Ticket]] = defaultdict(list)
        for t in self.tickets.values():
            if t.status is TicketStatus.WAITING:
                queues[(t.service, t.priority, t.target_counter)].append(t)
        expected = {key: min(q, key=lambda t: t.queue_key).id for key, q in queues.items()}
        heads = {
            (h.service, h.priority, h.target_counter): h.ticket_id
            for h in self.uow.tickets.heads("udn")
        }
        assert heads == expected


TestOfficeDay = OfficeDay.TestCase
TestOfficeDay.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)


Operation = tuple[str, str, str]
operations = st.lists(
    st.tuples(
        st.sampled_from(["issue", "call", "done"]),
        st.sampled_from(SERVICES + COUNTERS),
        st.sampled_from(CLASSES),
    ),
    max_size=60,
)


def replay(ops: list[Operation], policy: str) -> list[tuple[int, ev.Event]]:
    uow = make_uow(make_config(policy=policy))
    for step, (kind, target, klass) in enumerate(ops):
        now = at(step * 1.5)
        try:
            if kind == "issue" and target in SERVICES:
                issue_in(uow, f"t{step}", target, now, priority=klass)
            elif kind == "call" and target in COUNTERS:
                services.call_next(uow, office="udn", counter=target, now=now)
            elif kind == "done" and target in COUNTERS:
                current = uow.tickets.at_counter("udn", target)
                if current is not None:
                    services.finish(uow, office="udn", ticket_id=current.id, now=now)
        except DomainError:
            pass
    return list(uow.events_after(0))


@given(operations, st.sampled_from(["weighted", "fifo", "strict-priority"]))
@settings(max_examples=100, deadline=None)
def test_the_same_day_gives_the_same_decisions(ops: list[Operation], policy: str) -> None:
    assert replay(ops, policy) == replay(ops, policy)


STEP = timedelta(minutes=1)
TARGET_S = 15 * 60


def one_counter_day(
    policy: str,
    arrivals: list[list[tuple[str, str]]],
    priority: PrioritySettings | None = None,
) -> list[Ticket]:
    """A counter serving A (weight 3) and B (weight 1) calls once a minute while people arrive."""
    same_target = {
        code: Service(code, "dopa", code, code, target_wait_s=TARGET_S) for code in ("A", "B")
    }
    config = make_config(services=same_target, policy=policy)
    if priority is not None:
        config = dataclasses.replace(config, priority=priority)
    uow = make_uow(config)
    uow.store.counters.clear()
    uow.store.install(
        uow.config("udn"), [Counter("udn", "1", "1", "1", WorkProfile({"A": 3, "B": 1}))]
    )
    ids = 0
    steps = len(arrivals) + sum(len(a) for a in arrivals) + 1
    for step in range(steps):
        now = at(0) + step * STEP
        for service, klass in arrivals[step] if step < len(arrivals) else []:
            ids += 1
            if klass == APPOINTMENT:  # a booked visitor checking in on time
                services.check_in_appointment(
                    uow,
                    office="udn",
                    service=service,
                    now=now,
                    ticket_id=f"t{ids}",
                    status_key="k",
                    slot_start=now,
                    grace_s=600,
                )
            else:
                issue_in(uow, f"t{ids}", service, now, priority=klass)
        current = uow.tickets.at_counter("udn", "1")
        if current is not None:
            services.finish(uow, office="udn", ticket_id=current.id, now=now)
        services.call_next(uow, office="udn", counter="1", now=now)
    return list(uow.store.tickets.values())


def overtaken_by_later_arrivals(tickets: list[Ticket]) -> int:
    """The most tickets that arrived after someone and were still called before them."""
    assert all(t.called_at is not None for t in tickets), "somebody was never called"
    return max(
        (
            sum(
                1
                for other in tickets
                if other.queued_at > t.queued_at and other.called_at < t.called_at  # type: ignore[operator]
            )
            for t in tickets
        ),
        default=0,
    )


MAX_ARRIVALS_PER_STEP = 3
arrival_streams = st.lists(
    st.lists(
        st.tuples(st.sampled_from(["A", "B"]), st.sampled_from((*CLASSES, APPOINTMENT))),
        max_size=MAX_ARRIVALS_PER_STEP,
    ),
    max_size=40,
)


# How often the weighted policy lets later arrivals pass a ticket (see below).
LATE_BOUND = math.ceil((TARGET_S + LATE_PENALTY_S / LATE_RATE) / STEP.total_seconds()) + 1


@given(arrival_streams)
@settings(max_examples=100, deadline=None)
def test_nobody_starves_under_the_weighted_policy(arrivals: list[list[tuple[str, str]]]) -> None:
    # A late ticket counts LATE_RATE of its lateness less the penalty: once late by
    # penalty / rate it is overdue and only people who came earlier go first; before that, at
    # most one call a minute can pass a ticket. So no one is passed more than
    # (target + penalty / rate) / step + 1 times.
    assert overtaken_by_later_arrivals(one_counter_day("weighted", arrivals)) <= LATE_BOUND


def test_strict_priority_does_starve_which_is_why_it_is_not_the_default() -> None:
    arrivals = [[("A", "monk"), ("B", "normal")]] + [[("A", "monk")]] * 30
    assert overtaken_by_later_arrivals(one_counter_day("strict-priority", arrivals)) > LATE_BOUND
    assert overtaken_by_later_arrivals(one_counter_day("weighted", arrivals)) <= LATE_BOUND


class CountingHeads(Sequence[QueueHead]):
    """The queue heads a policy gets, counting every look at one."""

    def __init__(self, heads: list[QueueHead]) -> None:
        self.heads = heads
        self.looks = 0

    def __len__(self) -> int:
        return len(self.heads)

    def __getitem__(self, index: int) -> QueueHead:  # type: ignore[override]
        self.looks += 1
        return self.heads[index]

    def __iter__(self) -> Iterator[QueueHead]:
        for head in self.heads:
            self.looks += 1
            yield head


admin_settings = st.builds(
    PrioritySettings,
    max_priority_in_row=st.integers(min_value=0, max_value=5),
    long_wait_guard=st.booleans(),
    long_wait_guard_at=st.sampled_from([0.1, 0.5, 0.8, 1.0]),
    weights=st.fixed_dictionaries({"elderly": st.integers(1, 9), "monk": st.integers(1, 9)}),
    appointment_window_s=st.sampled_from([60, 300, 900]),
)
heads_strategy = st.lists(
    st.tuples(
        st.sampled_from(SERVICES),
        st.sampled_from(CLASSES),
        st.floats(min_value=0, max_value=120),
        st.sampled_from([None, "1", "2"]),
    ),
    max_size=30,
)


@given(heads_strategy, admin_settings, st.sampled_from(sorted(POLICIES)))
@settings(max_examples=200, deadline=None)
def test_every_decision_looks_at_each_queue_head_a_few_times_at_most(
    specs: list[tuple[str, str, float, str | None]], chosen: PrioritySettings, policy: str
) -> None:
    heads = CountingHeads(
        [
            QueueHead(service, klass, f"t{i}", f"{service}{i:03d}", at(120 - waited), target)
            for i, (service, klass, waited, target) in enumerate(specs)
        ]
    )
    context = RoutingContext(
        counter="1",
        profile=WorkProfile({"A": 3, "B": 1}),
        heads=heads,
        priority=chosen,
        target_wait_s={"A": 900, "B": 900, "C": 1800},
        recent_classes=["elderly"] * chosen.max_priority_in_row,
        now=at(120),
        service_s={"A": 120, "B": 300, "C": 60},
    )
    POLICIES[policy].choose(context)
    # O(queues): a constant number of passes over the heads, never a look at the tickets behind.
    assert heads.looks <= 2 * len(heads.heads)


@given(arrival_streams, admin_settings)
@settings(max_examples=100, deadline=None)
def test_nobody_starves_under_any_setting_an_admin_can_choose(
    arrivals: list[list[tuple[str, str]]], chosen: PrioritySettings
) -> None:
    # Priority tickets and on-time appointments come and go first, three a minute at most. With
    # the guard, once a ticket has waited (1 + guard_at) x target nobody who came later goes
    # first (the guard takes the longest waiting first), and the counter calls once a minute
    # until then. Without it, everyone is still called before the day's calls run out
    # (`overtaken_by_later_arrivals` checks), the interleave making room for normal tickets.
    tickets = one_counter_day("weighted", arrivals, chosen)
    overtaken = overtaken_by_later_arrivals(tickets)
    if chosen.long_wait_guard:
        guard_steps = math.ceil((1 + chosen.long_wait_guard_at) * TARGET_S / STEP.total_seconds())
        assert overtaken <= guard_steps + 1
    if chosen.max_priority_in_row == 0 and not chosen.long_wait_guard:
        # No priority call while a normal ticket waits: a normal one is passed only by normal
        # tickets that came less than penalty / rate (8 minutes) after it (one that is not
        # late against one that is, until that one is overdue), the arrivals of 9 steps at most.
        normal = [t for t in tickets if t.priority == chosen.normal]
        penalty_steps = math.ceil(LATE_PENALTY_S / LATE_RATE / STEP.total_seconds())
        assert overtaken_by_later_arrivals(normal) <= MAX_ARRIVALS_PER_STEP * (penalty_steps + 1)
