"""Wait estimates from recent service times and the counters that serve a service.

A counter serving several services is shared between them in proportion to weight x demand, so a
service that only one busy multi-service counter touches gets a fraction of that counter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.model import Counter, CounterState


@dataclass(frozen=True)
class CounterLoad:
    counter: Counter
    busy: bool


def mean_service_s(samples: Sequence[float], default_s: float) -> float:
    """Mean of recent service times; the service's configured default until there are any."""
    return sum(samples) / len(samples) if samples else float(default_s)


def counter_share(counter: Counter, service: str, waiting: Mapping[str, int]) -> float:
    """The fraction of this counter's time that `service` can expect."""
    weight = counter.profile.weight(service)
    if weight == 0 or counter.state is not CounterState.OPEN:
        return 0.0
    demand = {
        code: w * (waiting.get(code, 0) + (1 if code == service else 0))
        for code, w in counter.profile.weights.items()
    }
    return demand[service] / sum(demand.values())


def estimate_wait_s(
    service: str,
    people_ahead: int,
    mean_s: float,
    counters: Iterable[CounterLoad],
    waiting: Mapping[str, int],
) -> int | None:
    """Seconds until a ticket with `people_ahead` before it is called; None if no counter serves it.

    The ticket needs `people_ahead + 1` free slots; idle counters give theirs at once, busy ones
    every `mean_s / capacity` seconds, the first after about half a service time.
    """
    capacity = 0.0
    free = 0.0
    for load in counters:
        share = counter_share(load.counter, service, waiting)
        capacity += share
        if not load.busy:
            free += share
    if capacity <= 0:
        return None
    slots = people_ahead + 1 - free
    if slots <= 0:
        return 0
    return max(0, math.ceil((slots - 0.5) * mean_s / capacity))
