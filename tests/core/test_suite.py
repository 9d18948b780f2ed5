"""The office's promises, checked over the scenario suite's seeds (a reduced set: one simulated
day of the provincial centre takes about a second of CPU per policy, so these tests run about a
dozen days, 15-30 s; `swq simulate --suite` runs the full 20 seeds)."""

from __future__ import annotations

from functools import cache

import pytest

from core.simulation import builtin_scenario
from core.simulation.suite import (
    Promises,
    SuiteRow,
    format_suite,
    long_case,
    lunch_pauses,
    officers_absent,
    pension_day,
    priority_ratio,
    run_suite,
    suite_scenarios,
)

SEEDS = (1, 2, 3)


@cache
def provincial_rows() -> dict[str, SuiteRow]:
    rows = run_suite([builtin_scenario()], ["weighted", "fifo"], SEEDS)
    return {row.policy: row for row in rows}


def test_the_default_policy_keeps_the_promises_staffing_allows_on_the_provincial_day() -> None:
    rows = provincial_rows()
    weighted, best = rows["weighted"], rows["clairvoyant"]
    # Every promise the clairvoyant reference keeps on every day, the policy keeps too.
    for name in Promises.ORDER:
        if getattr(best.promises, name) == best.promises.days:
            assert getattr(weighted.promises, name) == weighted.promises.days, name
    # Priority classes at most half the normal mean wait, nobody normal past twice the target.
    days = len(SEEDS)
    assert weighted.promises.priority_half == weighted.promises.twice_target == days
    for day in weighted.days:
        ratio = priority_ratio(day, "normal")
        assert ratio is not None and ratio <= 0.5
        assert day.normal_past_twice_target == 0


def test_the_default_policy_reaches_what_the_clairvoyant_reference_reaches() -> None:
    rows = provincial_rows()
    weighted, fifo, best = rows["weighted"], rows["fifo"], rows["clairvoyant"]
    # 90% within target is beyond this staffing: even the clairvoyant schedule stays below it,
    # so that is the promise that breaks first, and the suite says so.
    assert best.within_target < 0.9
    assert weighted.promises.broken()[0] == "within_target"
    assert weighted.share_of_clairvoyant is not None and weighted.share_of_clairvoyant >= 0.95
    assert weighted.within_target > fifo.within_target + 0.03
    assert weighted.mean_wait_s < fifo.mean_wait_s


def test_estimates_are_measured_and_within_their_stated_bounds() -> None:
    weighted = provincial_rows()["weighted"]
    # Stated in the README: within 2 min on average, the range holding about 85% of waits, and
    # people ahead off by about one person.
    assert weighted.estimate_mae_s is not None and weighted.estimate_mae_s <= 120
    assert weighted.range_coverage is not None and 0.75 <= weighted.range_coverage <= 0.95
    assert weighted.rank_error is not None and weighted.rank_error <= 1.5
    # Under FIFO "people ahead" is exact: those ahead are exactly those called first.
    assert provincial_rows()["fifo"].rank_error == 0


def test_the_suite_derives_its_variants_from_the_scenario() -> None:
    base = builtin_scenario()
    names = [s.name for s in suite_scenarios(base)]
    assert names[0] == base.name and len(names) == 8
    absent = officers_absent(base)
    assert absent is not None and absent.name == "two officers absent"
    assert len(absent.counters) == len(base.counters) - 2
    assert all(any(s.code in c.services for c in absent.counters) for s in base.services)
    assert len(lunch_pauses(base).pauses) == len(base.counters)
    pension = pension_day(base)
    assert pension is not None and pension.priority_mix["elderly"] == 0.45
    assert long_case(base).pauses[0].end_s - long_case(base).pauses[0].start_s == 90 * 60


@pytest.mark.parametrize("variant", [lunch_pauses, long_case])
def test_paused_counters_call_nobody_and_the_day_still_ends_with_everyone_served(
    variant: object,
) -> None:
    scenario = variant(builtin_scenario())  # type: ignore[operator]
    (weighted,) = [r for r in run_suite([scenario], ["weighted"], (1,)) if r.policy == "weighted"]
    day = weighted.days[0]
    assert day.unserved == 0
    # Less staff for a while: waits grow against the same day without pauses.
    assert day.mean_wait_s > provincial_rows()["weighted"].days[0].mean_wait_s


def test_the_table_names_every_measure() -> None:
    table = format_suite(list(provincial_rows().values()))
    for column in ("in target", "of best", "p90", "max", "est. MAE", "in range", "rank err"):
        assert column in table
    # The promise that breaks first, with the reference's days beside it: staffing, not policy.
    assert "clairvoyant" in table and ">=90% in target 0/3 (best 0/3)" in table
