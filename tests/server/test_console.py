"""Sign-in and the console's use of the API with the session: who may do what."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from queue_server.db.engine import make_engine
from tests.server.conftest import Office
from tests.server.people import add_user, csrf_of, sign_in
from tests.server.test_api import issue


def test_wrong_password_is_refused_and_logged_without_the_password(
    client: FlaskClient, office: Office, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = csrf_of(client)
    for username in ("somchai", "nobody"):
        response = client.post(
            "/login", data={"username": username, "password": "guess-1234", "csrf_token": token}
        )
        assert response.status_code == 401
        assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)
    assert client.get("/console").status_code == 302  # still signed out
    engine = make_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users")).scalars().all()
        audit = conn.execute(sa.text("SELECT actor, action, detail FROM audit_log")).all()
    engine.dispose()
    assert stored and all(h.startswith("scrypt:") and "change-me" not in h for h in stored)
    failed = [("somchai", "login.failed"), ("nobody", "login.failed")]
    assert [(actor, action) for actor, action, _ in audit] == failed
    assert not any("guess-1234" in d for _, _, d in audit)
    assert "guess-1234" not in caplog.text


def test_sign_in_needs_the_forms_csrf_token(client: FlaskClient, office: Office) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "somchai", "password": "change-me"})
    assert response.status_code == 400
    assert client.get("/console").status_code == 302


def test_signed_in_officer_acts_on_own_counter_only(client: FlaskClient, office: Office) -> None:
    csrf = sign_in(client, "somchai", "change-me")
    page = client.get("/console").get_data(as_text=True)
    assert "ช่องบริการ 1" in page
    issue(client, office, "A")
    no_token = client.post("/api/v1/counters/1/next")
    assert no_token.status_code == 403
    assert no_token.json["error"]["code"] == "csrf"
    called = client.post("/api/v1/counters/1/next", headers={"X-CSRF-Token": csrf})
    assert called.status_code == 200, called.json
    other = client.post("/api/v1/counters/2/next", headers={"X-CSRF-Token": csrf})
    assert other.status_code == 403
    assert other.json["error"]["code"] == "not_your_counter"
    # A bound officer cannot move to another counter by the picker either.
    moved = client.post("/console/counter", data={"counter": "2", "csrf_token": csrf})
    assert moved.status_code == 302
    again = client.post("/api/v1/counters/2/next", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 403
    admin_page = client.get("/admin", headers={"Accept": "text/html"})
    assert admin_page.status_code == 403
    assert "ไม่มีสิทธิ์" in admin_page.get_data(as_text=True)  # a page, not JSON, for a person


def test_admin_helping_out_picks_a_counter(
    client: FlaskClient, office: Office, database_url: str
) -> None:
    add_user(database_url, office.code, "head", "pass-word-9", role="admin")
    csrf = sign_in(client, "head", "pass-word-9")
    assert "วันนี้ประจำช่องบริการใด" in client.get("/console").get_data(as_text=True)
    chosen = client.post("/console/counter", data={"counter": "2", "csrf_token": csrf})
    assert chosen.status_code == 302
    assert "ช่องบริการ 2" in client.get("/console").get_data(as_text=True)
    assert client.post("/api/v1/counters/2/next", headers={"X-CSRF-Token": csrf}).status_code == 204


def test_a_part_of_the_page_answered_after_a_counter_change_keeps_the_change(
    client: FlaskClient, office: Office, database_url: str
) -> None:
    add_user(database_url, office.code, "head", "pass-word-9", role="admin")
    csrf = sign_in(client, "head", "pass-word-9")
    client.post("/console/counter", data={"counter": "1", "csrf_token": csrf})
    page = client.get("/console")
    assert "ช่องบริการ 1" in page.get_data(as_text=True)
    assert page.headers.get("Set-Cookie", "").startswith("swq_session=")  # a page load slides it
    at_counter_1 = client.get_cookie("swq_session")
    assert at_counter_1 is not None

    client.post("/console/counter", data={"counter": "2", "csrf_token": csrf})
    # The console's redraw and an API call, both sent while the browser was at counter 1 and
    # answered after the change: neither answer may carry that older session back.
    at_counter_2 = client.get_cookie("swq_session")
    assert at_counter_2 is not None
    client.set_cookie("swq_session", at_counter_1.value)
    redraw = client.get("/console/desk", headers={"HX-Request": "true"})
    call = client.post("/api/v1/counters/1/next", headers={"X-CSRF-Token": csrf})
    assert redraw.status_code == 200 and call.status_code == 204
    assert "Set-Cookie" not in redraw.headers and "Set-Cookie" not in call.headers
    client.set_cookie("swq_session", at_counter_2.value)  # what the browser kept

    assert "ช่องบริการ 2" in client.get("/console").get_data(as_text=True)


def test_changed_password_signs_out_old_sessions(
    client: FlaskClient, office: Office, database_url: str
) -> None:
    sign_in(client, "somchai", "change-me")
    assert client.get("/console").status_code == 200
    add_user(database_url, office.code, "somchai", "a-new-secret", counter="1")
    assert client.get("/console").status_code == 302


def test_sign_out_needs_csrf_and_ends_the_session(client: FlaskClient, office: Office) -> None:
    csrf = sign_in(client, "somchai", "change-me")
    client.post("/logout")  # a cross-site form cannot sign anyone out
    assert client.get("/console").status_code == 200
    client.post("/logout", data={"csrf_token": csrf})
    assert client.get("/console").status_code == 302


def test_next_only_leads_to_this_server(client: FlaskClient, office: Office) -> None:
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={
            "username": "somchai",
            "password": "change-me",
            "csrf_token": token,
            "next": "//evil.example/console",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/console"


def test_people_get_error_pages_and_programs_get_json(client: FlaskClient, office: Office) -> None:
    page = client.get("/t/nope?key=x", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404
    assert page.content_type.startswith("text/html")
    assert "ไม่พบบัตรคิว" in page.get_data(as_text=True)
    assert "/login" not in page.get_data(as_text=True)  # a citizen has no sign-in to go back to
    program = client.get("/t/nope?key=x")
    assert program.status_code == 404 and program.json["error"]["code"] == "not_found"
    api = client.get("/api/v1/office?office=nope", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json["error"]["code"] == "not_found"


def test_guessing_a_password_pauses_that_account_from_that_address(
    client: FlaskClient, office: Office
) -> None:
    token = csrf_of(client)

    def attempt(password: str, address: str = "10.0.0.9") -> int:
        return client.post(
            "/login",
            data={"username": "somchai", "password": password, "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        ).status_code

    assert [attempt(f"guess-{n}") for n in range(5)] == [401] * 5
    paused = client.post(
        "/login",
        data={"username": "somchai", "password": "change-me", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert paused.status_code == 429  # even the right password waits: the guesser learns nothing
    assert "กรุณารอ 15 นาที" in paused.get_data(as_text=True)
    assert attempt("change-me", address="10.0.0.20") == 302  # the officer's own PC still works
