"""The webhook notifier and its outbox, on SQLite and PostgreSQL: a notice is written with the
call that causes it, a local HTTP server on 127.0.0.1 receives exactly one POST per notice,
a 500 is retried with backoff, the last try gives up cleanly, and neither the contact nor the
notice's contents reach the server's log."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, expect

from core.phone_settings import PhoneSettings
from queue_server.db.engine import make_engine
from queue_server.db.outbox import RetryPolicy, claim
from queue_server.notify.sender import NoticeSender, deliver_due
from queue_server.notify.webhook import WebhookNotifier
from queue_server.offices import write_phone
from queue_server.web.phone_qr import day_token
from tests.server.conftest import Office, load_test_office
from tests.server.people import add_user, sign_in
from tests.server.processes import ServerProcess
from tests.server.test_api import call, issue

CONTACT = "0812345678"


class Gateway:
    """An SMS gateway stand-in: records every POST and answers with the next planned status."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str]] = []
        self.statuses: list[int] = []
        self.arrived = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.received.append((json.loads(body), self.headers["Idempotency-Key"]))
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                gateway.arrived.set()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms?key=gateway-secret"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gateway = Gateway()
    yield gateway
    gateway.close()


@pytest.fixture
def hooked(app: Flask, office: Office, gateway: Gateway) -> Flask:
    db = app.extensions["swq"].db
    with db.writing() as conn:
        write_phone(conn, office.code, PhoneSettings(webhook_url=gateway.url))
    return app


POLICY = RetryPolicy(max_attempts=3, retry_s=10, retry_max_s=600, lease_s=60)


def _deliver(app: Flask, at: datetime, policy: RetryPolicy = POLICY) -> int:
    with requests.Session() as session:
        return deliver_due(
            app.extensions["swq"].db,
            lambda: at,
            policy,
            lambda url: WebhookNotifier(url, timeout_s=5, session=session),
        )


def _outbox(app: Flask) -> list[Any]:
    with app.extensions["swq"].db.engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT kind, state, attempts, contact, last_result FROM notice_outbox"
                    " ORDER BY id"
                )
            )
        )


def _subscribe(client: FlaskClient, ticket: dict[str, Any], **body: Any) -> Any:
    key = ticket["status_url"].split("key=")[1]
    return client.post(f"/api/v1/tickets/{ticket['id']}/notices?key={key}", json=body)


def test_one_post_per_notice_and_no_contact_in_the_log(
    hooked: Flask,
    client: FlaskClient,
    office: Office,
    gateway: Gateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    ahead = [issue(client, office) for _ in range(3)]
    mine = issue(client, office)
    answer = _subscribe(client, mine, contact=CONTACT, ahead=1)
    assert answer.status_code == 200 and answer.json == {"ticket_id": mine["id"], "ahead": 1}
    bad = _subscribe(client, mine, contact="<script>")
    assert bad.status_code == 422
    assert _outbox(hooked) == []

    call(client, office, "1")  # 2 ahead: not yet near
    assert _outbox(hooked) == []
    call(client, office, "3")  # 1 ahead: near, written with the call
    assert [(r.kind, r.state) for r in _outbox(hooked)] == [("near", "pending")]
    for ticket, counter in ((ahead[0], "1"), (ahead[1], "3")):
        done = client.post(
            f"/api/v1/tickets/{ticket['id']}/done",
            json={},
            headers=office.auth(f"officer{counter}"),
        )
        assert done.status_code == 200
    call(client, office, "3")  # ahead[2]: still near, nothing new
    call(client, office, "1")  # mine
    assert [r.kind for r in _outbox(hooked)] == ["near", "called"]

    now = datetime.now(UTC)
    assert _deliver(hooked, now) == 2
    assert _deliver(hooked, now + timedelta(hours=1)) == 0
    bodies = [body for body, _ in gateway.received]
    assert [(b["kind"], b["ticket"], b["contact"]) for b in bodies] == [
        ("near", "A004", CONTACT),
        ("called", "A004", CONTACT),
    ]
    near, called = bodies
    assert near["people_ahead"] == 1 and near["counter"] is None
    assert (called["office"], called["service"], called["counter"]) == ("udn", "A", "1")
    assert called["counter_name_th"] == "ช่องบริการ 1"
    assert datetime.fromisoformat(called["at"]).utcoffset() == timedelta(hours=7)
    assert [key for _, key in gateway.received] == [
        f"swq-notice-{near['notice_id']}",
        f"swq-notice-{called['notice_id']}",
    ]
    # Delivered: the outbox keeps the log, not the contact.
    assert [(r.state, r.attempts, r.contact, r.last_result) for r in _outbox(hooked)] == [
        ("sent", 1, None, "HTTP 200"),
        ("sent", 1, None, "HTTP 200"),
    ]
    assert f"notice {near['notice_id']} (near, office udn) try 1 of 3: HTTP 200 -> sent" in (
        caplog.text
    )
    assert CONTACT not in caplog.text
    # After the call nothing more is sent: the subscription keeps no contact either.
    with hooked.extensions["swq"].db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT contact FROM notice_subscriptions")).scalar() == ""


def test_a_500_is_retried_with_backoff_and_the_last_try_gives_up(
    hooked: Flask,
    client: FlaskClient,
    office: Office,
    gateway: Gateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Taken with nobody ahead: near at once, written with the subscription.
    first, second = issue(client, office), issue(client, office, "B")
    assert _subscribe(client, first, contact=CONTACT).status_code == 200
    assert _subscribe(client, second, contact=CONTACT).status_code == 200
    assert [r.kind for r in _outbox(hooked)] == ["near", "near"]
    # Asking again changes the contact, never sends twice.
    assert _subscribe(client, first, contact="0899999999").status_code == 200
    assert len(_outbox(hooked)) == 2

    now = datetime.now(UTC)
    gateway.statuses = [500, 500, 500, 200]  # the first notice fails twice; the second once
    assert _deliver(hooked, now) == 2
    assert [(r.state, r.attempts) for r in _outbox(hooked)] == [("pending", 1), ("pending", 1)]
    assert _deliver(hooked, now + timedelta(seconds=9)) == 0  # backoff: 10 s after the 1st try
    assert _deliver(hooked, now + timedelta(seconds=10)) == 2
    assert [(r.state, r.attempts) for r in _outbox(hooked)] == [("pending", 2), ("sent", 2)]
    assert _deliver(hooked, now + timedelta(seconds=29)) == 0  # then 20 s after the 2nd
    gateway.statuses = [500]
    assert _deliver(hooked, now + timedelta(seconds=30)) == 1
    rows = _outbox(hooked)
    assert [(r.state, r.attempts, r.contact) for r in rows] == [
        ("failed", 3, None),
        ("sent", 2, None),
    ]
    assert rows[0].last_result == "HTTP 500"
    assert _deliver(hooked, now + timedelta(days=1)) == 0
    ids = [body["notice_id"] for body, _ in gateway.received]
    assert len(ids) == 5 and ids.count(ids[0]) == 3
    assert "try 3 of 3: HTTP 500 -> failed" in caplog.text
    assert any(r.levelno == logging.WARNING and "failed" in r.getMessage() for r in caplog.records)
    assert CONTACT not in caplog.text and "0899999999" not in caplog.text

    # The admin page shows the delivery log, without the contacts.
    add_user(db_url(hooked), office.code, "boss", "boss-secret-77", role="admin")
    sign_in(client, "boss", "boss-secret-77")
    page = client.get("/admin/phone").get_data(as_text=True)
    assert "ส่งไม่สำเร็จ เลิกส่งแล้ว" in page and "HTTP 500" in page and "A001" in page
    assert CONTACT not in page and "0899999999" not in page


def db_url(app: Flask) -> str:
    return str(app.config["DATABASE_URL"])


def test_the_server_sends_what_a_citizen_asked_for_on_the_status_page(
    browser: Browser, sqlite_url: str, tmp_path: Path, gateway: Gateway
) -> None:
    office = load_test_office(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        write_phone(conn, office.code, PhoneSettings(webhook_url=gateway.url))
    engine.dispose()
    env = {"SWQ_NOTICE_POLL_S": "0.1", "SWQ_SECRET_KEY": "notices-test"}
    server = ServerProcess(sqlite_url, log_path=tmp_path / "server.log", env=env).start()
    try:
        mine = requests.post(
            f"{server.url}/api/v1/tickets", json={"service": "C"}, headers=office.auth("kiosk")
        ).json()
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(mine["status_url"])
        page.locator("#notify-contact").fill(CONTACT)
        page.locator("#notify-send").click()
        expect(page.locator("#notify-sent")).to_have_text("จะส่งข้อความแจ้งท่านเมื่อใกล้ถึงคิวและเมื่อถูกเรียก")
        # Nobody ahead: near at once; the server's own sender delivers it.
        assert gateway.arrived.wait(10)
        body, _ = gateway.received[0]
        assert (body["kind"], body["ticket"], body["contact"]) == ("near", "C001", CONTACT)
        page.close()

        # A ticket taken on a phone with a contact: told too, from the same transaction.
        gateway.arrived.clear()
        today = datetime.now(ZoneInfo("Asia/Bangkok")).date()
        token = day_token("notices-test", office.code, today)
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(f"{server.url}/phone/{office.code}/{token}")
        phone.locator("#contact").fill("0811111111")
        phone.locator("#take").click()
        expect(phone.locator("#number")).to_have_text("A001")
        assert gateway.arrived.wait(10)
        body, _ = gateway.received[1]
        assert (body["kind"], body["ticket"], body["contact"]) == ("near", "A001", "0811111111")
        phone.close()
    finally:
        server.stop()
    assert len(gateway.received) == 2
    assert CONTACT not in (tmp_path / "server.log").read_text()


def test_a_claimed_notice_is_not_claimed_again_until_its_lease_ends(
    hooked: Flask, client: FlaskClient, office: Office
) -> None:
    mine = issue(client, office)
    assert _subscribe(client, mine, contact=CONTACT).status_code == 200
    db = hooked.extensions["swq"].db
    now = datetime.now(UTC)
    if not db.sqlite:
        # Another sender is claiming it right now: PostgreSQL skips the locked row, no waiting.
        with db.engine.connect() as other, other.begin():
            other.execute(sa.text("SELECT id FROM notice_outbox FOR UPDATE"))
            assert claim(db, now, POLICY) == []
    taken = claim(db, now, POLICY)
    assert [c.notice.contact for c in taken] == [CONTACT]
    assert claim(db, now + timedelta(seconds=59), POLICY) == []
    # Its sender died: after the lease another takes it over, as the next try.
    again = claim(db, now + timedelta(seconds=60), POLICY)
    assert [c.attempt for c in again] == [2]


def test_on_sqlite_one_process_sends_and_another_takes_over(app: Flask) -> None:
    db = app.extensions["swq"].db
    first = NoticeSender(db, lambda: datetime.now(UTC), app.config)
    second = NoticeSender(db, lambda: datetime.now(UTC), app.config)
    try:
        assert first.sends()
        # PostgreSQL: every process sends (claims skip each other's rows); SQLite: one at a time.
        assert second.sends() is not db.sqlite
        first.stop()
        assert second.sends()
    finally:
        first.stop()
        second.stop()


def test_asking_for_notices_without_a_webhook_or_the_key_is_refused(
    client: FlaskClient, office: Office
) -> None:
    mine = issue(client, office)
    wrong = client.post(
        f"/api/v1/tickets/{mine['id']}/notices?key=guess", json={"contact": CONTACT}
    )
    assert wrong.status_code == 404
    refused = _subscribe(client, mine, contact=CONTACT)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "no_notices"
    assert refused.json["error"]["message_th"].startswith("สำนักงานนี้ไม่ได้ส่งการแจ้งเตือน")


def test_each_call_follows_the_webhook_another_process_saves(
    hooked: Flask, client: FlaskClient, office: Office, gateway: Gateway, database_url: str
) -> None:
    first, mine = issue(client, office), issue(client, office)
    assert _subscribe(client, mine, contact=CONTACT, ahead=0).status_code == 200
    elsewhere = make_engine(database_url)  # another server process, or the admin's

    def save(url: str | None) -> None:
        with elsewhere.begin() as conn:
            write_phone(conn, office.code, PhoneSettings(webhook_url=url))

    statements: list[str] = []
    engine = hooked.extensions["swq"].db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    save(None)
    assert call(client, office)["id"] == first["id"]
    # Without a webhook nobody can be told: a call does not look for whom to tell.
    assert not any("notice_subscriptions" in s for s in statements)
    assert _outbox(hooked) == []
    save(gateway.url)
    done = client.post(f"/api/v1/tickets/{first['id']}/done", headers=office.auth("officer1"))
    assert done.status_code == 200
    assert call(client, office)["id"] == mine["id"]
    assert [row.kind for row in _outbox(hooked)] == ["called"]
    elsewhere.dispose()
