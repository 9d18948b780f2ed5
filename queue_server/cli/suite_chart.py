"""The scenario suite's chart (`swq simulate --suite --chart FILE.png`): one panel per measure,
each policy's bar per scenario, so a manager sees at a glance where a policy falls short.

Drawn with a `matplotlib.figure.Figure` and its own canvas (no pyplot), in Sarabun so Thai names
of an office's own scenario render too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure

from core.model import APPOINTMENT
from core.simulation.suite import SuiteRow
from queue_server.reports.charts import BLUE, GREEN, GREY, ORANGE, RED, register_fonts

# Three policies and the reference's four runs each get their own colour.
COLOURS = (BLUE, ORANGE, RED, GREEN, GREY, "#6b4fa8", "#1f9e9e")
Measure = Callable[[SuiteRow], float | None]


def _worst_priority_share(row: SuiteRow) -> float | None:
    normal, normal_mean = next(iter(row.class_mean_s.items()))
    # Appointments are measured from their slot, against their own window: not a priority class.
    others = [
        m for k, m in row.class_mean_s.items() if k not in (normal, APPOINTMENT) and m is not None
    ]
    if not normal_mean or not others:
        return None
    return max(others) / normal_mean


def _minutes(value: float | None) -> float | None:
    return None if value is None else value / 60


MEASURES: tuple[tuple[str, Measure, float | None], ...] = (
    ("Within target (share) / ภายในเวลาเป้าหมาย", lambda r: r.within_target, 0.9),
    ("Of the clairvoyant reference / เทียบกับค่าอ้างอิง", lambda r: r.share_of_clairvoyant, 1.0),
    ("Mean wait (min) / เวลารอเฉลี่ย", lambda r: _minutes(r.mean_wait_s), None),
    ("p90 wait (min) / เวลารอ p90", lambda r: _minutes(r.p90_wait_s), None),
    ("Max wait (min) / เวลารอนานสุด", lambda r: _minutes(r.max_wait_s), None),
    ("Worst priority class / normal mean", _worst_priority_share, 0.5),
    ("Estimate MAE (min) / ความคลาดเคลื่อน", lambda r: _minutes(r.estimate_mae_s), 2.0),
    ("Wait within printed range / อยู่ในช่วง", lambda r: r.range_coverage, None),
    ("Rank error (people) / ลำดับคลาดเคลื่อน", lambda r: r.rank_error, None),
)


def draw_suite_chart(rows: Sequence[SuiteRow], path: Path) -> None:
    """Write the PNG: a grid of bar charts, one per measure; dashed lines mark the promises."""
    scenarios = list(dict.fromkeys(r.scenario for r in rows))
    policies = list(dict.fromkeys(r.policy for r in rows))
    by_key = {(r.scenario, r.policy): r for r in rows}
    with rc_context({"font.family": register_fonts(), "font.size": 8}):
        figure = Figure(figsize=(15, 11), layout="constrained")
        axes = figure.subplots(3, 3).flatten()
        width = 0.8 / len(policies)
        for ax, (title, measure, line) in zip(axes, MEASURES, strict=True):
            for n, policy in enumerate(policies):
                values = [measure(by_key[(s, policy)]) for s in scenarios]
                xs = [i + (n - (len(policies) - 1) / 2) * width for i in range(len(scenarios))]
                ax.bar(
                    xs,
                    [v if v is not None else 0.0 for v in values],
                    width,
                    label=policy,
                    color=COLOURS[n % len(COLOURS)],
                )
            if line is not None:
                ax.axhline(line, color="black", linestyle="--", linewidth=0.8)
            ax.set_title(title)
            ax.set_xticks(range(len(scenarios)), scenarios, rotation=25, ha="right")
        # Under the grid, not on a panel: with seven runs a panel's legend hides its bars.
        handles, labels = axes[0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="outside lower center", ncols=len(policies))
        days = len(rows[0].days) if rows else 0
        seeds = "1 seed" if days == 1 else f"{days} seeds"
        figure.suptitle(f"Routing policies over the scenario suite, means over {seeds}")
        figure.savefig(path, format="png", dpi=100)
