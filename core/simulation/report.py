"""What a simulated day shows about a policy: waits, targets met, counter load, estimate error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.simulation.scenario import Scenario


def nearest_rank(sorted_values: Sequence[int], percent: int) -> int:
    """The nearest-rank percentile: the smallest value with at least `percent`% of values <= it.

    That is sorted_values[ceil(percent * n / 100) - 1] (the first value for percent 0). Always an
    observed value, never interpolated; integer arithmetic keeps it exact.
    """
    if not sorted_values:
        raise ValueError("no values")
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be 0-100, got {percent}")
    rank = -(-percent * len(sorted_values) // 100)
    return sorted_values[max(rank, 1) - 1]


@dataclass(slots=True)
class TicketRecord:
    """One ticket as the simulation saw it; seconds after opening."""

    visitor: int
    service: str
    priority: str
    issued_s: int
    # The wait the core printed on the ticket; None when it could not estimate.
    estimate_s: int | None
    target_s: int
    # "People ahead" printed on the ticket, and how many of its service were really called
    # between its issue and its call.
    ahead: int = 0
    range_s: tuple[int, int] | None = None
    calls_before_issue: int = 0
    called_ahead: int | None = None
    called_s: int | None = None
    no_show: bool = False

    @property
    def wait_s(self) -> int | None:
        return None if self.called_s is None else self.called_s - self.issued_s


@dataclass(frozen=True)
class GroupWaits:
    """Waits of one priority class or one service."""

    key: str
    tickets: int
    mean_wait_s: float | None
    max_wait_s: int | None
    within_target: float | None
    p90_wait_s: int | None = None


def _group(key: str, records: Sequence[TicketRecord]) -> GroupWaits:
    waits = sorted(r.wait_s for r in records if r.wait_s is not None)
    return GroupWaits(
        key,
        len(records),
        fmean(waits) if waits else None,
        max(waits, default=None),
        _within_target(records),
        nearest_rank(waits, 90) if waits else None,
    )


def _within_target(records: Sequence[TicketRecord]) -> float | None:
    """Share of tickets called within target; one never called counts as missed."""
    if not records:
        return None
    met = sum(r.wait_s is not None and r.wait_s <= r.target_s for r in records)
    return met / len(records)


@dataclass(frozen=True)
class PolicyResult:
    policy: str
    seed: int
    scenario: str
    visitors: int  # tickets issued
    refused: int  # turned away by the kiosk (quota or number range used up)
    unserved: int  # still waiting when the simulation ended; 0 unless something is wrong
    no_shows: int
    mean_wait_s: float
    p50_wait_s: int
    p90_wait_s: int
    max_wait_s: int
    within_target: float  # share of tickets called within their service's target wait
    by_class: tuple[GroupWaits, ...]  # in the order of the scenario's priority classes
    by_service: tuple[GroupWaits, ...]
    # Busy time / open time, averaged over counters. Open time runs from opening to closing or
    # to the last ticket finished, whichever is later: counters stay until the hall is empty.
    utilisation: float
    overtime_s: int  # how long after closing the last ticket finished
    estimated: int  # tickets issued with a wait estimate
    estimate_mae_s: float | None  # mean |printed estimate - actual wait| over those tickets
    estimate_mae_share: float | None  # that error over the same tickets' mean actual wait
    # Share of called tickets whose wait fell inside the range printed on the ticket.
    range_coverage: float | None = None
    # Mean |people ahead printed - tickets of its service really called before it|.
    rank_error: float | None = None
    # Normal tickets called (or never called) past twice their service's target wait.
    normal_past_twice_target: int = 0

    def class_waits(self, priority: str) -> GroupWaits:
        return _find(self.by_class, priority)

    def service_waits(self, service: str) -> GroupWaits:
        return _find(self.by_service, service)


def _find(groups: Sequence[GroupWaits], key: str) -> GroupWaits:
    for group in groups:
        if group.key == key:
            return group
    raise KeyError(key)


def summarise(
    *,
    policy: str,
    seed: int,
    scenario: Scenario,
    records: Sequence[TicketRecord],
    refused: int,
    busy_s: Sequence[int],
    last_s: int,
) -> PolicyResult:
    called = [r for r in records if r.wait_s is not None]
    waits = sorted(r.wait_s for r in called if r.wait_s is not None)
    by_class = tuple(
        _group(klass, [r for r in records if r.priority == klass]) for klass in scenario.classes
    )
    by_service = tuple(
        _group(spec.code, [r for r in records if r.service == spec.code])
        for spec in scenario.services
    )
    pairs = [
        (r.estimate_s, r.wait_s)
        for r in called
        if r.estimate_s is not None and r.wait_s is not None
    ]
    mae = fmean(abs(estimate - wait) for estimate, wait in pairs) if pairs else None
    ranged = [r for r in called if r.range_s is not None]
    coverage = (
        fmean(r.range_s[0] <= r.wait_s <= r.range_s[1] for r in ranged)  # type: ignore[index,operator]
        if ranged
        else None
    )
    ranked = [abs(r.ahead - r.called_ahead) for r in called if r.called_ahead is not None]
    normal = scenario.priority.normal
    late = sum(
        r.priority == normal and (r.wait_s is None or r.wait_s > 2 * r.target_s) for r in records
    )
    mean_wait_estimated = fmean(wait for _, wait in pairs) if pairs else 0.0
    open_s = max(scenario.open_s, last_s)
    return PolicyResult(
        policy=policy,
        seed=seed,
        scenario=scenario.name,
        visitors=len(records),
        refused=refused,
        unserved=len(records) - len(called),
        no_shows=sum(r.no_show for r in records),
        mean_wait_s=fmean(waits) if waits else 0.0,
        p50_wait_s=nearest_rank(waits, 50) if waits else 0,
        p90_wait_s=nearest_rank(waits, 90) if waits else 0,
        max_wait_s=waits[-1] if waits else 0,
        within_target=_within_target(records) if records else 1.0,
        by_class=by_class,
        by_service=by_service,
        utilisation=fmean(b / open_s for b in busy_s) if busy_s else 0.0,
        overtime_s=max(0, last_s - scenario.open_s),
        estimated=len(pairs),
        estimate_mae_s=mae,
        estimate_mae_share=(
            mae / mean_wait_estimated if mae is not None and mean_wait_estimated > 0 else None
        ),
        range_coverage=coverage,
        rank_error=fmean(ranked) if ranked else None,
        normal_past_twice_target=late,
    )


def _min(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def format_table(results: Sequence[PolicyResult]) -> str:
    """A plain-text table, one row per policy; waits in minutes, per class as mean/max."""
    if not results:
        return "(no results)"
    classes = [w.key for w in results[0].by_class]
    header = [
        "policy", "visitors", "mean", "p50", "p90", "max", "in target", "util",
        "est. MAE", "MAE/mean", *classes,
    ]  # fmt: skip
    rows = [header]
    for r in results:
        per_class = []
        for klass in classes:
            w = r.class_waits(klass)
            per_class.append(f"{_min(w.mean_wait_s)}/{_min(w.max_wait_s)}")
        rows.append(
            [
                r.policy,
                str(r.visitors),
                _min(r.mean_wait_s),
                _min(r.p50_wait_s),
                _min(r.p90_wait_s),
                _min(r.max_wait_s),
                _pct(r.within_target),
                _pct(r.utilisation),
                _min(r.estimate_mae_s),
                _pct(r.estimate_mae_share),
                *per_class,
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        # The policy name reads left to right; numbers line up on their right edge.
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    first = results[0]
    lines.append(
        f"waits in minutes; per class: mean/max; scenario {first.scenario!r}, seed {first.seed}"
    )
    return "\n".join(lines)
