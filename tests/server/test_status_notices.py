"""The status page tells its holder, in a real Chromium at a phone's size: a sound, a vibration
and a notification when the chosen number of people are ahead and when the ticket is called.
The page's Audio, navigator.vibrate and Notification are instrumented to record their calls;
the notification permission is granted (or not) through the browser context."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser import SCREENSHOTS
from tests.server.conftest import Office, load_test_office
from tests.server.processes import ServerProcess

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
RECORD = """
window.told = { play: [], vibrate: [], notes: [] };
const realPlay = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  window.told.play.push({ muted: this.muted, src: this.src });
  return realPlay.call(this);
};
Object.defineProperty(navigator, "vibrate", {
  value: (pattern) => { window.told.vibrate.push(pattern); return true; },
});
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) { window.told.notes.push(title); super(title, options); }
};
"""


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, Office]]:
    office = load_test_office(sqlite_url)
    server = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    yield server, office
    server.stop()


def _told(page: Page) -> dict[str, Any]:
    return page.evaluate("window.told")


def test_the_status_page_sounds_vibrates_and_notifies_when_near_and_when_called(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    srv, office = server
    kiosk = office.auth("kiosk")
    ahead = [
        requests.post(f"{srv.url}/api/v1/tickets", json={"service": "A"}, headers=kiosk).json()
        for _ in range(4)
    ]
    mine = requests.post(f"{srv.url}/api/v1/tickets", json={"service": "A"}, headers=kiosk).json()
    context = browser.new_context(**PHONE)
    context.grant_permissions(["notifications"], origin=srv.url)
    context.add_init_script(RECORD)
    page = context.new_page()
    page.goto(mine["status_url"])
    expect(page.locator("#facts")).to_contain_text("4 คน")
    expect(page.locator("#notify-state")).to_have_text("เปิดการแจ้งเตือนแล้ว")
    expect(page.locator("#notify-allow")).to_be_hidden()
    # The office's default is 3 ahead; this citizen wants to hear only at 2.
    expect(page.locator("#notify-ahead")).to_have_value("3")
    page.locator("#notify-ahead").fill("2")
    page.locator("#notify-ahead").dispatch_event("change")

    def call(officer: str) -> None:
        answer = requests.post(
            f"{srv.url}/api/v1/counters/{officer[-1]}/next",
            headers=office.auth(officer),
            timeout=10,
        )
        assert answer.status_code == 200

    call("officer1")
    expect(page.locator("#facts")).to_contain_text("3 คน", timeout=10_000)
    assert _told(page) == {"play": [], "vibrate": [], "notes": []}
    call("officer3")
    expect(page.locator("#alert")).to_have_text(
        "อีก 2 คิวจะถึงคิวของท่าน กรุณากลับมาที่จุดรอ", timeout=10_000
    )
    told = _told(page)
    assert [p["muted"] for p in told["play"]] == [False]
    assert told["play"][0]["src"].endswith("/voice/default/chime.wav")  # the stand-in pack
    assert len(told["vibrate"]) == 1
    assert told["notes"] == ["A005 · อีก 2 คิวจะถึงคิวของท่าน กรุณากลับมาที่จุดรอ"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "status-near.png")

    # Two more calls: still "near", said once only; then this ticket is called.
    for ticket, officer in ((ahead[0], "officer1"), (ahead[1], "officer3")):
        done = requests.post(
            f"{srv.url}/api/v1/tickets/{ticket['id']}/done", json={}, headers=office.auth(officer)
        )
        assert done.status_code == 200
        call(officer)
    expect(page.locator("#facts")).to_contain_text("0 คน", timeout=10_000)
    assert len(_told(page)["notes"]) == 1
    requests.post(
        f"{srv.url}/api/v1/tickets/{ahead[2]['id']}/done", json={}, headers=office.auth("officer1")
    )
    call("officer1")
    expect(page.locator("#alert")).to_have_text("ถึงคิวของท่านแล้ว เชิญที่ ช่องบริการ 1", timeout=10_000)
    told = _told(page)
    assert len(told["play"]) == 2 and len(told["vibrate"]) == 2
    assert told["notes"][1] == "A005 · ถึงคิวของท่านแล้ว เชิญที่ ช่องบริการ 1"
    page.screenshot(path=SCREENSHOTS / "status-called-alert.png")
    # Reloading the page does not tell again: the browser remembers what it said.
    page.reload()
    expect(page.locator("#state")).to_have_text("เชิญที่ ช่องบริการ 1")
    assert _told(page)["notes"] == []
    context.close()


def test_the_page_asks_once_and_says_when_notifications_were_refused(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    srv, office = server
    mine = requests.post(
        f"{srv.url}/api/v1/tickets", json={"service": "B"}, headers=office.auth("kiosk")
    ).json()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(mine["status_url"])
    expect(page.locator("#notify-allow")).to_be_visible()
    page.locator("#notify-allow").click()
    expect(page.locator("#notify-state")).to_contain_text("ท่านไม่อนุญาตการแจ้งเตือน")
    expect(page.locator("#notify-allow")).to_be_hidden()
    assert page.evaluate("localStorage.getItem('swq-notify-permission')") == "denied"
    context.close()
