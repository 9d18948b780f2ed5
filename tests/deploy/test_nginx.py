"""The shipped nginx site file in front of a real `swq server`, over TLS with a certificate the
test makes: a kiosk's ticket, an officer's sign-in and the live stream go through it; the server
sees each citizen's own address; a forged X-Forwarded-For changes nothing."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from queue_server.db import schema as t
from queue_server.db.engine import make_engine
from queue_server.db.migrate import upgrade
from tests.deploy.nginx import Nginx
from tests.server.conftest import Office, load_test_office
from tests.server.people import sign_in_over_http
from tests.server.processes import EventClient, ServerProcess
from tests.server.test_admin_browser import fits, shoot

PHONE = {"width": 390, "height": 844}
CITIZEN = "127.0.0.5"  # nginx itself connects to the server from 127.0.0.1


@dataclass
class Site:
    nginx: Nginx
    server: ServerProcess
    office: Office
    database_url: str

    def audit_addresses(self, action: str) -> list[str]:
        engine = make_engine(self.database_url)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.audit_log.c.address).where(t.audit_log.c.action == action)
            ).scalars()
            addresses = list(rows)
        engine.dispose()
        return addresses


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("deploy")
    database_url = f"sqlite:///{folder / 'swq.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    office = load_test_office(database_url)
    server = ServerProcess(
        database_url, log_path=folder / "server.log", env={"SWQ_TRUSTED_PROXY_COUNT": "1"}
    ).start()
    nginx = Nginx(folder / "nginx", upstream_port=server.port)
    try:
        nginx.start()
        yield Site(nginx, server, office, database_url)
    finally:
        nginx.stop()
        server.stop()


def test_a_kiosk_issues_a_ticket_over_tls_and_its_status_link_says_https(site: Site) -> None:
    answer = site.nginx.session().post(
        f"{site.nginx.url}/api/v1/tickets",
        json={"service": "A"},
        headers=site.office.auth("kiosk"),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    # X-Forwarded-Proto and the Host with its port reach the app: the QR link points back here.
    assert answer.json()["status_url"].startswith(f"{site.nginx.url}/t/")
    assert answer.headers["Server"] == "nginx"  # no version announced


def test_plain_http_is_sent_to_https_and_big_bodies_stop_at_nginx(site: Site) -> None:
    plain = requests.get(
        f"http://127.0.0.1:{site.nginx.http_port}/board", allow_redirects=False, timeout=10
    )
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://127.0.0.1")
    huge = site.nginx.session().post(
        f"{site.nginx.url}/api/v1/tickets",
        data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={**site.office.auth("kiosk"), "Content-Type": "application/json"},
        timeout=30,
    )
    assert huge.status_code == 413


def test_sign_in_through_nginx_records_the_citizens_address_not_a_forged_one(site: Site) -> None:
    session = site.nginx.session(source_address=CITIZEN)
    page = session.get(f"{site.nginx.url}/login", timeout=10).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert csrf is not None
    wrong = session.post(
        f"{site.nginx.url}/login",
        data={"username": "somchai", "password": "wrong", "csrf_token": csrf.group(1)},
        headers={"X-Forwarded-For": "203.0.113.9"},
        timeout=10,
    )
    assert wrong.status_code == 401
    _, landed = sign_in_over_http(site.nginx.url, "somchai", "change-me", session=session)
    assert "somchai" in landed
    assert site.audit_addresses("login.failed") == [CITIZEN]
    assert site.audit_addresses("login") == [CITIZEN]


def test_the_event_stream_passes_each_event_through_at_once(site: Site) -> None:
    board = EventClient(f"{site.nginx.url}/api/v1/events", context=site.nginx.ssl_context())
    kiosk = site.nginx.session()
    try:
        assert board.response.status == 200
        assert board.response.getheader("Content-Type").startswith("text/event-stream")
        issued = kiosk.post(
            f"{site.nginx.url}/api/v1/tickets",
            json={"service": "A"},
            headers=site.office.auth("kiosk"),
            timeout=10,
        )
        assert issued.status_code == 201, issued.text
        # Buffered, a few hundred bytes would wait in nginx for more: each event must come
        # alone, within a second of its request's answer (it is committed before the answer).
        assert [e.event for e in board.wait_for(1, timeout_s=1.0)] == ["ticket.issued"]
        called = kiosk.post(
            f"{site.nginx.url}/api/v1/counters/1/next",
            headers=site.office.auth("officer1"),
            timeout=10,
        )
        assert called.status_code == 200, called.text
        events = board.wait_for(2, timeout_s=1.0)
        assert [e.event for e in events] == ["ticket.issued", "ticket.called"]
        assert events[1].json()["ticket_id"] == called.json()["id"]
    finally:
        board.close()


def test_the_landing_page_in_a_browser_through_nginx(site: Site, browser: Browser) -> None:
    for name, size in (("laptop", {"width": 1366, "height": 768}), ("phone", PHONE)):
        context = browser.new_context(viewport=size, ignore_https_errors=True)
        page = context.new_page()
        page.goto(f"{site.nginx.url}/")
        expect(page.locator("h1")).to_have_text("ระบบบัตรคิวศูนย์บริการร่วม")
        fits(page)
        shoot(page, f"landing-{name}.png")
        context.close()
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    page.goto(f"{site.nginx.url}/?lang=en")
    page.get_by_role("link", name="Udon Thani One-Stop Service Centre").click()
    expect(page).to_have_url(f"{site.nginx.url}/board?office=udn")
    page.go_back()
    page.get_by_role("link", name="Officer console").click()
    expect(page).to_have_url(re.compile(r"/login"))
    context.close()


def test_slow_clients_wait_in_nginx_while_a_kiosk_is_served(site: Site) -> None:
    """300 connections that never finish their headers stop a server that meets them alone;
    nginx holds them and passes on only whole requests."""
    context = site.nginx.ssl_context()
    held = []
    try:
        for _ in range(300):
            raw = socket.create_connection(("127.0.0.1", site.nginx.https_port), timeout=10)
            sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
            sock.sendall(b"GET /api/v1/services HTTP/1.1\r\nHost: swq\r\n")
            held.append(sock)
        answer = site.nginx.session().post(
            f"{site.nginx.url}/api/v1/tickets",
            json={"service": "A"},
            headers=site.office.auth("kiosk"),
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
    finally:
        for sock in held:
            sock.close()


def test_sign_in_guesses_from_one_address_are_turned_away_by_nginx(site: Site) -> None:
    session = site.nginx.session(source_address="127.0.0.9")
    answers = [
        session.post(
            f"{site.nginx.url}/login",
            data={"username": f"guess{n}", "password": "x", "csrf_token": "x"},
            timeout=10,
        ).status_code
        for n in range(15)
    ]
    # A burst of 10 passes to the server (which refuses the missing CSRF token), then 429.
    assert set(answers[:10]) == {400}
    assert set(answers[11:]) == {429}
