""" "Call next": which waiting ticket a counter gets. Pure, deterministic, O(number of queues).

A queue is (service, priority class, target counter); only each queue's head is looked at. The
policies share one rule: a ticket transferred to this very counter goes first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.errors import InvalidRequest
from core.model import PrioritySettings, WorkProfile

# Every head gets this much credit for waiting, so that among fresh tickets the work-profile
# weight decides instead of a few seconds of difference in arrival.
AGING_FLOOR_S = 60.0


@dataclass(frozen=True)
class QueueHead:
    service: str
    priority: str
    ticket_id: str
    number: str
    queued_at: datetime
    target_counter: str | None = None


@dataclass(frozen=True)
class RoutingContext:
    """What a decision may look at; `recent_classes` are this counter's last calls, oldest first."""

    counter: str
    profile: WorkProfile
    heads: Sequence[QueueHead]
    priority: PrioritySettings
    target_wait_s: Mapping[str, int]
    recent_classes: Sequence[str]
    now: datetime

    def waited_s(self, head: QueueHead) -> float:
        return max(0.0, (self.now - head.queued_at).total_seconds())

    def direct(self) -> list[QueueHead]:
        return [h for h in self.heads if h.target_counter == self.counter]

    def eligible(self) -> list[QueueHead]:
        return [
            h for h in self.heads if h.target_counter is None and self.profile.serves(h.service)
        ]


class RoutingPolicy(Protocol):
    name: str

    def choose(self, ctx: RoutingContext) -> QueueHead | None: ...


def fifo_key(head: QueueHead) -> tuple[datetime, str, str]:
    return (head.queued_at, head.number, head.ticket_id)


def priority_streak(recent_classes: Sequence[str], settings: PrioritySettings) -> int:
    """How many priority tickets this counter called in a row, most recent backwards."""
    streak = 0
    for klass in reversed(recent_classes):
        if not settings.is_priority(klass):
            break
        streak += 1
    return streak


class FifoPolicy:
    """First come, first served across all services of the profile; classes ignored."""

    name = "fifo"

    def choose(self, ctx: RoutingContext) -> QueueHead | None:
        candidates = ctx.direct() or ctx.eligible()
        return min(candidates, key=fifo_key, default=None)


class StrictPriorityPolicy:
    """Heaviest priority class first, always; FIFO inside a class. Can starve normal tickets."""

    name = "strict-priority"

    def choose(self, ctx: RoutingContext) -> QueueHead | None:
        direct = ctx.direct()
        if direct:
            return min(direct, key=fifo_key)
        return min(
            ctx.eligible(),
            key=lambda h: (-ctx.priority.weight(h.priority), fifo_key(h)),
            default=None,
        )


class WeightedPolicy:
    """The default. In order:

    1. a ticket close to its service's target wait (`long_wait_guard_at` of it) goes first, the
       one furthest past its target first, so nothing starves;
    2. priority classes are preferred, but after `max_priority_in_row` priority calls in a row at
       this counter a normal ticket is called if one waits;
    3. within the chosen group the highest score wins: work-profile weight x class weight x time
       waited, so a counter prefers its own services yet helps with others that wait long.
    """

    name = "weighted"

    def choose(self, ctx: RoutingContext) -> QueueHead | None:
        direct = ctx.direct()
        if direct:
            return min(direct, key=fifo_key)
        eligible = ctx.eligible()
        if not eligible:
            return None
        if ctx.priority.long_wait_guard:
            overdue = self._most_overdue(ctx, eligible)
            if overdue is not None:
                return overdue
        normal = [h for h in eligible if not ctx.priority.is_priority(h.priority)]
        priority = [h for h in eligible if ctx.priority.is_priority(h.priority)]
        if normal and priority:
            streak = priority_streak(ctx.recent_classes, ctx.priority)
            group = normal if streak >= ctx.priority.max_priority_in_row else priority
        else:
            group = normal or priority
        return min(group, key=lambda h: (-self.score(ctx, h), fifo_key(h)))

    @staticmethod
    def score(ctx: RoutingContext, head: QueueHead) -> float:
        return (
            ctx.profile.weight(head.service)
            * ctx.priority.weight(head.priority)
            * (ctx.waited_s(head) + AGING_FLOOR_S)
        )

    @staticmethod
    def _most_overdue(ctx: RoutingContext, heads: Sequence[QueueHead]) -> QueueHead | None:
        best: tuple[float, tuple[datetime, str, str]] | None = None
        chosen = None
        guard_at = ctx.priority.long_wait_guard_at
        for head in heads:
            waited, target = ctx.waited_s(head), ctx.target_wait_s[head.service]
            if waited <= guard_at * target:
                continue
            key = (-(waited - target), fifo_key(head))
            if best is None or key < best:
                best, chosen = key, head
        return chosen


POLICIES: Mapping[str, RoutingPolicy] = {
    p.name: p for p in (WeightedPolicy(), FifoPolicy(), StrictPriorityPolicy())
}
DEFAULT_POLICY = WeightedPolicy.name


def get_policy(name: str) -> RoutingPolicy:
    try:
        return POLICIES[name]
    except KeyError:
        raise InvalidRequest(
            f"unknown routing policy {name!r}; known: {', '.join(POLICIES)}",
            f"ไม่รู้จักนโยบายการเรียกคิว {name!r}",
        ) from None
