"""The office's promises, checked over the scenario suite's seeds (a reduced set: one simulated
day of the provincial centre takes about a second of CPU per policy, so these tests run about a
dozen days, 15-30 s; `swq simulate --suite` runs the full 20 seeds)."""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from core.simulation import CounterSpec, LogNormal, ServiceSpec, builtin_scenario, generate_visitors
from core.simulation.clairvoyant import NAME as CLAIRVOYANT
from core.simulation.clairvoyant import (
    NAME_EXPECTED_TIMES,
    NAME_NO_HEAD_START,
    NAME_QUEUE_ORDER,
    clairvoyant,
    queue_heads,
)
from core.simulation.engine import Visitor
from core.simulation.suite import (
    SuiteRow,
    format_suite,
    head_start_conflict,
    long_case,
    lunch_pauses,
    officers_absent,
    pension_day,
    priority_ratio,
    run_suite,
    suite_days,
    suite_scenarios,
)

# Seed 1: the clairvoyant reference reaches 90% within target and the policy does not; seeds 6
# and 15: both do (docs/simulator.md).
SEEDS = (1, 6, 15)


@cache
def provincial_rows() -> dict[str, SuiteRow]:
    rows = run_suite([builtin_scenario()], ["weighted", "fifo"], SEEDS)
    return {row.policy: row for row in rows}


def test_the_default_policy_keeps_priority_first_and_nobody_past_twice_the_target() -> None:
    weighted = provincial_rows()["weighted"]
    days = len(SEEDS)
    assert weighted.promises.priority_half == weighted.promises.twice_target == days
    for day in weighted.days:
        ratio = priority_ratio(day, "normal")
        assert ratio is not None and ratio <= 0.5
        assert day.normal_past_twice_target == 0


def test_the_default_policy_reaches_90_percent_in_target_where_a_head_only_policy_can() -> None:
    rows = provincial_rows()
    weighted, fifo, best = rows["weighted"], rows["fifo"], rows["clairvoyant"]
    reached = {day.seed for day in weighted.days if day.within_target >= 0.9}
    assert reached == {6, 15}
    assert {day.seed for day in best.days if day.within_target >= 0.9} == {1, 6, 15}
    # The reference puts late tickets last, which a policy that sees only queue heads cannot:
    # on seed 1 that is the difference.
    assert weighted.within_target > fifo.within_target + 0.03
    assert weighted.mean_wait_s < fifo.mean_wait_s
    assert weighted.share_of_clairvoyant is not None and weighted.share_of_clairvoyant >= 0.93


def test_held_to_queue_order_the_reference_loses_its_lead() -> None:
    rows = provincial_rows()
    weighted, best, in_order = rows["weighted"], rows[CLAIRVOYANT], rows[NAME_QUEUE_ORDER]
    # Knowing every service time, but calling queue heads only as a policy must, the reference
    # keeps neither promise on any of these days; the lead it has is calling out of order.
    assert in_order.promises.within_target == in_order.promises.p90_vs_fifo == 0
    assert best.promises.within_target == best.promises.p90_vs_fifo == len(SEEDS)
    assert in_order.within_target < weighted.within_target < best.within_target
    assert in_order.promises.priority_half == in_order.promises.twice_target == len(SEEDS)


def test_held_to_queue_order_the_reference_keeps_the_interleave() -> None:
    # One counter, one service (15-minute target); every case takes 5 minutes. The counter
    # calls the normal ticket at 0 s; by 300 s four elderly tickets and one normal one wait.
    scenario = dataclasses.replace(
        builtin_scenario(),
        services=(
            ServiceSpec("A", "dopa", "ทะเบียนราษฎร์", "Civil registration", 15, LogNormal(5, 1), 6),
        ),
        counters=(CounterSpec("1", "ช่องบริการ 1", "Counter 1", {"A": 1}),),
    )
    classes = ["normal", "elderly", "elderly", "elderly", "elderly", "normal"]
    visitors = [Visitor(n, n, "A", k, (), 300, False) for n, k in enumerate(classes)]
    assert scenario.priority.max_priority_in_row == 2
    free = clairvoyant(scenario, 1, visitors)
    ruled = clairvoyant(scenario, 1, visitors, queue_order=True)
    # Free, all four elderly go first (the last normal ticket is called at 1500 s); held to
    # the rules, two elderly, then the normal one at 900 s, then the other two.
    assert free.class_waits("normal").max_wait_s == 1500 - 5
    assert ruled.class_waits("normal").max_wait_s == 900 - 5
    assert ruled.class_waits("elderly").max_wait_s == 1500 - 4


def test_what_knowing_service_times_is_worth_to_the_priority_promise() -> None:
    # Held to the rules, the reference keeps priority <= half on more pension days when it
    # knows each visitor's time than when it takes each case to last its service's expected
    # time, as the policy must (docs/simulator.md: 11 days against 9 over seeds 1-20).
    pension = pension_day(builtin_scenario())
    assert pension is not None
    kept = {NAME_QUEUE_ORDER: 0, NAME_EXPECTED_TIMES: 0}
    for seed in range(1, 21):
        visitors = generate_visitors(pension, seed)
        for times in (True, False):
            day = clairvoyant(pension, seed, visitors, queue_order=True, service_times=times)
            ratio = priority_ratio(day, "normal")
            kept[day.policy] += ratio is not None and ratio <= 0.5
    assert kept == {NAME_QUEUE_ORDER: 11, NAME_EXPECTED_TIMES: 9}
    with pytest.raises(ValueError, match="queue-order run"):
        clairvoyant(pension, 1, visitors, service_times=False)


def test_the_queue_order_reference_sees_each_queue_s_first_ticket_only() -> None:
    def visitor(index: int, arrival_s: int, service: str, priority: str) -> Visitor:
        return Visitor(index, arrival_s, service, priority, (), 300, False)

    def booked(index: int, arrival_s: int, slot_s: int) -> Visitor:
        walk_in = visitor(index, arrival_s, "A", "normal")
        return dataclasses.replace(walk_in, slot_s=slot_s, appointment=True)

    waiting = [
        visitor(1, 0, "A", "normal"),
        visitor(2, 10, "A", "normal"),
        visitor(3, 20, "A", "elderly"),
        visitor(4, 30, "B", "normal"),
        # Booked: in line by slot, so the later arrival with the earlier slot is first.
        booked(5, 40, 900),
        booked(6, 50, 600),
    ]
    assert sorted(v.index for v in queue_heads(waiting)) == [1, 3, 4, 6]


def test_p90_no_worse_than_fifo_and_priority_first_do_not_conflict_for_the_reference() -> None:
    rows = provincial_rows()
    best, flat = rows[CLAIRVOYANT], rows[NAME_NO_HEAD_START]
    # Both kept on the same day by the clairvoyant schedule, so the staffing allows them
    # together; the policy keeps p90 <= FIFO on none of these days.
    assert all(best.promises.p90_days) and all(best.promises.half_days)
    assert rows["weighted"].promises.p90_vs_fifo == 0
    # Without the head start the priority classes wait as long as everyone else.
    assert flat.promises.priority_half == 0
    assert head_start_conflict(list(rows.values())) is None


def test_the_suite_says_where_the_head_start_costs_the_p90_promise() -> None:
    rows = provincial_rows()
    # As if on days 1 and 3 every run that kept priority <= half had missed p90 <= FIFO: there
    # the reference without the head start keeps p90 <= FIFO, so the two promises conflict.
    missed = (False, True, False)
    changed = {
        policy: dataclasses.replace(
            row, promises=dataclasses.replace(row.promises, p90_days=missed)
        )
        for policy, row in rows.items()
        if policy != NAME_NO_HEAD_START
    }
    flat = rows[NAME_NO_HEAD_START]
    kept = dataclasses.replace(flat.promises, p90_days=(True, True, True))
    changed[NAME_NO_HEAD_START] = dataclasses.replace(flat, promises=kept)
    note = head_start_conflict(list(changed.values()))
    assert note is not None and "conflict on 2/3 days" in note and "both kept on 1/3" in note
    assert note in format_suite(list(changed.values()))
    # A day on which no run kept priority <= half is no conflict: that promise was out of reach.
    unreachable = {
        policy: dataclasses.replace(
            row, promises=dataclasses.replace(row.promises, half_days=(False, True, True))
        )
        for policy, row in changed.items()
    }
    note = head_start_conflict(list(unreachable.values()))
    assert note is not None and "conflict on 1/3 days" in note


def test_estimates_are_measured_and_within_their_stated_bounds() -> None:
    weighted = provincial_rows()["weighted"]
    # As docs/simulator.md says: off by under 2 min on average, the range holding most waits
    # (83% over seeds 1-20), and people ahead off by about one person.
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
    progress: list[tuple[int, int]] = []
    rows = run_suite([scenario], ["weighted"], (1,), lambda *p: progress.append(p))
    (weighted,) = [r for r in rows if r.policy == "weighted"]
    # weighted, FIFO (for the p90 promise) and the reference's four runs.
    assert progress[-1] == (6, 6) == (suite_days(1, ["weighted"], 1),) * 2
    day = weighted.days[0]
    assert day.unserved == 0
    # Less staff for a while: waits grow against the same day without pauses.
    assert day.mean_wait_s > provincial_rows()["weighted"].days[0].mean_wait_s


def test_the_table_names_every_measure() -> None:
    table = format_suite(list(provincial_rows().values()))
    for column in ("in target", "of best", "p90", "max", "est. MAE", "in range", "rank err"):
        assert column in table
    # The promise that breaks first, with the reference's days beside it: here the reference
    # keeps both on every day, so the staffing allows them and the policy falls short.
    assert "clairvoyant, no priority" in table
    # Held to queue order, it keeps neither on any of them.
    assert (
        ">=90% in target 2/3 (best 3/3, in queue order 0/3), "
        "p90 <= FIFO 0/3 (best 3/3, in queue order 0/3)"
    ) in table
