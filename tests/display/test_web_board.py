"""The web board (`/board`) in Debian's Chromium, live from the event stream."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import SCREENSHOTS
from tests.display.conftest import NOTICE_TH, Hall
from tests.server.conftest import SECOND_OFFICE_FILE, load_test_office

NOTHING_YET = "\N{EN DASH}"  # what the board shows before the first call


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_the_web_board_shows_a_call_live(
    browser: Browser, hall: Hall, width: int, height: int
) -> None:
    hall.issue("A")
    hall.issue("B")
    hall.call_next("1")
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{hall.url}/board")
    expect(page.locator("#newest-number")).to_have_text("A001")
    expect(page.locator("#notice")).to_contain_text(NOTICE_TH)
    hall.call_next("2")
    expect(page.locator("#newest-number")).to_have_text("B001", timeout=10_000)
    expect(page.locator("#newest-counter")).to_have_text("เชิญที่ ช่องบริการ 2Please go to Counter 2")
    expect(page.locator("#calls .row")).to_have_text(["A0011"])
    expect(page.locator(".tile[data-counter='2'] .number")).to_have_text("B001")
    expect(page.locator("#date-main")).to_contain_text("พ.ศ. 25")
    loaded = page.evaluate(
        """document.fonts.ready.then(() => [...document.fonts]
            .filter(f => f.family === 'Sarabun' && f.status === 'loaded').length)"""
    )
    assert loaded >= 1
    # Nothing spills out of its box: the page never scrolls, no text is wider than its panel.
    overflow = page.evaluate(
        """[...document.querySelectorAll('#newest div, .tile div, .calls span, header div')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
            .map(e => e.id || e.className || e.textContent)"""
    )
    assert overflow == []
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"board-web-{width}x{height}.png")
    page.close()


def test_the_web_board_catches_up_after_the_server_restarts(browser: Browser, hall: Hall) -> None:
    for service in "AAB":
        hall.issue(service)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{hall.url}/board?lang=en")
    expect(page.locator("#newest-number")).to_have_text(NOTHING_YET)
    first = hall.call_next("1")
    expect(page.locator("#newest-number")).to_have_text(first["number"], timeout=10_000)
    hall.server.stop()
    hall.server.start()
    hall.call_next("2")
    third = hall.call_next("3")
    expect(page.locator("#newest-number")).to_have_text(third["number"], timeout=30_000)
    expect(page.locator("#calls .row span:first-child")).to_have_text(["B001", first["number"]])
    expect(page.locator("#newest-counter")).to_contain_text("Please go to Counter 3")
    page.close()


def test_each_office_has_its_own_web_board(browser: Browser, hall: Hall, tmp_path: Path) -> None:
    second = load_test_office(hall.server.database_url, SECOND_OFFICE_FILE)
    hall.issue("A")
    hall.call_next("1")
    page = browser.new_page()
    page.goto(f"{hall.url}/board")  # two offices now: the page offers each office's board
    expect(page.locator("#offices a")).to_have_count(2)
    page.locator(f"#offices a[href='/board?office={second.code}']").click()
    expect(page.locator("#newest-number")).to_have_text(NOTHING_YET)
    page.goto(f"{hall.url}/board?office={hall.office.code}")
    expect(page.locator("#newest-number")).to_have_text("A001")
    page.close()
