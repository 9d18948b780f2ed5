"""The web board at every layout and resolution, in Chromium: nothing clipped or spilling, no
panel over another, no text smaller than the reading rule; screenshots saved.

The rule (docs/boards.md, core.legibility): a Thai letter 1 cm tall per 3.6 m of
reading distance for everything the hall reads (office name, labels, counter names, numbers,
waiting counts); 2% of the short side for what is read up close (dates, notice line). The
board's layout comes from its display token, set in the database as the admin page does, and
is read by the page through `/board/layout` like a change made while it runs.
"""

from __future__ import annotations

import itertools

import requests
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from core.legibility import min_font_px, near_font_px
from queue_server.board_layout import ORIENTATIONS, BoardLayout
from queue_server.db import schema as t
from queue_server.db.engine import make_engine
from tests.browser import SCREENSHOTS
from tests.display.conftest import Hall

SIZES = [(1280, 720), (1920, 1080), (3840, 2160), (1080, 1920), (2160, 3840), (768, 1366)]
LAYOUTS = [
    BoardLayout(orientation=o, columns=c, waiting_counts=w)
    for o, c, w in itertools.product(ORIENTATIONS, (1, 2), (False, True))
]
NEAR = "header .sub, .dates, footer, #sound-note"
MEASURE = """(near) => {
  const shown = e => e.getClientRects().length > 0;
  const texts = [...document.querySelectorAll('body *')].filter(e =>
    e.childElementCount === 0 && e.textContent.trim() && shown(e) && !e.closest('footer'));
  const box = e => e.getBoundingClientRect();
  const panels = ['header', '#newest', '#counters', '#waiting', '#calls', 'footer']
    .map(s => document.querySelector(s)).filter(shown).map(e => {
      const r = box(e);
      return [e.id || e.tagName, r.left, r.top, r.right, r.bottom];
    });
  return {
    overflow: texts.filter(e => e.scrollWidth > e.clientWidth + 1
                                || e.scrollHeight > e.clientHeight + 1).map(e => e.textContent),
    outside: texts.filter(e => {
      const r = box(e);
      return r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1;
    }).map(e => e.textContent),
    spill: [...document.querySelectorAll('#calls .row, .tile, #waiting .row')].filter(shown)
      .filter(e => {
        const r = box(e), p = box(e.parentElement);
        return r.bottom > p.bottom + 1 || r.right > p.right + 1 || r.top < p.top - 1;
      }).map(e => e.textContent),
    fonts: texts.map(e => [e.textContent, parseFloat(getComputedStyle(e).fontSize),
                           e.closest(near) !== null]),
    panels,
    scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
    shown: [...document.querySelectorAll('#waiting .row')].filter(shown).length,
  };
}"""


def overlapping(panels: list[list]) -> list[tuple[str, str]]:
    found = []
    for i, (a, *ra) in enumerate(panels):
        for b, *rb in panels[i + 1 :]:
            if ra[0] < rb[2] - 1 and rb[0] < ra[2] - 1 and ra[1] < rb[3] - 1 and rb[1] < ra[3] - 1:
                found.append((a, b))
    return found


def problems_now(page: Page, width: int, height: int, layout: BoardLayout, services: int) -> dict:
    """What is wrong with the board as shown, in both languages of the flip."""
    far = min_font_px(width, height, layout.diagonal_in, layout.distance_m)
    near = near_font_px(width, height)
    found_all: dict[str, list] = {}
    for _ in range(2):
        page.evaluate("flip()")
        found = page.evaluate(MEASURE, NEAR)
        small = [
            (text, size)
            for text, size, is_near in found["fonts"]
            if size < (near if is_near else far) - 0.5
        ]
        bad = {
            "overflow": found["overflow"],
            "outside": found["outside"],
            "spill": found["spill"],
            "overlap": overlapping(found["panels"]),
            "small": small,
            "scrolls": found["scroll"] != [width, height],
            "waiting counts": layout.waiting_counts and found["shown"] != services,
        }
        for key, value in bad.items():
            if value:
                found_all.setdefault(key, []).append(value)
    return found_all


def test_the_web_board_fits_every_layout_and_resolution(
    browser: Browser, hall: Hall, sqlite_url: str
) -> None:
    for _ in range(10):
        hall.issue("A")
    calls = []
    for i in range(9):  # a full history: counters 1 and 3 take turns
        counter = "1" if i % 2 == 0 else "3"
        if i >= 2:
            hall.act(calls[i - 2]["id"], "done", counter)
        calls.append(hall.call_next(counter))
    services = len(requests.get(f"{hall.url}/api/v1/services", timeout=10).json())
    engine = make_engine(sqlite_url)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{hall.url}/board?voice=off&token={hall.office.tokens['display']}")
    expect(page.locator("#newest-number")).to_have_text(calls[-1]["number"])
    page.evaluate("document.fonts.ready")
    problems = {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for layout in LAYOUTS:
            with engine.begin() as conn:
                conn.execute(
                    sa.update(t.tokens)
                    .where(t.tokens.c.role == "display", t.tokens.c.office == hall.office.code)
                    .values(board_layout=layout.to_json())
                )
            page.evaluate("readOffice()")  # what the page does every 30 s
            name = f"{width}x{height}-{layout.orientation}-{layout.columns}col" + (
                "-waiting" if layout.waiting_counts else ""
            )
            found = problems_now(page, width, height, layout, services)
            if found:
                problems[name] = found
            if layout.orientation == "auto" or width == 1920:
                page.screenshot(path=SCREENSHOTS / f"board-web-layout-{name}.png")
    page.close()
    engine.dispose()
    (SCREENSHOTS / "board-web-layout-problems.txt").write_text(repr(problems))
    assert problems == {}
