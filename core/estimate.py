"""Wait estimates: the work due before a ticket on the counters that can serve it.

Those counters work together through every ticket the routing policy calls before this one: of
its own service, and of other services they share, each counted for the share of that service's
counters they are (by work-profile weight). Each counter's pace is learned from its own recent
service times of the service, shrunk towards the service's mean while it has few of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.model import Counter, CounterState, WorkProfile

# A counter's own pace counts as this many samples at the service's mean pace, so that one
# slow case does not halve its estimated speed.
PACE_PRIOR_SAMPLES = 5
RANGE_LOW = 0.7
RANGE_HIGH = 1.3
RANGE_PAD_S = 60


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


def wait_range_s(wait_s: int) -> tuple[int, int]:
    """The range printed around an estimate: (soonest, latest) seconds."""
    low = RANGE_LOW * wait_s
    high = RANGE_HIGH * wait_s + RANGE_PAD_S
    return (int(low // 60 * 60), int(-(-high // 60) * 60))


def estimate_wait_s(
    service: str,
    ahead: float,
    mean_s: float,
    service_s: Mapping[str, float],
    loads: Sequence[CounterLoad],
    due_first: Mapping[str, float],
) -> int | None:
    """Seconds until a ticket is called: the work due before it on the counters that serve its
    service, worked off by those counters together."""
    mine = [
        load
        for load in loads
        if load.counter.state is CounterState.OPEN and load.counter.profile.serves(service)
    ]
    capacity = sum(load.pace for load in mine)
    if capacity <= 0:
        return None
    work = ahead * mean_s
    tickets = ahead
    open_profiles = [
        load.counter.profile for load in loads if load.counter.state is CounterState.OPEN
    ]
    weights = _weights(tuple(open_profiles))
    our_weights = _weights(tuple(p for p in open_profiles if p.serves(service)))
    for other, count in due_first.items():
        if other == service or count <= 0:
            continue
        everyone, ours = weights.get(other, 0), our_weights.get(other, 0)
        if everyone > 0 and ours > 0:
            share = ours / everyone
            work += count * share * service_s.get(other, mean_s)
            tickets += count * share
    idle = sum(1 for load in mine if not load.busy)
    if tickets < idle:
        return 0
    residual = sum(mean_s / 2 for load in mine if load.busy)
    return max(0, math.ceil((work + residual) / capacity))


# The offices' counters change their work profiles seldom, and most services of a catalogue share
# their counters with others: a kiosk's service list asks this for every service.
@lru_cache(maxsize=256)
def _weights(profiles: tuple[WorkProfile, ...]) -> dict[str, int]:
    """Per service, the weight the counters of these profiles give it together. The caller
    only reads the dict (it is shared between calls)."""
    total: dict[str, int] = {}
    for profile in profiles:
        for service, weight in profile.weights.items():
            total[service] = total.get(service, 0) + weight
    return total
