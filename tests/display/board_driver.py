"""Runs the real Kivy board in its own process (one window per process) for the tests.

`python -m tests.display.board_driver --server URL --size 1920x1080 --expect A001
--screenshot out.png --announcements 0 [--voice th --voice-pack DIR] [--sign URL]
[--voice-cache DIR --token TOKEN]`

It waits until the board shows `--expect` as the newest call (and, with `--announcements N`,
until N announcements have been played out), saves a screenshot, then prints one JSON line:
what the widgets show, which labels do not fit their box, and what was announced. It prints
`PACK DIR` whenever the voice pack it says calls with changes (the first at start).

With `--layouts JSON` (a list of layouts as `/api/v1/board/layout` gives them) it applies them
one after another instead, checks each in Thai and in English (`layout_faults`) and saves a
screenshot of each into the `--screenshot` folder.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from display.cli import _languages, _size, configure_kivy
from display.counter_signs import CounterSigns, SerialLine
from display.options import DisplayOptions


def overflowing(root: Any) -> list[str]:
    """Labels shown whose full text (not shortened) is wider or taller than the label."""
    from kivy.core.text import Label as CoreLabel
    from kivy.uix.label import Label

    found = []
    for widget in root.walk():
        if not isinstance(widget, Label) or not widget.text or not _shown(widget):
            continue
        core = CoreLabel(
            text=widget.text,
            font_size=widget.font_size,
            font_name=widget.font_name,
            bold=widget.bold,
            font_script_name=widget.font_script_name,
        )
        core.refresh()
        width, height = core.texture.size
        if width > widget.width + 1 or height > widget.height + 1:
            found.append(
                f"{widget.text!r}: {width}x{height} in {widget.width:.0f}x{widget.height:.0f}"
            )
    return found


def clipped(root: Any) -> list[str]:
    """Labels partly off the window, and rows of calls or counter tiles reaching into the notice
    line below them."""
    from kivy.uix.label import Label

    from display.board_app import CallRow, CounterTile

    found = []
    floor = root.ids.ticker.top
    for widget in root.walk():
        if (
            isinstance(widget, Label)
            and widget.text
            and _shown(widget)
            and (
                widget.x < -1
                or widget.y < -1
                or widget.right > root.width + 1
                or widget.top > root.height + 1
            )
        ):
            found.append(f"{widget.text!r} off the window")
        if isinstance(widget, CallRow | CounterTile) and widget.y < floor - 1:
            found.append(f"{type(widget).__name__} at y={widget.y:.0f} below {floor:.0f}")
    return found


def _shown(widget: Any) -> bool:
    node = widget
    while node is not None and node is not node.parent:
        if node.opacity <= 0 or node.width <= 1 or node.height <= 1:
            return False
        node = node.parent
    return True


def _labels(root: Any) -> list[Any]:
    from kivy.uix.label import Label

    return [w for w in root.walk() if isinstance(w, Label) and w.text.strip() and _shown(w)]


def too_small(root: Any) -> list[str]:
    """Labels below the reading rule (core.legibility): what is read up close (`near`) at the
    near floor, everything else at the far size for the board's distance and screen."""
    return [
        f"{w.text[:30]!r}: {w.font_size:.1f} px < {floor:.1f}"
        for w in _labels(root)
        if w.font_size < (floor := root.near if w.near else root.far) - 0.5
    ]


def overlapping(root: Any) -> list[str]:
    """Pairs of labels shown over each other (their boxes in window coordinates)."""
    boxes = []
    for w in _labels(root):
        x, y = w.to_window(w.x, w.y)
        boxes.append((w.text[:30], x, y, x + w.width, y + w.height))
    found = []
    for i, (a, *ra) in enumerate(boxes):
        for b, *rb in boxes[i + 1 :]:
            width = min(ra[2], rb[2]) - max(ra[0], rb[0])
            height = min(ra[3], rb[3]) - max(ra[1], rb[1])
            if width > 1 and height > 1:
                found.append(f"{a!r} over {b!r}")
    return found


def layout_faults(root: Any) -> list[str]:
    return overflowing(root) + clipped(root) + too_small(root) + overlapping(root)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--office")
    parser.add_argument("--token")
    parser.add_argument("--waiting", type=int, default=0, help="wait for this many service rows")
    parser.add_argument("--logo", action="store_true", help="wait for the office's logo")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--expect", required=True)
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--announcements", type=int, default=0)
    parser.add_argument("--voice", default="off")
    parser.add_argument("--voice-pack", type=Path)
    parser.add_argument("--voice-cache", type=Path)
    parser.add_argument("--sign")
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument(
        "--layouts",
        help="a JSON list of layouts to apply one after another, checking each in both languages",
    )
    args = parser.parse_args()
    size = _size(args.size)
    configure_kivy(False, size)

    from kivy.clock import Clock
    from kivy.core.window import Window

    from display.board_app import BoardApp

    signs = CounterSigns(SerialLine(args.sign)) if args.sign else None
    options = DisplayOptions(
        server=args.server,
        office=args.office,
        token=args.token,
        languages=_languages(args.voice),
        voice_pack=args.voice_pack,
        voice_cache=args.voice_cache,
        signs=signs,
    )
    app = BoardApp(options)
    started = time.monotonic()
    result: dict[str, Any] = {}

    def check(_dt: float) -> None:
        if time.monotonic() - started > args.timeout:
            screen = app.screen
            result["error"] = (
                f"timeout: newest {screen.newest_number!r}, "
                f"{len(screen.ids.waiting.children)} waiting rows, logo {screen.logo}"
            )
            print(result["error"], file=sys.stderr)
            finish()
            return
        screen = app.screen
        if app.announcer is not None and str(app.announcer.pack.root) != result.get("voice_pack"):
            result["voice_pack"] = str(app.announcer.pack.root)
            print(f"PACK {result['voice_pack']}", flush=True)  # the pack calls are said with now
        if screen.online and "online_after_s" not in result:
            result["online_after_s"] = time.monotonic() - started
            print("READY", flush=True)  # the test may now make calls that must be announced
        if screen.newest_number != args.expect:
            return
        if len(screen.ids.waiting.children) < args.waiting or (args.logo and screen.logo is None):
            return
        announcer = app.announcer
        if args.announcements and (
            announcer is None
            or len(announcer.history) < args.announcements
            or announcer.pending > 0
        ):
            return
        Clock.unschedule(check)
        result["shown_after_s"] = time.monotonic() - started
        if args.layouts:
            app._flip.cancel()  # the test turns the languages itself
            # and sets the layouts itself: the feed's half-minute re-read of the office would put
            # the server's layout back in the middle of a slow (4K) sweep
            app.feed._office_at = app.feed._resynced_at = math.inf
            Clock.schedule_once(lambda _dt: next_layout(json.loads(args.layouts)), 0)
            return
        # Two frames more so the labels have drawn their new text.
        Clock.schedule_once(lambda _dt: Clock.schedule_once(capture, 0.3), 0)

    def next_layout(layouts: list[dict[str, Any]]) -> None:
        """Applies a layout as the feed does on a change, lets it settle, checks it in Thai and
        then in English (a screenshot of each), then the next."""
        if not layouts:
            finish()
            return
        layout, rest = layouts[0], layouts[1:]
        name = f"{layout['orientation']}-{layout['columns']}col" + (
            "-waiting" if layout["waiting_counts"] else ""
        )
        app.inbox.put(("layout", layout))
        app._wake()
        app.screen.th = True

        def check_language(_dt: float) -> None:
            screen = app.screen
            language = "th" if screen.th else "en"
            result.setdefault("layouts", {})[f"{name}-{language}"] = {
                "faults": layout_faults(screen),
                "size": list(screen.size),
                "far": screen.far,
                "calls": len(screen.ids.calls.children),
                "calls_room": screen.ids.calls_room.height,
                "calls_head": screen.ids.calls_head.height,
                "call_row": screen.call_row_height,
                "waiting": len(screen.ids.waiting.children) if screen.waiting_counts else 0,
                "counter_cols": screen.counter_cols,
            }
            if args.screenshot is not None:
                args.screenshot.mkdir(parents=True, exist_ok=True)
                screen.export_to_png(str(args.screenshot / f"{name}-{language}.png"))
            if screen.th:
                screen.th = False
                when_settled(check_language)
            else:
                Clock.schedule_once(lambda _dt: next_layout(rest), 0)

        when_settled(check_language)

    def when_settled(then: Any) -> None:
        """Calls `then` once the widgets have kept their places and texts for a few frames (a
        4K frame in software takes long, and a change ripples through several)."""
        seen: list[Any] = []

        def look(_dt: float) -> None:
            seen.append(
                [(w.x, w.y, w.width, w.height, getattr(w, "text", "")) for w in app.screen.walk()]
            )
            if len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3]:
                Clock.unschedule(look)
                then(0)

        Clock.schedule_interval(look, 0.1)

    def capture(_dt: float) -> None:
        screen = app.screen
        result.update(
            newest=screen.newest_number,
            newest_counter=screen.newest_counter_th + "\n" + screen.newest_counter_en,
            office=screen.office_th,
            date_th=screen.date_th,
            notice=screen.notice,
            notice_pages=app.notice_pages,
            online=screen.online,
            calls=[(row.number, row.counter) for row in reversed(screen.ids.calls.children)],
            tiles=[(t.name_en, t.number_en) for t in reversed(screen.ids.counters.children)],
            overflow=overflowing(screen),
            faults=layout_faults(screen),
            clipped=clipped(screen),
            size=list(screen.size),
            primary=list(screen.primary),
            accent=list(screen.accent),
            logo=list(screen.logo.size) if screen.logo is not None else None,
            counter_cols=screen.ids.counters.cols,
            waiting=[(r.name_en, r.waiting) for r in reversed(screen.ids.waiting.children)],
            rotation=Window.rotation,
        )
        if app.announcer is not None:
            result["announced"] = [
                {
                    "number": p.call.number,
                    "counter": p.call.counter,
                    "started_at": p.started_at,
                    "seconds": p.seconds,
                }
                for p in app.announcer.history
            ]
        if args.screenshot is not None:
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
            screen.export_to_png(str(args.screenshot))
        finish()

    def finish() -> None:
        print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
        app.stop()

    Clock.schedule_interval(check, 0.05)
    app.run()
    sys.exit(0 if "error" not in result else 1)


if __name__ == "__main__":
    main()
