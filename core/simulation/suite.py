"""The scenario suite: the days an office lives through, each policy over many seeds.

Every variant is derived from one base scenario (the built-in provincial day or an office's own
file), so an office can ask how its own staffing copes with a rush, absences or a pension day.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import ClassVar

from core.model import APPOINTMENT
from core.simulation.clairvoyant import NAME as CLAIRVOYANT
from core.simulation.clairvoyant import (
    NAME_EXPECTED_TIMES,
    NAME_NO_HEAD_START,
    NAME_QUEUE_ORDER,
    clairvoyant,
)
from core.simulation.engine import generate_visitors, simulate
from core.simulation.report import PolicyResult, nearest_rank
from core.simulation.scenario import CounterPause, Scenario, ServiceSpec

ELDERLY = "elderly"
SUITE_SEEDS = 20


def _rename(scenario: Scenario, name: str, **changes: object) -> Scenario:
    return dataclasses.replace(scenario, name=name, **changes)  # type: ignore[arg-type]


def _scaled(services: Sequence[ServiceSpec], factor: float, only: set[str]) -> tuple:
    return tuple(
        dataclasses.replace(s, visitors_per_day=s.visitors_per_day * factor)
        if s.code in only
        else s
        for s in services
    )


def monday_rush(base: Scenario) -> Scenario:
    """The same visitors, but the first two hours a third more crowded than usual."""
    first = min(base.arrival_profile)
    profile = {
        hour: weight * (4 / 3 if hour < first + 2 else 1.0)
        for hour, weight in base.arrival_profile.items()
    }
    return _rename(base, "Monday rush", arrival_profile=profile)


def officers_absent(base: Scenario, absent: int = 2) -> Scenario | None:
    """The last counters that can be missed without leaving a service unserved stay closed; None
    when no counter can be missed."""
    counters = list(base.counters)
    for counter in reversed(base.counters):
        if len(base.counters) - len(counters) == absent:
            break
        rest = [c for c in counters if c is not counter]
        if rest and all(
            s.visitors_per_day == 0 or any(s.code in c.services for c in rest)
            for s in base.services
        ):
            counters = rest
    missing = len(base.counters) - len(counters)
    if missing == 0:
        return None
    name = "two officers absent" if missing == 2 else f"{missing} officer(s) absent"
    return _rename(base, name, counters=tuple(counters))


def agency_surge(base: Scenario) -> Scenario:
    """The busiest agency gets a fifth more visitors (a deadline, a campaign)."""
    demand: dict[str, float] = {}
    for spec in base.services:
        demand[spec.agency] = demand.get(spec.agency, 0.0) + spec.visitors_per_day
    busiest = max(demand, key=lambda a: (demand[a], a))
    codes = {s.code for s in base.services if s.agency == busiest}
    return _rename(base, f"surge at {busiest}", services=_scaled(base.services, 1.2, codes))


def lunch_pauses(base: Scenario) -> Scenario:
    """Each counter pauses 45 minutes for lunch, half from 11:45, half from 12:30."""
    opens = base.hours.opens.hour * 3600 + base.hours.opens.minute * 60
    pauses = []
    for n, counter in enumerate(base.counters):
        start = (11 * 3600 + 45 * 60 if n % 2 == 0 else 12 * 3600 + 30 * 60) - opens
        if 0 <= start < base.open_s:
            pauses.append(CounterPause(counter.code, start, start + 45 * 60, "lunch"))
    return _rename(base, "lunch pauses", pauses=(*base.pauses, *pauses))


def pension_day(base: Scenario) -> Scenario | None:
    """Pension day: 45% of visitors elderly. None if the office has no elderly class."""
    if ELDERLY not in base.priority.classes:
        return None
    normal = base.priority.normal
    others = {k: v for k, v in base.priority_mix.items() if k not in (normal, ELDERLY)}
    rest = 1.0 - 0.45 - sum(others.values())
    if rest < 0:
        return None
    mix = {normal: rest, ELDERLY: 0.45, **others}
    return _rename(base, "pension day", priority_mix=mix)


def long_case(base: Scenario) -> Scenario:
    """The first counter is taken by one 90-minute case an hour after opening."""
    counter = base.counters[0].code
    pause = CounterPause(counter, 3600, 3600 + 90 * 60, "long case")
    return _rename(base, "long case blocks a counter", pauses=(*base.pauses, pause))


def appointments(base: Scenario) -> Scenario:
    """30% of visitors booked a slot: most come on time, some early, some late, some not at all."""
    booking = dataclasses.replace(base.booking, share=0.3)
    return _rename(base, "30% booked", booking=booking)


VARIANTS: tuple[Callable[[Scenario], Scenario | None], ...] = (
    monday_rush,
    officers_absent,
    agency_surge,
    lunch_pauses,
    pension_day,
    long_case,
    appointments,
)


def suite_scenarios(base: Scenario) -> list[Scenario]:
    """The base day first, then every variant that applies to it."""
    days = [base]
    for variant in VARIANTS:
        day = variant(base)
        if day is not None:
            days.append(day)
    return days


@dataclass(frozen=True)
class Promises:
    """What an office promises: on how many of a scenario's days each was kept, in the order the
    default policy gives them up when staff is short (the within-target share first, the worst
    wait last)."""

    days: int
    within_target: int  # days with at least 90% of tickets called within their target
    twice_target: int  # days no normal ticket waited past twice its target
    # Per day: p90 wait no worse than FIFO's on the same visitors; each priority class's mean
    # wait at most half the normal one.
    p90_days: tuple[bool, ...]
    half_days: tuple[bool, ...]

    ORDER: ClassVar[tuple[str, ...]] = (
        "within_target",
        "p90_vs_fifo",
        "priority_half",
        "twice_target",
    )
    LABELS: ClassVar[dict[str, str]] = {
        "within_target": ">=90% in target",
        "p90_vs_fifo": "p90 <= FIFO",
        "priority_half": "priority <= half",
        "twice_target": "none past 2x target",
    }

    @property
    def p90_vs_fifo(self) -> int:
        return sum(self.p90_days)

    @property
    def priority_half(self) -> int:
        return sum(self.half_days)

    def broken(self) -> list[str]:
        """The promises missed on at least one day, the first to go first."""
        return [name for name in self.ORDER if getattr(self, name) < self.days]

    def describe(self, reference: Promises | None = None, in_order: Promises | None = None) -> str:
        """E.g. `>=90% in target 0/20 (best 4/20, in queue order 1/20)`; `kept` when nothing
        broke. `best` is the clairvoyant reference on the same days: where it breaks a promise
        too, the staffing, not the policy, is what falls short. `in queue order` is the same
        reference held to the rules a policy keeps: what is left between the two is out of
        every policy's reach."""
        broken = self.broken()
        if not broken:
            return "kept"
        parts = []
        for name in broken:
            part = f"{self.LABELS[name]} {getattr(self, name)}/{self.days}"
            refs = [
                f"{label} {getattr(promises, name)}/{promises.days}"
                for label, promises in (("best", reference), ("in queue order", in_order))
                if promises is not None
            ]
            if refs:
                part += f" ({', '.join(refs)})"
            parts.append(part)
        return ", ".join(parts)


def priority_ratio(result: PolicyResult, normal: str) -> float | None:
    """The highest priority class's mean wait over the normal class's mean wait."""
    base = result.class_waits(normal).mean_wait_s
    means = [
        g.mean_wait_s
        for g in result.by_class
        if g.key not in (normal, APPOINTMENT) and g.mean_wait_s
    ]
    if not means or not base:
        return None
    return max(means) / base


def check_promises(
    days: Sequence[PolicyResult], fifo_days: Sequence[PolicyResult], normal: str
) -> Promises:
    half = [r is None or r <= 0.5 for r in (priority_ratio(day, normal) for day in days)]
    p90 = [day.p90_wait_s <= fifo.p90_wait_s for day, fifo in zip(days, fifo_days, strict=True)]
    return Promises(
        days=len(days),
        within_target=sum(day.within_target >= 0.9 for day in days),
        twice_target=sum(day.normal_past_twice_target == 0 for day in days),
        p90_days=tuple(p90),
        half_days=tuple(half),
    )


def head_start_conflict(rows: Sequence[SuiteRow]) -> str | None:
    """On one scenario's rows: where p90 <= FIFO and priority <= half conflict, in plain words.

    A day counts when some run on the table kept priority <= half, none kept it together with
    p90 <= FIFO, and the reference without the priority head start kept p90 <= FIFO: each
    promise alone was within reach, and the head start is what cost the p90. None when there
    is no such day.
    """
    flat = next((row for row in rows if row.policy == NAME_NO_HEAD_START), None)
    if flat is None:
        return None
    others = [row.promises for row in rows if row is not flat]
    days = range(flat.promises.days)
    both = [any(p.p90_days[n] and p.half_days[n] for p in others) for n in days]
    conflict = [
        n
        for n in days
        if flat.promises.p90_days[n] and any(p.half_days[n] for p in others) and not both[n]
    ]
    if not conflict:
        return None
    return (
        f"{flat.scenario}: p90 <= FIFO and priority <= half conflict on {len(conflict)}/"
        f"{len(days)} days: each was kept by some run, never both, and the reference without "
        f"the priority head start kept p90 <= FIFO (both kept on {sum(both)}/{len(days)})"
    )


@dataclass(frozen=True)
class SuiteRow:
    """One policy on one scenario, over all seeds: means of the days' figures."""

    scenario: str
    policy: str
    days: tuple[PolicyResult, ...]
    promises: Promises
    within_target: float
    share_of_clairvoyant: float | None
    mean_wait_s: float
    p90_wait_s: float
    max_wait_s: int
    class_mean_s: dict[str, float | None]
    class_p90_s: dict[str, int | None]
    estimate_mae_s: float | None
    range_coverage: float | None
    rank_error: float | None
    # Share of checked-in appointments called within the office's window of their slot.
    appointment_on_time: float | None = None


Progress = Callable[[int, int], None]
# The clairvoyant reference's runs, by name: as such, without the priority head start, held to
# the rules of "call next" (queue heads in their order, the interleave), and held to them
# without knowing each visitor's service time.
REFERENCES: dict[str, dict[str, bool]] = {
    CLAIRVOYANT: {},
    NAME_NO_HEAD_START: {"head_start": False},
    NAME_QUEUE_ORDER: {"queue_order": True},
    NAME_EXPECTED_TIMES: {"queue_order": True, "service_times": False},
}


def _runs(policies: Sequence[str]) -> list[str]:
    """The policies to simulate: FIFO always, as the p90 promise is measured against it."""
    return list(dict.fromkeys([*policies, "fifo"]))


def suite_days(scenarios: int, policies: Sequence[str], seeds: int) -> int:
    """How many days `run_suite` simulates: what its progress counts up to."""
    return scenarios * seeds * (len(_runs(policies)) + len(REFERENCES))


def run_suite(
    scenarios: Sequence[Scenario],
    policies: Sequence[str],
    seeds: Sequence[int],
    on_progress: Progress | None = None,
) -> list[SuiteRow]:
    """Every policy and the clairvoyant reference's runs (`REFERENCES`) on every scenario and
    seed, same visitors.

    `on_progress(done, total)` counts simulated days. FIFO is always run (`_runs`).
    """
    runs = _runs(policies)
    total = suite_days(len(scenarios), policies, len(seeds))
    done = 0
    rows = []
    for scenario in scenarios:
        by_policy: dict[str, list[PolicyResult]] = {p: [] for p in [*runs, *REFERENCES]}
        for seed in seeds:
            visitors = generate_visitors(scenario, seed)
            for policy in runs:
                by_policy[policy].append(simulate(scenario, policy, seed, visitors=visitors))
                done += 1
                if on_progress is not None:
                    on_progress(done, total)
            for name, options in REFERENCES.items():
                by_policy[name].append(clairvoyant(scenario, seed, visitors, **options))
                done += 1
                if on_progress is not None:
                    on_progress(done, total)
        reference = fmean(d.within_target for d in by_policy[CLAIRVOYANT])
        for policy in [*policies, *REFERENCES]:
            rows.append(_row(scenario, policy, by_policy[policy], by_policy["fifo"], reference))
    return rows


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


def _row(
    scenario: Scenario,
    policy: str,
    days: Sequence[PolicyResult],
    fifo_days: Sequence[PolicyResult],
    reference: float,
) -> SuiteRow:
    normal = scenario.priority.normal
    within = fmean(d.within_target for d in days)
    classes = scenario.classes
    return SuiteRow(
        scenario=scenario.name,
        policy=policy,
        days=tuple(days),
        promises=check_promises(days, fifo_days, normal),
        within_target=within,
        share_of_clairvoyant=within / reference if reference > 0 else None,
        mean_wait_s=fmean(d.mean_wait_s for d in days),
        p90_wait_s=fmean(d.p90_wait_s for d in days),
        max_wait_s=max(d.max_wait_s for d in days),
        class_mean_s={k: _mean([d.class_waits(k).mean_wait_s for d in days]) for k in classes},
        class_p90_s={k: _class_p90(days, k) for k in classes},
        estimate_mae_s=_mean([d.estimate_mae_s for d in days]),
        range_coverage=_mean([d.range_coverage for d in days]),
        rank_error=_mean([d.rank_error for d in days]),
        appointment_on_time=(
            _mean([d.class_waits(APPOINTMENT).within_target for d in days])
            if APPOINTMENT in classes
            else None
        ),
    )


def _class_p90(days: Sequence[PolicyResult], klass: str) -> int | None:
    """The median over the days of each day's p90 wait of the class."""
    values = sorted(p90 for d in days if (p90 := d.class_waits(klass).p90_wait_s) is not None)
    return nearest_rank(values, 50) if values else None


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def format_suite(rows: Sequence[SuiteRow]) -> str:
    """One plain-text table: a line per scenario and policy, means over the seeds.

    Per class: mean/p90 wait in minutes. `of best`: the within-target share over the
    clairvoyant reference's. `appt. on time`: checked-in appointments called within the office's
    `appointment_window_s` of their slot (of their arrival, for one who came in the grace
    period); their waits are counted from the slot too. `broken`: promises missed on some day,
    the first to go first, with the days they were kept and the days the clairvoyant reference
    kept them (`best`, and `in queue order` held to a policy's rules). Below the table, each
    scenario where p90 <= FIFO and priority <= half conflict (`head_start_conflict`).
    """
    if not rows:
        return "(no results)"
    classes = list(dict.fromkeys(k for row in rows for k in row.class_mean_s))
    header = [
        "scenario", "policy", "in target", "of best", "mean", "p90", "max",
        *classes, "est. MAE", "in range", "rank err", "appt. on time", "broken",
    ]  # fmt: skip
    table = [header]
    best = {row.scenario: row.promises for row in rows if row.policy == CLAIRVOYANT}
    in_order = {row.scenario: row.promises for row in rows if row.policy == NAME_QUEUE_ORDER}
    for row in rows:
        broken = (
            row.promises.describe()
            if row.policy in REFERENCES
            else row.promises.describe(best.get(row.scenario), in_order.get(row.scenario))
        )
        table.append(
            [
                row.scenario,
                row.policy,
                _percent(row.within_target),
                _percent(row.share_of_clairvoyant),
                _minutes(row.mean_wait_s),
                _minutes(row.p90_wait_s),
                _minutes(row.max_wait_s),
                *(
                    f"{_minutes(row.class_mean_s[k])}/{_minutes(row.class_p90_s[k])}"
                    if k in row.class_mean_s
                    else ""
                    for k in classes
                ),
                _minutes(row.estimate_mae_s),
                _percent(row.range_coverage),
                "-" if row.rank_error is None else f"{row.rank_error:.2f}",
                _percent(row.appointment_on_time),
                broken,
            ]
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = []
    for n, line in enumerate(table):
        cells = [line[0].ljust(widths[0]), line[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(line[2:-1], widths[2:-1], strict=True)]
        cells.append(line[-1])
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    seeds = len(rows[0].days)
    lines.append(
        f"means over {seeds} seeds; waits in minutes, per class mean/p90; est. MAE in minutes"
    )
    for scenario in dict.fromkeys(row.scenario for row in rows):
        note = head_start_conflict([row for row in rows if row.scenario == scenario])
        if note is not None:
            lines.append(note)
    return "\n".join(lines)
