"""An officer's day in a real browser (Debian's chromium): sign in, call, recall, transfer,
finish with two transactions; keyboard shortcuts; the page survives a reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser import SCREENSHOTS
from tests.server.conftest import Office, load_test_office
from tests.server.processes import ServerProcess


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, Office]]:
    office = load_test_office(sqlite_url)
    server = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    yield server, office
    server.stop()


def issue(srv: ServerProcess, office: Office, service: str, **body: object) -> dict:
    response = requests.post(
        f"{srv.url}/api/v1/tickets",
        json={"service": service, **body},
        headers=office.auth("kiosk"),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", "somchai")
    page.fill("#password", "change-me")
    page.click("#sign-in")
    expect(page.locator("#counter-name")).to_contain_text("ช่องบริการ 1")


def test_officer_calls_recalls_transfers_and_finishes(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    srv, office = server
    first = issue(srv, office, "A", priority="elderly")
    second = issue(srv, office, "B")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    sign_in(page, srv.url)
    expect(page.locator("#queues")).to_contain_text("A")
    expect(page.locator("#no-ticket")).to_be_visible()

    page.click("#next")
    expect(page.locator("#ticket-number")).to_have_text(first["number"])
    expect(page.locator("#ticket-priority")).to_have_text("ผู้สูงอายุ")
    expect(page.locator("#message")).to_contain_text(f"เรียก {first['number']}")
    page.click("#recall")
    expect(page.locator("#message")).to_contain_text(f"เรียกซ้ำ {first['number']}")
    recalled = requests.get(f"{srv.url}/api/v1/board", timeout=10).json()
    assert recalled["calls"][0]["number"] == first["number"]

    # Transfer the first ticket to service C: it leaves the counter and waits again.
    page.click("#transfer-box summary")
    page.select_option("#transfer-service", "C")
    page.click("#transfer")
    expect(page.locator("#message")).to_contain_text(f"โอนแล้ว {first['number']}")
    expect(page.locator("#no-ticket")).to_be_visible()
    moved = requests.get(
        f"{srv.url}/api/v1/tickets/{first['id']}", headers=office.auth("admin"), timeout=10
    ).json()
    assert (moved["status"], moved["service"]) == ("waiting", "C")

    # F1 calls the next one; the officer does B and adds a second transaction, A.
    page.keyboard.press("F1")
    expect(page.locator("#ticket-number")).to_have_text(second["number"])
    page.reload()  # what the officer sees survives a reload
    expect(page.locator("#ticket-number")).to_have_text(second["number"])
    page.select_option("#add-service", "A")
    page.click("#add-tx")
    expect(page.locator('input[name="tx"][value="A"]')).to_be_checked()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "console-1366x768.png")
    page.keyboard.press("F4")
    expect(page.locator("#message")).to_contain_text(f"ปิดงานแล้ว {second['number']}")
    finished = requests.get(
        f"{srv.url}/api/v1/tickets/{second['id']}", headers=office.auth("admin"), timeout=10
    ).json()
    assert finished["status"] == "done"
    assert {(t["service"], t["done"]) for t in finished["transactions"]} == {
        ("B", True),
        ("A", True),
    }
    expect(page.locator("#today")).to_contain_text("1")


def test_failed_action_says_why_and_pause_with_a_reason_on_a_tablet(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    srv, office = server
    issue(srv, office, "A")
    page = browser.new_page(viewport={"width": 800, "height": 1280})
    page.on("dialog", lambda dialog: dialog.accept("พักกลางวัน"))
    sign_in(page, srv.url)
    page.click("#next")
    expect(page.locator("#ticket")).to_be_visible()
    page.click("#transfer-box summary")
    page.click("#transfer")  # neither a service nor a counter chosen: the server says why
    expect(page.locator("#message")).to_have_class("flash error")
    expect(page.locator("#message")).to_contain_text("service")
    page.click("#no-show")
    expect(page.locator("#no-ticket")).to_be_visible()
    page.click("#pause")
    expect(page.locator("#counter-state")).to_have_text("พัก · พักกลางวัน")
    expect(page.locator("#next")).to_be_disabled()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "console-tablet-paused.png", full_page=True)
    page.click("#resume")
    expect(page.locator("#counter-state")).to_have_text("เปิด")
