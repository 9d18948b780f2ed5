"""Routing policies compared over several simulated days: which one serves citizens best.

    python bench/policies.py [--seeds 5] [--scenario FILE.toml]

Runs the built-in provincial scenario (or FILE) through the simulator once per seed, every policy
on the same visitors each day (`core.simulation.compare`), and prints per policy the median over
the days of: mean, p90 and max wait, the share called within its service's target wait, the worst
priority class's mean wait, counter utilisation, and the error of the wait printed on the ticket.
`swq simulate --seed N` shows one day in full.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence

from core.routing import POLICIES
from core.simulation import PolicyResult, builtin_scenario, compare, load_scenario


def _row(policy: str, days: Sequence[PolicyResult]) -> str:
    def median(values: Sequence[float]) -> float:
        return statistics.median(values)

    worst_class_mean = median([max(g.mean_wait_s or 0.0 for g in day.by_class) for day in days])
    errors = [day.estimate_mae_share for day in days if day.estimate_mae_share is not None]
    return (
        f"{policy:<16}"
        f"{median([d.mean_wait_s for d in days]) / 60:>9.1f}"
        f"{median([d.p90_wait_s for d in days]) / 60:>9.1f}"
        f"{median([d.max_wait_s for d in days]) / 60:>9.1f}"
        f"{median([d.within_target for d in days]) * 100:>10.1f}%"
        f"{worst_class_mean / 60:>12.1f}"
        f"{median([d.utilisation for d in days]) * 100:>8.1f}%"
        f"{(median(errors) * 100 if errors else float('nan')):>10.1f}%"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="simulated days (seeds 1..N)")
    parser.add_argument("--scenario", help="scenario TOML (default: the built-in one)")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario) if args.scenario else builtin_scenario()
    started = time.perf_counter()
    by_policy: dict[str, list[PolicyResult]] = {policy: [] for policy in POLICIES}
    for seed in range(1, args.seeds + 1):
        for result in compare(scenario, list(POLICIES), seed):
            by_policy[result.policy].append(result)
    elapsed = time.perf_counter() - started
    visitors = statistics.median([r.visitors for r in by_policy[next(iter(POLICIES))]])
    print(f"command: python {' '.join(sys.argv)}")
    print(
        f"scenario: {scenario.name}; {args.seeds} days of about {visitors:.0f} visitors; "
        f"medians over the days; {elapsed:.1f} s"
    )
    print(
        f"{'policy':<16}{'mean min':>9}{'p90 min':>9}{'max min':>9}{'in target':>11}"
        f"{'worst mean':>12}{'util':>9}{'est err':>11}"
    )
    for policy, days in by_policy.items():
        print(_row(policy, days))


if __name__ == "__main__":
    main()
