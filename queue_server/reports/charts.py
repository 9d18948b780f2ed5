"""The report page's charts, drawn on the server with matplotlib as SVG.

Figures are made with `matplotlib.figure.Figure` and its own canvas, never pyplot: no display, no
global backend state. Matplotlib lays the text out with Sarabun's metrics (registered once with
its font manager) and writes it as SVG text in that family; the page embeds the SVG inline, so
the browser draws the words with the page's own Sarabun and shapes Thai properly (tone marks
and vowels above and below), and 80 counters' labels cost no glyph paths.
"""

from __future__ import annotations

import io
import threading
from functools import cache
from importlib import resources
from typing import Any

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from core.reports import CounterRow, HourRow, ServiceRow

FONT = "Sarabun"
BLUE, ORANGE, GREEN, RED, GREY = "#1b5fa8", "#d9822b", "#0a7d32", "#b42318", "#9aa5b1"
WIDTH_IN = 6.4
_draw_lock = threading.Lock()  # the font manager and text layout caches are shared


@cache
def register_fonts() -> str:
    """Sarabun (regular and bold) known to matplotlib; returns the family name."""
    folder = resources.files("fontpkg_sarabun") / "files"
    for name in ("Sarabun-Regular.ttf", "Sarabun-Bold.ttf"):
        with resources.as_file(folder / name) as path:
            font_manager.fontManager.addfont(str(path))
    return FONT


def _figure(height_in: float) -> Figure:
    register_fonts()
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.08, w_pad=0.08)  # type: ignore[union-attr]
    return fig


def _svg(fig: Figure) -> str:
    """The <svg> element alone, to be placed in the page. Its ids (clip paths) are salted at
    random by matplotlib, so several charts on one page never share one."""
    out = io.StringIO()
    for text in fig.findobj(Text):
        # Labels are names from the office file: "$" there is money, not TeX math.
        text.set_parse_math(False)
    with rc_context({"svg.fonttype": "none"}):
        fig.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


def _style(ax: Axes, font: dict[str, Any]) -> None:
    for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        label.set_fontfamily(FONT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=font["size"])


def arrivals_chart(hours: list[HourRow], th: bool) -> str:
    """Bars: arrivals per hour; line: the mean first wait of those arrivals, in minutes."""
    font = {"family": FONT, "size": 10}
    with _draw_lock:
        fig = _figure(3.0)
        ax = fig.add_subplot()
        xs = [h.hour for h in hours]
        ax.bar(xs, [h.arrivals for h in hours], color=BLUE, width=0.7, label="arrivals")
        ax.set_xlabel("ชั่วโมง (เวลาท้องถิ่น)" if th else "Hour (local time)", fontdict=font)
        ax.set_ylabel("ผู้มาติดต่อ (คน)" if th else "Arrivals", fontdict=font, color=BLUE)
        ax.set_xticks(xs, [f"{h:02d}:00" for h in xs])
        waits = ax.twinx()
        points = [(h.hour, h.mean_wait_s / 60) for h in hours if h.mean_wait_s is not None]
        if points:
            waits.plot(*zip(*points, strict=True), color=ORANGE, marker="o", linewidth=2)
        waits.set_ylim(bottom=0)
        waits.set_ylabel(
            "เวลารอเฉลี่ย (นาที)" if th else "Mean wait (min)", fontdict=font, color=ORANGE
        )
        _style(ax, font)
        _style(waits, font)
        waits.spines["right"].set_visible(True)
        return _svg(fig)


def service_level_chart(services: list[ServiceRow], th: bool) -> str:
    """Share of waits within each service's target, with the number of waits counted."""
    font = {"family": FONT, "size": 10}
    with _draw_lock:
        fig = _figure(0.9 + 0.42 * max(1, len(services)))
        ax = fig.add_subplot()
        names = [f"{s.code} {s.name_th if th else s.name_en}" for s in services][::-1]
        shares = [s.figures.within_target.share for s in services][::-1]
        values = [100 * v if v is not None else 0 for v in shares]
        colors = [GREY if v is None else GREEN if v >= 0.8 else RED for v in shares]
        bars = ax.barh(names, values, color=colors, height=0.6)
        for bar, share, service in zip(bars, shares, services[::-1], strict=True):
            f = service.figures.within_target
            text = "-" if share is None else f"{100 * share:.0f}% ({f.count}/{f.of})"
            ax.text(
                min(bar.get_width(), 100) + 1,
                bar.get_y() + bar.get_height() / 2,
                text,
                va="center",
                fontdict=font,
            )
        ax.set_xlim(0, 125)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.axvline(80, color=GREY, linestyle="--", linewidth=1)
        ax.set_xlabel(
            "ร้อยละที่ได้รับบริการภายในเวลามาตรฐาน" if th else "% served within the target wait",
            fontdict=font,
        )
        _style(ax, font)
        return _svg(fig)


def utilisation_chart(counters: list[CounterRow], th: bool) -> str:
    """Busy share of each counter's available time; hatched: its paused time, in hours."""
    font = {"family": FONT, "size": 10}
    with _draw_lock:
        fig = _figure(0.9 + 0.42 * max(1, len(counters)))
        ax = fig.add_subplot()
        rows = counters[::-1]
        names = [c.name_th if th else c.name_en for c in rows]
        values = [100 * (c.use.utilisation or 0) for c in rows]
        bars = ax.barh(names, values, color=BLUE, height=0.6)
        for bar, counter in zip(bars, rows, strict=True):
            use = counter.use
            paused = f"{use.paused_s / 3600:.1f}"
            text = (
                "-"
                if use.utilisation is None
                else f"{100 * use.utilisation:.0f}%"
                + (f"  (พัก {paused} ชม.)" if th else f"  (paused {paused} h)") * (use.paused_s > 0)
            )
            ax.text(
                min(bar.get_width(), 100) + 1,
                bar.get_y() + bar.get_height() / 2,
                text,
                va="center",
                fontdict=font,
            )
        ax.set_xlim(0, 150)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.set_xlabel(
            "ร้อยละของเวลาที่เปิดให้บริการที่มีผู้รับบริการ" if th else "% of open time busy",
            fontdict=font,
        )
        _style(ax, font)
        return _svg(fig)
