"""The admin pages in a real browser (Debian's chromium) against a real server process: an admin
sets up a service and a counter for it, and a ticket of that service goes to that counter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser import SCREENSHOTS
from tests.server.conftest import Office, load_test_office
from tests.server.people import add_user
from tests.server.processes import ServerProcess

ADMIN, PASSWORD = "boss", "boss-secret-77"
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 800, "height": 1280}
PAGES = (
    "/admin",
    "/admin/agencies",
    "/admin/services/new",
    "/admin/counters/1",
    "/admin/users",
    "/admin/kiosk",
    "/admin/audit",
    "/admin/priority",
    "/admin/devices",
    "/admin/console",
)


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, Office, Path]]:
    office = load_test_office(sqlite_url)
    add_user(sqlite_url, office.code, ADMIN, PASSWORD, role="admin")
    log = tmp_path / "server.log"
    server = ServerProcess(sqlite_url, log_path=log).start()
    yield server, office, log
    server.stop()


def fits(page: Page) -> None:
    """Thai is drawn with Sarabun, and nothing sticks out sideways."""
    loaded = page.evaluate(
        """document.fonts.ready.then(() => [...document.fonts]
            .filter(f => f.family === 'Sarabun' && f.status === 'loaded').length)"""
    )
    assert loaded >= 1
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px too wide"
    # Nothing pokes out of its card either (tables scroll inside theirs on purpose).
    sticking_out = page.evaluate(
        """[...document.querySelectorAll('.card')].flatMap(card => {
            const edge = card.getBoundingClientRect().right + 1;
            return [...card.querySelectorAll('*')]
                .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > edge)
                .map(e => e.outerHTML.slice(0, 80));
        })"""
    )
    assert sticking_out == [], f"{page.url}: {sticking_out}"


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def test_admin_sets_up_a_service_and_its_counter_and_a_ticket_routes_there(
    browser: Browser, server: tuple[ServerProcess, Office, Path]
) -> None:
    srv, office, log = server
    page = browser.new_page(viewport=LAPTOP)
    page.goto(f"{srv.url}/login")
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page).to_have_url(f"{srv.url}/admin")
    expect(page.locator("h1")).to_contain_text("ตั้งค่าสำนักงาน")
    fits(page)
    shoot(page, "admin-office.png")

    page.get_by_role("link", name="บริการ", exact=True).click()
    page.click("#new-service")
    page.fill("#code", "E")
    page.select_option("#agency", "rd")
    page.fill("#name_th", "ขออนุญาตประกอบกิจการ")
    page.fill("#name_en", "Business licence")
    page.fill("#target_wait_min", "20")
    page.fill("#daily_quota", "50")
    page.click("#save-service")
    expect(page.locator(".flash.ok")).to_contain_text("เพิ่มบริการแล้ว")
    expect(page.locator("#service-E")).to_contain_text("ขออนุญาตประกอบกิจการ")
    expect(page.locator("#service-E")).to_contain_text("ยังไม่มีช่องบริการ")
    fits(page)
    shoot(page, "admin-services.png")

    page.goto(f"{srv.url}/admin/counters/new")
    page.fill("#code", "9")
    page.fill("#name_th", "ช่องบริการ 9 (ใบอนุญาต)")
    page.fill("#name_en", "Counter 9 (licences)")
    page.fill("#weight_E", "5")
    fits(page)
    shoot(page, "admin-counter-form.png")
    page.click("#save-counter")
    expect(page.locator(".flash.ok")).to_contain_text("บันทึกช่องบริการแล้ว")
    expect(page.locator("#counter-9")).to_contain_text("E · ขออนุญาตประกอบกิจการ (5)")
    fits(page)
    shoot(page, "admin-counters.png")

    # An officer token bound to the new counter, read off the page that shows it once.
    page.goto(f"{srv.url}/admin/devices")
    page.select_option("#token-role", "officer")
    page.fill("#token-name", "โต๊ะ 9")
    page.select_option("#token-counter", "9")
    page.click("#create-token-button")
    token = page.locator("#token").inner_text().strip()
    assert token.startswith("swq_")
    fits(page)

    kiosk = office.auth("kiosk")
    older = requests.post(
        f"{srv.url}/api/v1/tickets", json={"service": "A"}, headers=kiosk, timeout=10
    )
    assert older.status_code == 201, older.text
    ticket = requests.post(
        f"{srv.url}/api/v1/tickets", json={"service": "E"}, headers=kiosk, timeout=10
    )
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["number"] == "E001"
    called = requests.post(
        f"{srv.url}/api/v1/counters/9/next",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert called.status_code == 200, called.text
    assert (called.json()["id"], called.json()["counter"]) == (ticket.json()["id"], "9")

    page.goto(f"{srv.url}/admin/audit?actor={ADMIN}")
    for action in ("เพิ่มบริการ E", "เพิ่มช่องบริการ 9", "สร้างโทเคนอุปกรณ์"):
        expect(page.locator("#audit")).to_contain_text(action)
    fits(page)

    for path in PAGES:
        page.goto(f"{srv.url}{path}")
        fits(page)
    tablet = browser.new_page(viewport=TABLET)
    tablet.context.add_cookies(page.context.cookies())
    for path in PAGES:
        tablet.goto(f"{srv.url}{path}")
        fits(tablet)
        if path == "/admin/priority":
            shoot(tablet, "admin-priority-tablet.png")
    shoot(tablet, "admin-devices-tablet.png")
    tablet.goto(f"{srv.url}/admin/devices?lang=en")
    expect(tablet.locator("h1").first).to_have_text("Device health")
    page.close()
    tablet.close()
    assert PASSWORD not in log.read_text(errors="replace")
    assert token not in log.read_text(errors="replace")


def test_a_refused_form_in_the_browser_says_why(
    browser: Browser, server: tuple[ServerProcess, Office, Path]
) -> None:
    srv, _, _ = server
    page = browser.new_page(viewport=LAPTOP)
    page.goto(f"{srv.url}/login?next=/admin/services/new")
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.fill("#code", "A")
    page.fill("#name_th", "ซ้ำ")
    page.fill("#name_en", "Duplicate")
    page.click("#save-service")
    expect(page.locator(".flash.error")).to_have_text("มีบริการรหัส A อยู่แล้ว")
    expect(page.locator("#name_th")).to_have_value("ซ้ำ")
    fits(page)
    shoot(page, "admin-service-refused.png")
    page.close()
