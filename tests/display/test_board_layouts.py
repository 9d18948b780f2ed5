"""The web board at every orientation and resolution, in Chromium: nothing clipped or spilling,
no panel over another, no text smaller than the readability rule; screenshots saved.

The rule (README, "Hall board"): every text's font size is at least 2% of the screen's short
side. On a 55-inch TV (68.5 cm short side) that is 13.7 mm, read from about 2 m at 7 mm of
character height per metre of distance; the newest number (18%) reads from 17 m.
"""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser import SCREENSHOTS
from tests.display.conftest import Hall

SIZES = [(1280, 720), (1920, 1080), (3840, 2160), (1080, 1920), (2160, 3840), (768, 1366)]
MIN_FONT = 0.02  # of the screen's short side
MEASURE = """() => {
  const texts = [...document.querySelectorAll('body *')].filter(e =>
    e.childElementCount === 0 && e.textContent.trim() && e.offsetParent !== null
    && !e.closest('footer'));
  const box = e => e.getBoundingClientRect();
  const panels = ['header', '#newest', '#counters', '#calls', 'footer'].map(s => {
    const r = box(document.querySelector(s));
    return [s, r.left, r.top, r.right, r.bottom];
  });
  return {
    overflow: texts.filter(e => e.scrollWidth > e.clientWidth + 1
                                || e.scrollHeight > e.clientHeight + 1).map(e => e.textContent),
    outside: texts.filter(e => {
      const r = box(e);
      return r.left < 0 || r.top < 0 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1;
    }).map(e => e.textContent),
    spill: [...document.querySelectorAll('#calls .row, .tile')].filter(e => {
      const r = box(e), p = box(e.parentElement);
      return r.bottom > p.bottom + 1 || r.right > p.right + 1;
    }).map(e => e.textContent),
    fonts: texts.map(e => [e.textContent, parseFloat(getComputedStyle(e).fontSize)]),
    panels,
    scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
  };
}"""


def overlapping(panels: list[list]) -> list[tuple[str, str]]:
    found = []
    for i, (a, *ra) in enumerate(panels):
        for b, *rb in panels[i + 1 :]:
            if ra[0] < rb[2] - 1 and rb[0] < ra[2] - 1 and ra[1] < rb[3] - 1 and rb[1] < ra[3] - 1:
                found.append((a, b))
    return found


def test_the_web_board_fits_every_orientation_and_resolution(browser: Browser, hall: Hall) -> None:
    for _ in range(10):
        hall.issue("A")
    calls = []
    for i in range(9):  # a full history: counters 1 and 3 take turns
        counter = "1" if i % 2 == 0 else "3"
        if i >= 2:
            hall.act(calls[i - 2]["id"], "done", counter)
        calls.append(hall.call_next(counter))
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{hall.url}/board?voice=off")
    expect(page.locator("#newest-number")).to_have_text(calls[-1]["number"])
    problems = {}
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)
        found = page.evaluate(MEASURE)
        small = [
            (text, size) for text, size in found["fonts"] if size < MIN_FONT * min(width, height)
        ]
        bad = {
            "overflow": found["overflow"],
            "outside": found["outside"],
            "spill": found["spill"],
            "overlap": overlapping(found["panels"]),
            "small": small,
            "scrolls": found["scroll"] != [width, height],
        }
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"board-web-layout-{width}x{height}.png")
        if any(bad.values()):
            problems[f"{width}x{height}"] = {k: v for k, v in bad.items() if v}
    page.close()
    assert problems == {}
