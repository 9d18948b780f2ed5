"""The simulator runs the real core services; these tests run it for real, with no fakes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core.errors import InvalidRequest
from core.model import Agency, Office, OpeningHours
from core.simulation import (
    CounterSpec,
    LogNormal,
    Scenario,
    ServiceSpec,
    builtin_scenario,
    compare,
    format_table,
    generate_visitors,
    load_scenario,
    nearest_rank,
    simulate,
)

POLICIES = ("weighted", "fifo", "strict-priority")


def tiny_scenario(**changes: object) -> Scenario:
    """Two services, two counters, a morning; about 85% busy."""
    scenario = Scenario(
        name="tiny",
        office=Office(
            "tiny", "สำนักงานทดสอบ", "Test office", hours=OpeningHours.parse("08:30-12:30")
        ),
        agencies=(Agency("dopa", "สำนักทะเบียนอำเภอ", "District registration office"),),
        services=(
            ServiceSpec("A", "dopa", "ทะเบียนราษฎร์", "Civil registration", 15, LogNormal(4, 2), 50),
            ServiceSpec("B", "dopa", "บัตรประจำตัวประชาชน", "ID card", 10, LogNormal(3, 1), 60),
        ),
        counters=(
            CounterSpec("1", "ช่องบริการ 1", "Counter 1", {"A": 3, "B": 1}),
            CounterSpec("2", "ช่องบริการ 2", "Counter 2", {"B": 3, "A": 1}),
        ),
        arrival_profile={8: 2, 9: 2, 10: 1, 11: 1, 12: 1},
        priority_mix={"normal": 0.8, "elderly": 0.2},
        extra_service_probability=0.1,
        no_show_probability=0.05,
    )
    return dataclasses.replace(scenario, **changes)


@pytest.mark.parametrize("policy", POLICIES)
def test_a_tiny_day_gives_plausible_figures(policy: str) -> None:
    scenario = tiny_scenario()
    visitors = generate_visitors(scenario, seed=7)
    progress: list[tuple[int, int]] = []

    result = simulate(scenario, policy, seed=7, on_progress=lambda d, t: progress.append((d, t)))

    assert 80 <= len(visitors) <= 140  # 110 expected
    assert result.visitors + result.refused == len(visitors)
    assert result.refused == 0 and result.unserved == 0
    assert sum(g.tickets for g in result.by_class) == result.visitors
    assert sum(g.tickets for g in result.by_service) == result.visitors
    assert result.no_shows == sum(v.no_show for v in visitors)
    assert 0 <= result.within_target <= 1
    assert 0 < result.utilisation <= 1
    assert 0 <= result.p50_wait_s <= result.p90_wait_s <= result.max_wait_s
    assert 0 <= result.mean_wait_s <= result.max_wait_s
    assert all(g.max_wait_s is None or g.max_wait_s >= 0 for g in result.by_class)
    assert result.estimated == result.visitors  # every service has a counter: always estimated
    assert result.estimate_mae_s is not None and result.estimate_mae_s >= 0
    assert progress[-1] == (len(visitors), len(visitors))


def test_the_same_seed_gives_the_same_day_and_another_seed_another() -> None:
    scenario = tiny_scenario()
    first = simulate(scenario, "weighted", seed=3)

    assert simulate(scenario, "weighted", seed=3) == first
    assert generate_visitors(scenario, 3) == generate_visitors(scenario, 3)
    assert simulate(scenario, "weighted", seed=4) != first
    assert generate_visitors(scenario, 4) != generate_visitors(scenario, 3)


def test_compare_replays_the_same_visitors_for_every_policy() -> None:
    scenario = tiny_scenario()
    results = compare(scenario, POLICIES, seed=5)

    assert [r.policy for r in results] == list(POLICIES)
    assert results == [simulate(scenario, p, seed=5) for p in POLICIES]
    assert len({r.visitors for r in results}) == 1
    table = format_table(results)
    assert all(p in table for p in POLICIES)
    assert len(table.splitlines()) == 2 + len(POLICIES) + 1  # header, rule, rows, footnote


def test_the_builtin_scenario_is_a_busy_provincial_centre() -> None:
    scenario = builtin_scenario()

    assert len(scenario.counters) == 12
    assert abs(scenario.expected_visitors - 2000) <= 200
    assert abs(len(generate_visitors(scenario, 1)) - 2000) <= 200
    result = simulate(scenario, "weighted", seed=1)
    assert abs(result.visitors - 2000) <= 200
    assert 0.75 <= result.utilisation <= 0.9


def test_strict_priority_starves_normal_tickets_where_weighted_does_not() -> None:
    # One service, so only the priority rule differs; 40% elderly in a crowded morning.
    scenario = tiny_scenario(
        services=(
            ServiceSpec(
                "A", "dopa", "ทะเบียนราษฎร์", "Civil registration", 15, LogNormal(3.2, 1.5), 110
            ),
        ),
        counters=(
            CounterSpec("1", "ช่องบริการ 1", "Counter 1", {"A": 1}),
            CounterSpec("2", "ช่องบริการ 2", "Counter 2", {"A": 1}),
        ),
        arrival_profile={8: 3, 9: 2, 10: 1, 11: 0.5, 12: 0.5},
        priority_mix={"normal": 0.6, "elderly": 0.4},
        extra_service_probability=0.0,
        no_show_probability=0.0,
    )
    for seed in (1, 2, 3):
        weighted, strict = compare(scenario, ("weighted", "strict-priority"), seed)

        assert strict.class_waits("normal").max_wait_s > weighted.class_waits("normal").max_wait_s
        assert strict.class_waits("elderly").max_wait_s < weighted.class_waits("elderly").max_wait_s


def test_nearest_rank_percentiles_are_observed_values() -> None:
    values = [15, 20, 35, 40, 50]

    assert [nearest_rank(values, p) for p in (0, 5, 30, 40, 50, 100)] == [15, 15, 20, 20, 35, 50]
    assert nearest_rank(list(range(1, 11)), 90) == 9
    with pytest.raises(ValueError):
        nearest_rank([], 50)


TOML = """
[scenario]
name = "small"

[office]
code = "small"
name_th = "สำนักงานเล็ก"
name_en = "Small office"
hours = "08:30-16:30"

[arrivals.profile]
9 = 2
10 = 1

[priority.mix]
normal = 0.9
elderly = 0.1

[visits]
no_show_probability = 0.05

[[agencies]]
code = "dopa"
name_th = "อำเภอ"
name_en = "District"

[[services]]
code = "A"
agency = "dopa"
name_th = "ทะเบียนราษฎร์"
name_en = "Civil registration"
target_wait_min = 15
visitors_per_day = 100
service_time = { mean_min = 4, sd_min = 2 }

[[counters]]
code = "1"
name_th = "ช่อง 1"
name_en = "Counter 1"
services = { A = 1 }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_toml_scenario_loads(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, TOML))

    assert [s.code for s in scenario.services] == ["A"]
    assert scenario.no_show_probability == 0.05
    assert scenario.office.tz.key == "Asia/Bangkok"
    assert simulate(scenario, "fifo", seed=1).visitors > 0


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('code = "A"', 'code = "A"\ncolour = "red"', "services[0].colour"),
        ("[visits]", "[visits]\nrain = true", "visits.rain"),
        ("[scenario]", "seed = 3\n[scenario]", "seed"),
        ("mean_min = 4,", "mean_min = 4, median_min = 3,", "services[0].service_time.median_min"),
    ],
)
def test_an_unknown_key_is_refused_by_name(tmp_path: Path, old: str, new: str, key: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        load_scenario(write(tmp_path, TOML.replace(old, new, 1)))

    assert f"key {key}:" in refused.value.message_en
    assert key in refused.value.message_th


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("no_show_probability = 0.05", "no_show_probability = 1.5", "visits.no_show_probability"),
        ("sd_min = 2", "sd_min = -1", "services[0].service_time.sd_min"),
        ("visitors_per_day = 100", 'visitors_per_day = "many"', "services[0].visitors_per_day"),
        ("target_wait_min = 15", "target_wait_min = 0", "services[0].target_wait_min"),
        ('hours = "08:30-16:30"', 'hours = "08:30-25:00"', "office.hours"),
        ("services = { A = 1 }", "services = { Z = 1 }", "counters[0].services.Z"),
        ("services = { A = 1 }", "services = { A = 1.5 }", "counters[0].services.A"),
        ("elderly = 0.1", "elderly = 0.2", "priority.mix"),
        ("elderly = 0.1", "elder = 0.1", "priority.mix.elder"),
        ("9 = 2", "25 = 2", "arrivals.profile.25"),
        ('code = "A"', 'code = "a1"', "services[0].code"),
        ('code = "small"', 'code = "Small"', "office.code"),
        ('agency = "dopa"', 'agency = "police"', "services[0].agency"),
    ],
)
def test_a_bad_value_is_refused_by_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        load_scenario(write(tmp_path, TOML.replace(old, new, 1)))

    assert f"key {key}:" in refused.value.message_en


def test_broken_toml_and_unknown_policies_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="not valid TOML"):
        load_scenario(write(tmp_path, "[office\n"))
    with pytest.raises(InvalidRequest, match="unknown routing policy"):
        simulate(tiny_scenario(), "random", seed=1)
