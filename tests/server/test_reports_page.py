"""The admin report page and the citizens' rating forms in a real browser (Debian's chromium)
against a real server process; screenshots go to build/screenshots/."""

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
from tests.server.test_reports import DAY, app_with_clock, play_scripted_day


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, Office]]:
    """The scripted day of test_reports.py played in-process with a set clock, then a real
    server on the same database file."""
    office = load_test_office(sqlite_url)
    with app_with_clock(sqlite_url, office) as day:
        play_scripted_day(day)
    add_user(sqlite_url, office.code, "boss", "secret-pass", role="admin")
    server = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    yield server, office
    server.stop()


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", "boss")
    page.fill("#password", "secret-pass")
    page.click("#sign-in")


def chart_sizes(page: Page) -> list[tuple[int, int]]:
    """The drawn size of each chart (an SVG placed in the page)."""
    return [
        (round(box["width"]), round(box["height"]))
        for box in page.evaluate(
            """[...document.querySelectorAll('.chart svg')].map(svg => {
                 const r = svg.getBoundingClientRect(); return {width: r.width, height: r.height};
               })"""
        )
    ]


def test_report_page_shows_tables_and_charts(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    srv, _ = server
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{srv.url}/admin/reports?date={DAY}")
    expect(page.locator("#username")).to_be_visible()  # signed out: the sign-in page
    sign_in(page, srv.url)
    page.goto(f"{srv.url}/admin/reports?date={DAY}")
    expect(page.locator("#range")).to_have_text("26 พ.ย. 2569")
    expect(page.locator("#totals")).to_contain_text("ผู้มาติดต่อ")
    expect(page.locator("#totals")).to_contain_text("57%")  # 4 of 7 within target
    expect(page.locator("#services")).to_contain_text("A ทะเบียนราษฎร์")
    expect(page.locator("#counters")).to_contain_text("ประชุม: 1 \u00d7 20.0")
    expect(page.locator("#officers")).to_contain_text("somchai")
    sizes = chart_sizes(page)
    assert len(sizes) == 3 and all(w > 300 and h > 100 for w, h in sizes), sizes
    # The charts' words are text in the page's Sarabun: the browser shapes the Thai.
    expect(page.locator("#chart-service-level")).to_contain_text("A ทะเบียนราษฎร์")
    expect(page.locator("#chart-arrivals")).to_contain_text("เวลารอเฉลี่ย (นาที)")
    expect(page.locator("#chart-utilisation")).to_contain_text("ช่องบริการ 2")
    family = page.evaluate(
        "getComputedStyle(document.querySelector('#chart-service-level svg text')).fontFamily"
    )
    assert "Sarabun" in family
    # Nothing wider than the window: wide tables scroll inside their own box.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "reports-th.png", full_page=True)

    page.goto(f"{srv.url}/admin/reports?date={DAY}&to=2026-11-27&lang=en")
    expect(page.locator("#range")).to_have_text("26 Nov 2026 - 27 Nov 2026")
    expect(page.locator("#days")).to_contain_text("27 Nov 2026")
    expect(page.locator("#services")).to_contain_text("A Civil registration")
    expect(page.locator("#chart-service-level")).to_contain_text("A Civil registration")
    assert len(chart_sizes(page)) == 3
    page.screenshot(path=SCREENSHOTS / "reports-en.png", full_page=True)

    with page.expect_download() as download:
        page.click("#xlsx")
    assert download.value.suggested_filename == f"swq-udn-{DAY}-2026-11-27.xlsx"

    page.goto(f"{srv.url}/admin/reports?date=2026-02-30")
    expect(page.locator("#error")).to_be_visible()
    page.close()


def test_officers_cannot_open_reports(sqlite_url: str, tmp_path: Path) -> None:
    office = load_test_office(sqlite_url)
    srv = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    try:
        session = requests.Session()
        page = session.get(f"{srv.url}/login", timeout=10).text
        marker = 'name="csrf-token" content="'
        token = page[page.index(marker) + len(marker) :].split('"', 1)[0]
        signed = session.post(
            f"{srv.url}/login",
            data={
                "username": "somchai",
                "password": "change-me",
                "csrf_token": token,
                "office": office.code,
            },
            timeout=10,
        )
        assert signed.ok
        assert session.get(f"{srv.url}/admin/reports", timeout=10).status_code == 403
    finally:
        srv.stop()


def test_citizen_rates_a_finished_visit_on_the_status_page(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    srv, office = server
    ticket = requests.post(
        f"{srv.url}/api/v1/tickets", json={"service": "A"}, headers=office.auth("kiosk"), timeout=10
    ).json()
    before = ratings(srv, office, ticket["issued_at"][:10])
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(ticket["status_url"])
    expect(page.locator("#feedback")).to_be_hidden()
    officer = office.auth("officer1")
    called = requests.post(f"{srv.url}/api/v1/counters/1/next", headers=officer, timeout=10)
    assert called.json()["id"] == ticket["id"]
    requests.post(
        f"{srv.url}/api/v1/tickets/{ticket['id']}/done", json={}, headers=officer, timeout=10
    )
    expect(page.locator("#feedback")).to_be_visible(timeout=10_000)
    page.click(".faces button[data-rating='4']")
    page.fill("#comment", "เจ้าหน้าที่บริการดีมาก")
    page.screenshot(path=SCREENSHOTS / "status-feedback.png")
    page.click("#send")
    expect(page.locator("#thanks")).to_be_visible()
    page.reload()
    expect(page.locator("#thanks")).to_be_visible()  # rated once: the form stays away
    page.close()

    tablet = browser.new_page(viewport={"width": 1024, "height": 600})
    tablet.goto(f"{srv.url}/feedback/1?token={office.tokens['display']}")  # set up once
    expect(tablet.locator("#idle")).to_be_visible()  # its last ticket is rated already
    second = requests.post(
        f"{srv.url}/api/v1/tickets", json={"service": "A"}, headers=office.auth("kiosk"), timeout=10
    ).json()
    requests.post(f"{srv.url}/api/v1/counters/1/next", headers=officer, timeout=10)
    requests.post(
        f"{srv.url}/api/v1/tickets/{second['id']}/done", json={}, headers=officer, timeout=10
    )
    tablet.reload()
    expect(tablet.locator("#number")).to_have_text(second["number"])
    tablet.screenshot(path=SCREENSHOTS / "feedback-tablet.png")
    tablet.click("button[data-rating='5']")
    expect(tablet.locator("#thanks")).to_be_visible()
    tablet.close()

    after = ratings(srv, office, ticket["issued_at"][:10])
    assert after["A"][3:] == [before["A"][3] + 1, before["A"][4] + 1]
    assert sum(after["counter 1"]) == sum(before["counter 1"]) + 2


def ratings(srv: ServerProcess, office: Office, day: str) -> dict[str, list[int]]:
    """How many of each rating the day's report counts, per service and per counter."""
    report = requests.get(
        f"{srv.url}/api/v1/reports/summary?date={day}", headers=office.auth("admin"), timeout=10
    ).json()
    return {
        **{s["code"]: s["figures"]["feedback"]["ratings"] for s in report["services"]},
        **{f"counter {c['code']}": c["figures"]["feedback"]["ratings"] for c in report["counters"]},
    }
