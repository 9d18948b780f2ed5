"""Wait estimates from recent service times and the counters that serve a service.

A counter serving several services is shared between them in proportion to weight x demand, so a
service that only one busy multi-service counter touches gets a fraction of that counter. Each
counter's pace is learned from its own recent service times of the service, shrunk towards the
service's mean while it has few of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.model import Counter, CounterState

# A counter's own pace counts as this many samples at the service's mean pace, so that one
# slow case does not halve its estimated speed.
PACE_PRIOR_SAMPLES = 5
RANGE_LOW = 0.6
RANGE_HIGH = 1.4
RANGE_PAD_S = 120


@dataclass(frozen=True)
class CounterLoad:
    counter: Counter
    busy: bool
    # Services per second relative to the service's mean: 1.2 = this counter is 20% quicker.
    pace: float = 1.0


def mean_service_s(samples: Sequence[float], default_s: float) -> float:
    """Mean of recent service times; the service's configured default until there are any."""
    return sum(samples) / len(samples) if samples else float(default_s)


def counter_paces(samples: Sequence[tuple[str, float]], mean_s: float) -> dict[str, float]:
    """Each counter's pace at a service from its (counter, seconds) samples."""
    by_counter: dict[str, list[float]] = {}
    for counter, seconds in samples:
        by_counter.setdefault(counter, []).append(seconds)
    paces = {}
    for counter, times in by_counter.items():
        shrunk = (sum(times) + PACE_PRIOR_SAMPLES * mean_s) / (len(times) + PACE_PRIOR_SAMPLES)
        paces[counter] = mean_s / shrunk if shrunk > 0 else 1.0
    return paces


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
        share = counter_share(load.counter, service, waiting) * load.pace
        capacity += share
        if not load.busy:
            free += share
    if capacity <= 0:
        return None
    slots = people_ahead + 1 - free
    if slots <= 0:
        return 0
    return max(0, math.ceil((slots - 0.5) * mean_s / capacity))


def wait_range_s(wait_s: int, people_ahead: int) -> tuple[int, int]:
    """The range printed around an estimate: (soonest, latest) seconds."""
    low = RANGE_LOW * wait_s
    high = RANGE_HIGH * wait_s + RANGE_PAD_S
    return (int(low // 60 * 60), int(-(-high // 60) * 60))
