"""The public ticket page in a real browser (Debian's chromium), live as the ticket moves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import APIResponse, Browser, Route, expect

from tests.browser import SCREENSHOTS
from tests.server.conftest import Office, load_test_office
from tests.server.processes import ServerProcess


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, Office]]:
    office = load_test_office(sqlite_url)
    server = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    yield server, office
    server.stop()


def test_status_page_follows_the_ticket_live(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    srv, office = server
    kiosk, officer = office.auth("kiosk"), office.auth("officer1")
    before = requests.post(
        f"{srv.url}/api/v1/tickets", json={"service": "A"}, headers=kiosk, timeout=10
    ).json()
    mine = requests.post(
        f"{srv.url}/api/v1/tickets", json={"service": "A"}, headers=kiosk, timeout=10
    ).json()
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(mine["status_url"])
    expect(page.locator("#number")).to_have_text("A002")
    expect(page.locator("#state")).to_have_text("รอเรียก")
    expect(page.locator("#facts")).to_contain_text("คิวก่อนหน้า")
    expect(page.locator("#facts")).to_contain_text("1 คน")
    # A counter is free: the wait is at most the range's top, "up to 1 min".
    assert mine["estimated_wait_range_s"] == [0, 60]
    expect(page.locator("#wait")).to_have_text("ไม่เกิน 1 นาที")
    # Sarabun is the page's font and it has loaded: Thai marks come from it, not a fallback.
    loaded = page.evaluate(
        """document.fonts.ready.then(() => [...document.fonts]
            .filter(f => f.family === 'Sarabun' && f.status === 'loaded').length)"""
    )
    assert loaded >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "status-waiting.png")

    first = requests.post(f"{srv.url}/api/v1/counters/1/next", headers=officer, timeout=10)
    assert first.json()["id"] == before["id"]
    expect(page.locator("#facts")).to_contain_text("0 คน", timeout=10_000)
    requests.post(f"{srv.url}/api/v1/tickets/{before['id']}/done", json={}, headers=officer)
    requests.post(f"{srv.url}/api/v1/counters/1/next", headers=officer, timeout=10)
    expect(page.locator("#state")).to_have_text("เชิญที่ ช่องบริการ 1", timeout=10_000)
    page.screenshot(path=SCREENSHOTS / "status-called.png")

    page.get_by_role("link", name="English").click()
    expect(page.locator("#state")).to_have_text("Please go to Counter 1")
    expect(page.locator("#service")).to_have_text("Civil registration")
    page.close()


def test_a_late_answer_about_the_call_does_not_undo_the_done_state(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    # A call and its "done" a moment apart on a slow phone network: the page asks twice, and the
    # answer about the call comes after the answer about the "done". The page must stay at done,
    # with the rating form showing.
    srv, office = server
    officer = office.auth("officer1")
    ticket = requests.post(
        f"{srv.url}/api/v1/tickets", json={"service": "A"}, headers=office.auth("kiosk"), timeout=10
    ).json()
    page = browser.new_page()
    page.goto(ticket["status_url"])
    expect(page.locator("#live")).to_have_text("อัปเดตอัตโนมัติ")  # the stream is open
    path = page.evaluate("JSON.parse(document.getElementById('page-data').textContent).status_url")
    armed: list[bool] = []
    held: list[tuple[Route, APIResponse]] = []

    def answer_the_first_late(route: Route) -> None:
        if armed and not held:
            held.append((route, route.fetch()))  # answered by the server now, delivered later
        else:
            route.continue_()

    page.route(lambda url: path in url, answer_the_first_late)
    armed.append(True)
    requests.post(f"{srv.url}/api/v1/counters/1/next", headers=officer, timeout=10)
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)  # route handlers run while the page is waited on
    assert held, "the page did not ask about the call"
    requests.post(f"{srv.url}/api/v1/tickets/{ticket['id']}/done", json={}, headers=officer)
    expect(page.locator("#feedback")).to_be_visible(timeout=10_000)

    route, called = held[0]
    assert called.json()["state"] == "called"
    with page.expect_response(lambda response: path in response.url):
        route.fulfill(response=called)
    page.wait_for_timeout(300)  # what the page does with that answer, it has done by now
    expect(page.locator("#state")).to_have_text("เสร็จสิ้น ขอบคุณที่ใช้บริการ")
    expect(page.locator("#feedback")).to_be_visible()
    page.close()


def test_wrong_key_shows_nothing(browser: Browser, server: tuple[ServerProcess, Office]) -> None:
    srv, office = server
    ticket = requests.post(
        f"{srv.url}/api/v1/tickets", json={"service": "B"}, headers=office.auth("kiosk")
    ).json()
    page = browser.new_page()
    response = page.goto(f"{srv.url}/t/{ticket['id']}?key=guess")
    assert response is not None and response.status == 404
    assert "B001" not in page.content()
    page.close()
