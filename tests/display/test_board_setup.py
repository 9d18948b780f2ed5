"""An admin sets a board's layout and the office's colours and logo in Chromium; the web board
set up with its display token picks each change up while it runs, and the API hands the same
to every device. Refusals (a colour pair below WCAG AA, a file that is not a picture, a distance
out of range) say why in the admin's language (Thai here) and change nothing."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import requests
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from core.legibility import min_font_px
from tests.browser import SCREENSHOTS
from tests.display.conftest import Hall
from tests.server.people import add_user

ADMIN, PASSWORD = "boss", "boss-secret-77"
BOARD = {"width": 1920, "height": 1080}


@pytest.fixture
def admin(hall: Hall, sqlite_url: str) -> Hall:
    add_user(sqlite_url, hall.office.code, ADMIN, PASSWORD, role="admin")
    return hall


def logo_png() -> bytes:
    """A 1200x600 crest: a gold disc on transparency, bigger than the 600x300 kept."""
    image = Image.new("RGBA", (1200, 600), (0, 0, 0, 0))
    image.paste((255, 204, 0, 255), (300, 0, 900, 600))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page).to_have_url(f"{url}/admin")


def far_px(board: Page) -> float:
    return board.evaluate("parseFloat(document.body.style.getPropertyValue('--far'))")


def test_admin_changes_reach_a_running_web_board(
    browser: Browser, admin: Hall, tmp_path: Path
) -> None:
    url, office = admin.url, admin.office
    board = browser.new_page(viewport=BOARD)
    board.goto(f"{url}/board?voice=off&token={office.tokens['display']}")
    expect(board).to_have_url(f"{url}/board?voice=off&office={office.code}")  # token kept aside
    # The board flips between Thai and English every few seconds (either may show), so only its
    # columns class is checked.
    expect(board.locator("body")).to_have_class(re.compile(r"(^|\s)cols-2(\s|$)"))
    assert far_px(board) == pytest.approx(min_font_px(1920, 1080, 55, 10), abs=0.1)
    expect(board.locator("#logo")).to_be_hidden()

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, url)

    # The board's layout, on the Devices page.
    page.goto(f"{url}/admin/devices")
    form = page.locator(".layout-form").first
    form.locator("select[name=columns]").select_option("1")
    form.locator("input[name=waiting_counts]").check()
    form.locator("input[name=distance_m]").fill("5")
    form.locator("button").click()
    expect(page.locator(".flash.ok")).to_contain_text("บันทึกรูปแบบจอแล้ว")
    form = page.locator(".layout-form").first
    expect(form.locator("input[name=distance_m]")).to_have_value("5")
    # A distance the form's own checks would stop, sent anyway: a clear refusal.
    form.evaluate("f => { f.noValidate = true; f.distance_m.value = '400'; }")
    form.locator("button").click()
    expect(page.locator(".flash.error")).to_contain_text("ระยะอ่าน (เมตร): ตัวเลข 1 ถึง 40")
    form = page.locator(".layout-form").first
    expect(form.locator("input[name=distance_m]")).to_have_value("400")  # as typed, to mend
    expect(form.locator("select[name=columns]")).to_have_value("1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-board-layouts.png", full_page=True)

    board.evaluate("readOffice()")  # what the board does every 30 s
    expect(board.locator("body")).to_have_class(re.compile(r"(^|\s)cols-1(\s|$)"))
    expect(board.locator("#waiting .row")).to_have_count(
        len(requests.get(f"{url}/api/v1/services", timeout=10).json())
    )
    assert far_px(board) == pytest.approx(min_font_px(1920, 1080, 55, 5), abs=0.1)

    # The office's colours: a pair below WCAG AA is refused, a good one kept.
    page.goto(f"{url}/admin")
    page.fill("#primary", "#7f7f7f")
    page.fill("#accent", "#ffcc33")
    page.locator("#branding-form button").click()
    expect(page.locator(".flash.error")).to_contain_text(
        "สีหลัก #7f7f7f กับตัวอักษรสีขาว ต่างกันเพียง 4.0:1 ต่ำกว่า 4.5:1 ตามเกณฑ์ WCAG AA"
    )
    expect(page.locator("#primary")).to_have_value("#7f7f7f")  # what was typed, to mend
    page.fill("#primary", "#003366")
    page.fill("#accent", "#ffd700")
    page.locator("#branding-form button").click()
    expect(page.locator(".flash.ok")).to_contain_text("บันทึกสีแล้ว")

    # The logo: a file that is not a picture is refused, a PNG is kept, shrunk to 600x300.
    text_file = tmp_path / "logo.png"
    text_file.write_text("not a picture")
    page.set_input_files("#logo", str(text_file))
    page.locator("#logo-form button").click()
    expect(page.locator(".flash.error")).to_contain_text("โลโก้ต้องเป็นไฟล์ภาพ PNG หรือ JPEG")
    expect(page.locator("#logo-preview")).to_have_count(0)
    picture = tmp_path / "crest.png"
    picture.write_bytes(logo_png())
    page.set_input_files("#logo", str(picture))
    page.locator("#logo-form button").click()
    expect(page.locator(".flash.ok")).to_contain_text("บันทึกโลโก้แล้ว")
    expect(page.locator("#logo-preview")).to_be_visible()
    page.locator("#branding").screenshot(path=SCREENSHOTS / "admin-branding.png")

    board.evaluate("readOffice()")
    expect(board.locator("#logo")).to_be_visible()
    assert board.evaluate("document.getElementById('logo').naturalWidth") == 600
    background = board.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(0, 51, 102)"
    number = board.evaluate("getComputedStyle(document.querySelector('.tile .number')).color")
    assert number == "rgb(255, 215, 0)"
    board.screenshot(path=SCREENSHOTS / "board-web-branded-1920x1080.png")

    # What every device reads through the API.
    doc = requests.get(f"{url}/api/v1/office", headers=office.auth("kiosk"), timeout=10).json()
    assert doc["branding"]["primary"] == "#003366"
    assert doc["branding"]["accent"] == "#ffd700"
    logo = requests.get(f"{url}{doc['branding']['logo_url']}", timeout=10)
    assert logo.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(logo.content)).size == (600, 300)
    cached = requests.get(
        f"{url}{doc['branding']['logo_url']}",
        headers={"If-None-Match": logo.headers["ETag"]},
        timeout=10,
    )
    assert cached.status_code == 304
    layout = requests.get(f"{url}/api/v1/board/layout", headers=office.auth("display"), timeout=10)
    assert layout.json()["columns"] == 1 and layout.json()["distance_m"] == 5
    refused = requests.get(f"{url}/api/v1/board/layout", headers=office.auth("kiosk"), timeout=10)
    assert refused.status_code == 403

    # Removing the logo takes it off the board.
    page.goto(f"{url}/admin")
    page.locator("#logo-remove button").click()
    expect(page.locator(".flash.ok")).to_contain_text("ลบโลโก้แล้ว")
    board.evaluate("readOffice()")
    expect(board.locator("#logo")).to_be_hidden()
    board.close()
    page.close()
