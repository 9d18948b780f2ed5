"""A walk-in ticket taken on a phone, in a real Chromium at a phone's size: today's QR gives the
form, the form gives the status page (the ticket), yesterday's QR and a second ticket from the
same browser are refused clearly, and an office that switched phone tickets off says so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, expect

from queue_server.web.phone_qr import day_token
from tests.browser import SCREENSHOTS
from tests.server.conftest import Office, count_rows, load_test_office
from tests.server.processes import ServerProcess

SECRET = "phone-ticket-test-secret"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Office]]:
    tmp = tmp_path_factory.mktemp("phone")
    url = f"sqlite:///{tmp}/swq.db"
    from queue_server.db.engine import make_engine
    from queue_server.db.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    office = load_test_office(url)
    server = ServerProcess(url, log_path=tmp / "server.log", env={"SWQ_SECRET_KEY": SECRET})
    server.start()
    yield server, office
    server.stop()


def _door(srv: ServerProcess, office: Office, days_ago: int = 0) -> str:
    today = datetime.now(ZoneInfo("Asia/Bangkok")).date() - timedelta(days=days_ago)
    return f"{srv.url}/phone/{office.code}/{day_token(SECRET, office.code, today)}"


def test_a_phone_takes_one_ticket_and_lands_on_its_status_page(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    srv, office = server
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(_door(srv, office))
    expect(page.locator("h1")).to_have_text("รับบัตรคิวทางโทรศัพท์")
    page.get_by_label("บัตรประจำตัวประชาชน").check()
    page.get_by_label("ผู้สูงอายุ").check()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "phone-ticket-form.png")
    page.locator("#take").click()
    expect(page.locator("#number")).to_have_text("B001")
    expect(page.locator("#state")).to_have_text("รอเรียก")
    assert "/t/" in page.url
    cookie = next(c for c in context.cookies() if c["name"] == "swq_phone")
    assert cookie["httpOnly"]
    page.screenshot(path=SCREENSHOTS / "phone-ticket-status.png")

    # The same browser again: the form is not offered, the ticket it holds is.
    page.goto(_door(srv, office))
    expect(page.locator("#held")).to_contain_text("ท่านมีบัตรคิวที่ยังรอเรียกอยู่")
    expect(page.locator("#take")).to_have_count(0)
    page.locator("#held-link").click()
    expect(page.locator("#number")).to_have_text("B001")
    context.close()


def test_a_second_ticket_from_the_same_browser_is_refused(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    srv, office = server
    context = browser.new_context(**PHONE)
    first, second = context.new_page(), context.new_page()
    # Two tabs opened the form before either took a ticket: the second tap is refused.
    first.goto(_door(srv, office))
    second.goto(_door(srv, office))
    first.locator("#take").click()
    expect(first.locator("#state")).to_have_text("รอเรียก")
    before = count_rows(srv.database_url, "tickets")
    with second.expect_response(lambda r: r.request.method == "POST") as answer:
        second.locator("#take").click()
    assert answer.value.status == 409
    expect(second.locator("#error")).to_contain_text("รับได้ครั้งละหนึ่งใบ")
    expect(second.locator("#error")).to_contain_text("one at a time")
    assert count_rows(srv.database_url, "tickets") == before

    # Once that ticket has left the queue, the same browser may take another.
    ticket_id = first.url.split("/t/")[1].split("?")[0]
    cancelled = requests.post(
        f"{srv.url}/api/v1/tickets/{ticket_id}/cancel", json={}, headers=office.auth("officer1")
    )
    assert cancelled.status_code == 200
    second.goto(_door(srv, office))
    second.locator("#take").click()
    expect(second.locator("#state")).to_have_text("รอเรียก")
    context.close()


def test_yesterdays_qr_refuses_in_thai_and_english(
    browser: Browser, server: tuple[ServerProcess, Office]
) -> None:
    srv, office = server
    page = browser.new_page(**PHONE)
    response = page.goto(_door(srv, office, days_ago=1))
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("คิวอาร์โค้ดนี้ไม่ใช่ของวันนี้ กรุณาสแกนคิวอาร์โค้ดที่สำนักงานในวันนี้")
    expect(page.locator("body")).to_contain_text("This QR code is not today's")
    page.close()
    # Posting to it takes nothing either.
    refused = requests.post(_door(srv, office, days_ago=1), data={"service": "A"}, timeout=10)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "qr_expired"


def _form_token(client: FlaskClient, door: str) -> str:
    page = client.get(door).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def test_phone_tickets_are_limited_per_address(app: Flask, office: Office) -> None:
    app.config["PHONE_RATE_LIMIT"] = 2
    today = datetime.now(ZoneInfo("Asia/Bangkok")).date()
    door = f"/phone/{office.code}/{day_token(str(app.secret_key), office.code, today)}"
    answers = []
    for _ in range(3):  # three browsers (each its own cookies) behind one address
        phone = app.test_client()
        csrf = _form_token(phone, door)
        answers.append(phone.post(door, data={"service": "A", "csrf_token": csrf}))
    assert [a.status_code for a in answers] == [303, 303, 429]
    assert answers[2].json["error"]["message_th"].startswith("มีการรับบัตรคิวจากเครือข่ายนี้ถี่เกินไป")
    assert count_rows(app.config["DATABASE_URL"], "tickets") == 2
    # A form without its token takes nothing.
    stale = app.test_client().post(door, data={"service": "A"})
    assert stale.status_code == 400


def test_the_board_shows_todays_qr_when_asked(client: FlaskClient, office: Office) -> None:
    assert 'id="phone-qr"' not in client.get(f"/board?office={office.code}").get_data(as_text=True)
    board = client.get(f"/board?office={office.code}&phone_qr=1").get_data(as_text=True)
    assert f'src="/phone-qr/{office.code}"' in board
    image = client.get(f"/phone-qr/{office.code}")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert image.get_data(as_text=True).startswith("<svg")
