"""The public booking pages in a real Chromium at a phone's size, against a real server: book,
get the code and its QR, cancel, book again; a slot taken meanwhile refuses clearly, and so does
a booking past the per-address limit. And the last place of a slot, raced for on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from core.booking import CODE_ALPHABET, CODE_LENGTH, BookingSettings, OfficeBooking, SlotRule
from core.model import OpeningHours
from tests.browser import SCREENSHOTS
from tests.server.booking_office import enable_booking
from tests.server.conftest import fresh_database, load_test_office
from tests.server.processes import ServerProcess

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}
# Every day, all day: tomorrow always has slots whatever time the test runs.
ALWAYS = OfficeBooking(
    BookingSettings(ask_phone=True),
    {"A": SlotRule(tuple(range(7)), OpeningHours(time(0), time(23, 30)), 1800, 1, 3)},
)


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    load_test_office(sqlite_url)
    enable_booking(sqlite_url, ALWAYS)
    env = {"SWQ_BOOKINGS_PER_ADDRESS": "2"}
    srv = ServerProcess(sqlite_url, log_path=tmp_path / "server.log", env=env).start()
    yield srv
    srv.stop()


def _open_tomorrow(page: Page, url: str) -> None:
    page.goto(f"{url}/book/udn")
    page.locator("[data-service=A]").click()
    page.locator("#days a").nth(1).click()
    expect(page.locator("#days a.here")).to_have_count(1)


def _book(page: Page, slot: str) -> None:
    page.locator(f"label[data-slot='{slot}']").click()
    page.fill("#phone", "081-234-5678")
    page.locator("#book").click()


def test_book_cancel_rebook_full_and_limit(browser: Browser, server: ServerProcess) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    mine = browser.new_context(**PHONE).new_page()
    _open_tomorrow(mine, server.url)
    expect(mine.locator("#privacy")).to_contain_text("เบอร์โทรศัพท์")
    slot = mine.locator("#slots label").first.get_attribute("data-slot")
    assert slot is not None
    mine.screenshot(path=SCREENSHOTS / "booking-slots.png", full_page=True)
    _book(mine, slot)
    expect(mine.locator("#booked")).to_be_visible()
    code = mine.locator("#code").inner_text()
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    expect(mine.locator("#qr svg")).to_be_visible()
    assert mine.locator("#qr svg").bounding_box()["width"] >= 150  # type: ignore[index]
    # Phone-sized: nothing wider than the screen.
    assert mine.evaluate("document.documentElement.scrollWidth") <= 390
    mine.screenshot(path=SCREENSHOTS / "booking-code.png", full_page=True)
    manage_url = mine.url

    mine.locator("#cancel").click()
    expect(mine.locator("#cancelled")).to_be_visible()
    mine.locator("#book-again").click()
    mine.locator("#days a").nth(1).click()
    expect(mine.locator(f"label[data-slot='{slot}'] small")).to_have_text("ว่าง 1")  # freed

    other = browser.new_context(**PHONE).new_page()  # someone else looking at the same slot
    _open_tomorrow(other, server.url)
    expect(other.locator(f"label[data-slot='{slot}'] small")).to_have_text("ว่าง 1")

    _book(mine, slot)  # rebooked: the second booking from this address
    expect(mine.locator("#booked")).to_be_visible()
    assert mine.url != manage_url  # a new booking, a new link

    _book(other, slot)  # the form still offered it; the server refuses
    expect(other.locator("#error")).to_have_text("ช่วงเวลานี้เต็มแล้ว กรุณาเลือกเวลาอื่น")
    expect(other.locator(f"label[data-slot='{slot}'] small")).to_have_text("เต็ม")
    expect(other.locator(f"label[data-slot='{slot}'] input")).to_be_disabled()
    other.screenshot(path=SCREENSHOTS / "booking-full.png", full_page=True)

    free = other.locator("#slots label:not(.full)").first.get_attribute("data-slot")
    _book(other, str(free))  # this address has made 2 bookings today: the limit
    expect(other.locator("#error")).to_contain_text("จองครบ 2 ครั้ง")
    other.goto(other.url.split("?")[0] + f"?lang=en&day={str(free)[:10]}")
    _book(other, str(free))
    expect(other.locator("#error")).to_contain_text("already made 2 bookings")
    other.screenshot(path=SCREENSHOTS / "booking-limit.png", full_page=True)


def test_the_last_place_goes_to_one_citizen_only(
    pg_url: str, sqlite_template: Path, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    """Eight phones take the same one-place slot at once, on PostgreSQL behind two workers:
    exactly one gets it, the others are told it is full."""
    url = fresh_database("postgresql", tmp_path, pg_url, sqlite_template)
    load_test_office(url)
    enable_booking(url, ALWAYS)
    srv = ServerProcess(url, workers=2, log_path=tmp_path / "server.log").start()
    servers.append(srv)
    tomorrow = datetime.now(ZoneInfo("Asia/Bangkok")).date() + timedelta(days=1)
    slot = f"{tomorrow.isoformat()}T12:00"
    forms = []
    for i in range(8):
        session = requests.Session()
        page = session.get(f"{srv.url}/book/udn/A", timeout=10).text
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        forms.append((session, {"csrf_token": csrf, "slot": slot, "phone": f"08100000{i:02d}"}))
    start = threading.Barrier(len(forms))

    def book(session: requests.Session, form: dict[str, str]) -> int:
        start.wait()
        answer = session.post(f"{srv.url}/book/udn/A", data=form, allow_redirects=False, timeout=30)
        return answer.status_code

    with ThreadPoolExecutor(len(forms)) as pool:
        answers = sorted(pool.map(lambda f: book(*f), forms))
    assert answers == [302] + [409] * 7
