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

from core.reports import CounterRow, HourRow, OfficeLine, ServiceRow, Share, Use

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
    return _share_bars(
        [f"{s.code} {s.name_th if th else s.name_en}" for s in services],
        [s.figures.within_target for s in services],
        th,
    )


def province_service_level_chart(lines: list[OfficeLine], th: bool) -> str:
    """The same for every office of a province, and the province's total last."""
    return _share_bars(
        [line.name_th if th else line.name_en for line in lines],
        [line.within_target for line in lines],
        th,
    )


def _share_bars(names: list[str], shares: list[Share], th: bool) -> str:
    """One bar per name: the share within target (green from 80%), with count / of."""
    font = {"family": FONT, "size": 10}
    with _draw_lock:
        fig = _figure(0.9 + 0.42 * max(1, len(names)))
        ax = fig.add_subplot()
        rows = list(zip(names, shares, strict=True))[::-1]
        values = [100 * f.share if f.share is not None else 0 for _, f in rows]
        colors = [GREY if f.share is None else GREEN if f.share >= 0.8 else RED for _, f in rows]
        bars = ax.barh([name for name, _ in rows], values, color=colors, height=0.6)
        for bar, (_, f) in zip(bars, rows, strict=True):
            text = "-" if f.share is None else f"{100 * f.share:.0f}% ({f.count}/{f.of})"
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
    return _use_bars(
        [c.name_th if th else c.name_en for c in counters], [c.use for c in counters], th
    )


def province_utilisation_chart(offices: list[tuple[str, Use]], th: bool) -> str:
    """The busy share of all of each office's counters' available time, office by office."""
    return _use_bars([name for name, _ in offices], [use for _, use in offices], th)


def _use_bars(names: list[str], uses: list[Use], th: bool) -> str:
    font = {"family": FONT, "size": 10}
    with _draw_lock:
        fig = _figure(0.9 + 0.42 * max(1, len(names)))
        ax = fig.add_subplot()
        rows = list(zip(names, uses, strict=True))[::-1]
        values = [100 * (use.utilisation or 0) for _, use in rows]
        bars = ax.barh([name for name, _ in rows], values, color=BLUE, height=0.6)
        for bar, (_, use) in zip(bars, rows, strict=True):
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


def province_arrivals_chart(offices: list[tuple[str, list[HourRow]]], th: bool) -> str:
    """Arrivals per hour (top) and the mean first wait of those arrivals (bottom), one line per
    office, so offices' peaks and waits read side by side."""
    font = {"family": FONT, "size": 10}
    with _draw_lock:
        fig = _figure(5.4)
        arrivals, waits = fig.subplots(2, 1, sharex=True)
        hours = sorted({h.hour for _, rows in offices for h in rows})
        for name, rows in offices:
            by_hour = {h.hour: h for h in rows}
            line = arrivals.plot(
                hours, [by_hour[h].arrivals if h in by_hour else 0 for h in hours], marker="o"
            )
            points = [(h.hour, h.mean_wait_s / 60) for h in rows if h.mean_wait_s is not None]
            if points:
                waits.plot(*zip(*points, strict=True), marker="o", color=line[0].get_color())
            line[0].set_label(name)
        arrivals.set_ylabel("ผู้มาติดต่อ (คน)" if th else "Arrivals", fontdict=font)
        arrivals.set_ylim(bottom=0)
        waits.set_ylabel("เวลารอเฉลี่ย (นาที)" if th else "Mean wait (min)", fontdict=font)
        waits.set_ylim(bottom=0)
        waits.set_xlabel("ชั่วโมง (เวลาท้องถิ่น)" if th else "Hour (local time)", fontdict=font)
        waits.set_xticks(hours, [f"{h:02d}:00" for h in hours])
        legend = arrivals.legend(prop={"family": FONT, "size": 9}, ncols=2, frameon=False)
        for text in legend.get_texts():
            text.set_fontfamily(FONT)
        _style(arrivals, font)
        _style(waits, font)
        return _svg(fig)
