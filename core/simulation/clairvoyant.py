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

Run with `queue_order=True` it calls only the head of each (service, class) queue, in the order
the tickets came, as "call next" must. A late head put last would then hold back its whole queue,
so there it moves late heads up as the policy does (`core.routing.late_rule_slack_s`); it still
knows every visitor's service time. Set beside the unrestricted run, it shows how much of the
reference's lead is calling tickets out of their queue's order, which no policy may do.
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


def _klass(visitor: Visitor) -> str:
    return APPOINTMENT if visitor.appointment else visitor.priority


def clairvoyant(
    scenario: Scenario,
    seed: int,
    visitors: Sequence[Visitor],
    *,
    head_start: bool = True,
    queue_order: bool = False,
) -> PolicyResult:
    """The day's waits as the clairvoyant scheduler would have called them; `head_start=False`
    calls priority classes as if they were normal (their waits are still reported by class),
    `queue_order=True` calls queue heads only."""
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
    away = {code: sorted((p.start_s, p.end_s) for p in scenario.pauses if p.counter == code)
            for code in order}  # fmt: skip
    free_at = dict.fromkeys(order, 0)
    busy_s = dict.fromkeys(order, 0)
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
        chosen = _choose(
            scenario, candidates, serves[code], targets, hold, guard, now, head_start, queue_order
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
        free_at[code] = now + hold[chosen.index]
        busy_s[code] += hold[chosen.index]
        last_s = max(last_s, free_at[code])
        heapq.heappush(pending, (free_at[code], i))
    name = NAME_QUEUE_ORDER if queue_order else NAME if head_start else NAME_NO_HEAD_START
    return summarise(
        policy=name,
        seed=seed,
        scenario=scenario,
        records=[records[i] for i in sorted(records)],
        refused=len(visitors) - len(arrivals),
        busy_s=[busy_s[c] for c in order],
        last_s=last_s,
    )


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
    hold: dict[int, int],
    guard: float,
    now: int,
    head_start: bool,
    queue_order: bool,
) -> Visitor | None:
    normal = scenario.priority.normal
    # (0 guard | 1 in time | 2 late, the order within, visitor): the smallest is called.
    best: tuple[int, float, int] | None = None
    chosen = None
    for visitor in waiting:
        if visitor.service not in serves or visitor.queued_s > now:
            continue
        target = targets[visitor.service]
        waited = now - visitor.queued_s
        length = hold[visitor.index]
        # The guard, as the policy's, measures every ticket against its service's target.
        if waited + length >= guard * target:
            key = (0, -waited / target, visitor.index)
        else:
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
        if best is None or key < best:
            best, chosen = key, visitor
    return chosen
