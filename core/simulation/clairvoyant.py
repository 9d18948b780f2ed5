"""The clairvoyant reference: the same day scheduled by someone who knows it in advance.

It knows every visitor's service time (including who will not show up) and may call any waiting
ticket, not only the head of a queue. It follows the weighted policy's rules with that knowledge:
the long-wait guard first, then the least slack (`core.routing.slack_s`), where a case's credit
comes from its true length, except that a walk-in already past its target goes after every
ticket still in time: calling it sooner no longer changes whether it made its target, and the
guard still keeps it within about twice the target. The policy cannot do that, as it sees only
queue heads: a late head would hold back the fresh tickets behind it, so it only lets a late
ticket move up more slowly (`core.routing.LATE_RATE`, `LATE_PENALTY_S`). Booked visitors are not
called before their slot. It is an offline heuristic, not a proof of the optimum: a policy may
beat it on one measure, and where it misses a promise that says the promise is out of reach of
these rules with this staffing, not of every schedule. Counters, pauses and no-show waits are
the same as in `engine`.

Run with `head_start=False` it treats every priority class as normal (appointments keep their
slot): the same rules without the priority head start. The suite runs it too, so that where only
the reference without the head start keeps p90 no worse than FIFO's, the table can say that the
head start itself costs that promise.

Run with `queue_order=True` it keeps the rules "call next" must keep: it calls only the head of
each (service, class) queue, in the order the tickets came, and after `max_priority_in_row`
priority calls in a row at a counter it calls a normal ticket if one waits (unless the guard
calls). A late head put last would then hold back its whole queue, so there it moves late heads
up as the policy does (`core.routing.late_rule_slack_s`). It still knows every visitor's service
time, and that is all it knows that a policy does not: it looks at the waiting tickets only.
Set beside the unrestricted run, it shows how much of the reference's lead is breaking those
rules, which no policy may do. Run in queue order with `service_times=False` as well, it takes
each case to last its service's expected time, as the server does: what is left between the two
is what knowing each visitor's time is worth, which no policy can know when it calls.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from core.model import APPOINTMENT
from core.routing import QueueKind, late_rule_slack_s, slack_s
from core.simulation.engine import NO_SHOW_AFTER_S, Visitor
from core.simulation.report import PolicyResult, TicketRecord, summarise
from core.simulation.scenario import Scenario

NAME = "clairvoyant"
NAME_NO_HEAD_START = "clairvoyant, no priority"
NAME_QUEUE_ORDER = "clairvoyant, queue order"
NAME_EXPECTED_TIMES = "queue order, expected times"


def _klass(visitor: Visitor) -> str:
    return APPOINTMENT if visitor.appointment else visitor.priority


def clairvoyant(
    scenario: Scenario,
    seed: int,
    visitors: Sequence[Visitor],
    *,
    head_start: bool = True,
    queue_order: bool = False,
    service_times: bool = True,
) -> PolicyResult:
    """The day's waits as the clairvoyant scheduler would have called them; `head_start=False`
    calls priority classes as if they were normal (their waits are still reported by class),
    `queue_order=True` calls queue heads only, and `service_times=False` (with `queue_order`)
    orders them by each service's expected time instead of the visitor's own."""
    if not service_times and not queue_order:
        raise ValueError("service_times=False is a queue-order run")
    targets = {s.code: round(s.target_wait_min * 60) for s in scenario.services}
    serves = {c.code: set(c.services) for c in scenario.counters}
    order = [c.code for c in scenario.counters]
    guard = 1 + scenario.priority.long_wait_guard_at
    closes = scenario.open_s
    arrivals = [v for v in visitors if v.arrival_s < closes]
    window = scenario.priority.appointment_window_s
    records = {
        v.index: TicketRecord(
            v.index,
            v.service,
            _klass(v),
            v.measured_from_s,
            None,
            window if v.appointment else targets[v.service],
        )
        for v in arrivals
    }
    hold = {v.index: NO_SHOW_AFTER_S if v.no_show else v.duration_s for v in arrivals}
    expected = {s.code: s.to_service().default_service_s for s in scenario.services}
    # What the scheduler believes each case will take: the truth, or what a server knows.
    known = hold if service_times else {v.index: expected[v.service] for v in arrivals}
    away = {code: sorted((p.start_s, p.end_s) for p in scenario.pauses if p.counter == code)
            for code in order}  # fmt: skip
    free_at = dict.fromkeys(order, 0)
    busy_s = dict.fromkeys(order, 0)
    streak = dict.fromkeys(order, 0)  # priority calls in a row, for the interleave
    waiting: list[Visitor] = []
    next_arrival = 0
    last_s = 0
    # Decision times: a counter freeing up or a visitor arriving; (time, counter order).
    pending: list[tuple[int, int]] = [(0, i) for i in range(len(order))]
    while pending:
        now, i = heapq.heappop(pending)
        while next_arrival < len(arrivals) and arrivals[next_arrival].arrival_s <= now:
            waiting.append(arrivals[next_arrival])
            next_arrival += 1
        code = order[i]
        if free_at[code] > now:
            continue
        resume = _paused_until(away[code], now)
        if resume is not None:
            heapq.heappush(pending, (resume, i))
            continue
        candidates = queue_heads(waiting) if queue_order else waiting
        interleave = queue_order and streak[code] >= scenario.priority.max_priority_in_row
        chosen = _choose(
            scenario,
            candidates,
            serves[code],
            targets,
            known,
            guard,
            now,
            head_start=head_start,
            queue_order=queue_order,
            interleave=interleave,
        )
        if chosen is None:
            later = [v.queued_s for v in waiting if v.queued_s > now and v.service in serves[code]]
            if next_arrival < len(arrivals):
                later.append(arrivals[next_arrival].arrival_s)
            if later:
                heapq.heappush(pending, (min(later), i))
            continue
        waiting.remove(chosen)
        records[chosen.index].called_s = now
        records[chosen.index].no_show = chosen.no_show
        streak[code] = streak[code] + 1 if scenario.priority.is_priority(_klass(chosen)) else 0
        free_at[code] = now + hold[chosen.index]
        busy_s[code] += hold[chosen.index]
        last_s = max(last_s, free_at[code])
        heapq.heappush(pending, (free_at[code], i))
    return summarise(
        policy=_name(head_start=head_start, queue_order=queue_order, service_times=service_times),
        seed=seed,
        scenario=scenario,
        records=[records[i] for i in sorted(records)],
        refused=len(visitors) - len(arrivals),
        busy_s=[busy_s[c] for c in order],
        last_s=last_s,
    )


def _name(*, head_start: bool, queue_order: bool, service_times: bool) -> str:
    if queue_order:
        return NAME_QUEUE_ORDER if service_times else NAME_EXPECTED_TIMES
    return NAME if head_start else NAME_NO_HEAD_START


def queue_heads(waiting: Sequence[Visitor]) -> list[Visitor]:
    """The first ticket of each (service, class) queue, in the server's queue order (an
    appointment's place is its slot); a head whose slot is still to come holds its queue back."""
    heads: dict[tuple[str, str], Visitor] = {}
    for visitor in waiting:
        queue = (visitor.service, _klass(visitor))
        head = heads.get(queue)
        if head is None or (visitor.queued_s, visitor.index) < (head.queued_s, head.index):
            heads[queue] = visitor
    return list(heads.values())


def _paused_until(pauses: Sequence[tuple[int, int]], now: int) -> int | None:
    for start, end in pauses:
        if start <= now < end:
            return end
    return None


def _choose(
    scenario: Scenario,
    waiting: Sequence[Visitor],
    serves: set[str],
    targets: dict[str, int],
    known: dict[int, int],
    guard: float,
    now: int,
    *,
    head_start: bool,
    queue_order: bool,
    interleave: bool,
) -> Visitor | None:
    """The ticket to call; with `interleave`, a normal one if any waits and the guard calls
    none (the policy's rule after `max_priority_in_row` priority calls in a row)."""
    normal = scenario.priority.normal
    # ((0 guard | 1 in time | 2 late, the order within, visitor), visitor): the smallest is called.
    scored: list[tuple[tuple[int, float, int], Visitor]] = []
    for visitor in waiting:
        if visitor.service not in serves or visitor.queued_s > now:
            continue
        target = targets[visitor.service]
        waited = now - visitor.queued_s
        length = known[visitor.index]
        # The guard, as the policy's, measures every ticket against its service's target.
        if waited + length >= guard * target:
            scored.append(((0, -waited / target, visitor.index), visitor))
            continue
        klass = _klass(visitor)
        if not head_start and klass != APPOINTMENT:
            klass = normal
        kind = QueueKind(target, length, klass)
        if queue_order:
            key = (1, late_rule_slack_s(scenario.priority, kind, waited), visitor.index)
        else:
            # An appointment is a promise to the minute: never put last.
            late = klass != APPOINTMENT and waited > target
            key = (2 if late else 1, slack_s(scenario.priority, kind, waited), visitor.index)
        scored.append((key, visitor))
    if not scored:
        return None
    best = min(scored, key=lambda s: s[0])
    if interleave and best[0][0] != 0:
        normals = [s for s in scored if _klass(s[1]) == normal]
        if normals and len(normals) < len(scored):
            best = min(normals, key=lambda s: s[0])
    return best[1]
