"""The province dashboard in a real browser (Debian's chromium) against one `swq server`: a
ticket issued in one office appears on the province admin's dashboard without a reload; an
office admin is refused in Thai and English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser import SCREENSHOTS
from tests.server.conftest import (
    OFFICE_FILE,
    SECOND_OFFICE_FILE,
    Office,
    fresh_database,
    load_test_office,
)
from tests.server.processes import ServerProcess
from tests.server.test_province import PROVINCE, admin


@dataclass
class Province:
    server: ServerProcess
    offices: dict[str, Office]


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Province]:
    folder = tmp_path_factory.mktemp("province")
    url = fresh_database("sqlite", folder, "", sqlite_template)
    files = {
        "udn": OFFICE_FILE.read_text(encoding="utf-8")
        + PROVINCE
        + admin("boss", province=True)
        + admin("udn-admin"),
        "kkn": SECOND_OFFICE_FILE.read_text(encoding="utf-8") + PROVINCE,
    }
    offices = {}
    for code, text in files.items():
        path = folder / f"{code}.toml"
        path.write_text(text, encoding="utf-8")
        offices[code] = load_test_office(url, path)
    server = ServerProcess(url, log_path=folder / "server.log").start()
    yield Province(server, offices)
    server.stop()


def sign_in(page: Page, url: str, office: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.select_option("#office", office)
    page.fill("#username", username)
    page.fill("#password", f"pw-{username}")
    page.click("#sign-in")
    page.wait_for_url(re.compile(r"/(admin|console|supervisor)"))


def test_a_ticket_issued_in_another_office_appears_without_a_reload(
    browser: Browser, province: Province
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, province.server.url, "udn", "boss")
    # The first drawing after the stream opens is the whole page; after that, only offices
    # with news are asked for again.
    with page.expect_request("**/admin/province/live/offices"):
        page.goto(f"{province.server.url}/admin/province/live")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    kkn = page.locator("#office-kkn")
    expect(kkn.locator(".waiting")).to_have_text("0")
    expect(page.locator("#office-udn")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    issued = requests.post(
        f"{province.server.url}/api/v1/tickets",
        json={"service": "A"},
        headers=province.offices["kkn"].auth("kiosk"),
        timeout=10,
    )
    assert issued.status_code == 201, issued.text
    expect(kkn.locator(".waiting")).to_have_text("1")
    expect(page.locator("#service-kkn-A")).to_contain_text("1")
    expect(page.locator("#office-udn .waiting")).to_have_text("0")
    called = requests.post(
        f"{province.server.url}/api/v1/counters/1/next",
        headers=province.offices["kkn"].auth("officer1"),
        timeout=10,
    )
    assert called.status_code == 200, called.text
    expect(kkn.locator(".waiting")).to_have_text("0")
    expect(kkn.locator(".serving")).to_have_text("1")
    expect(kkn.locator(".within")).to_have_text("100%")
    assert page.evaluate("window.notReloaded") is True
    redrawn = [url.split("/admin/province/live/", 1)[1] for url in asked if "/live/" in url]
    assert redrawn and set(redrawn) == {"office/kkn"}, asked
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "province-live-1366x900.png", full_page=True)
    # The province report draws the same call in its charts, offices side by side.
    page.goto(f"{province.server.url}/admin/province")
    expect(page.locator("#chart-service-level svg")).to_contain_text("100% (1/1)")
    expect(page.locator("#chart-arrivals svg")).to_contain_text("ขอนแก่น")
    page.screenshot(path=SCREENSHOTS / "province-report-1366x900.png", full_page=True)
    page.close()


def test_an_office_admin_is_refused_the_province_dashboard(
    browser: Browser, province: Province
) -> None:
    page = browser.new_page()
    sign_in(page, province.server.url, "udn", "udn-admin")
    for path in ("/admin/province/live", "/admin/province/live/events"):
        response = page.goto(f"{province.server.url}{path}")
        assert response is not None and response.status == 403, path
        text = page.locator("body").inner_text()
        assert "บัญชีนี้ไม่มีสิทธิ์เปิดหน้านี้" in text
        assert "This account may not open this page." in text
    page.close()
