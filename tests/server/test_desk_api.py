"""The API the console and devices use beyond the contract: office, heartbeat, desk, call one,
and the audit log every officer action leaves."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from queue_server.db.engine import make_engine
from tests.server.conftest import Office, count_rows
from tests.server.test_api import call, error_code, issue


def test_office_document_for_kiosks_and_boards(client: FlaskClient, office: Office) -> None:
    doc = client.get("/api/v1/office").json
    assert doc["code"] == office.code
    assert doc["kiosk"]["services"] == ["A", "B", "C", "D"]
    assert doc["kiosk"]["ask_priority"] is True
    classes = {c["code"]: c["name_th"] for c in doc["priority_classes"]}
    assert classes["elderly"] == "ผู้สูงอายุ"
    assert doc["notice_th"] == ""
    assert doc["now"].endswith("+07:00")
    assert error_code(client.get("/api/v1/office?office=nowhere")) == "not_found"


def test_heartbeat_is_stored_per_device(
    client: FlaskClient, office: Office, database_url: str
) -> None:
    body = {"printer": "paper_out", "detail": "cover open", "version": "0.1.0"}
    for _ in range(2):
        response = client.post("/api/v1/devices/heartbeat", json=body, headers=office.auth("kiosk"))
        assert response.status_code == 200, response.json
    assert count_rows(database_url, "devices") == 1
    engine = make_engine(database_url)
    with engine.connect() as conn:
        printer = conn.execute(sa.text("SELECT printer FROM devices")).scalar_one()
    engine.dispose()
    assert printer == "paper_out"
    bad = client.post(
        "/api/v1/devices/heartbeat", json={"printer": "on fire"}, headers=office.auth("kiosk")
    )
    assert bad.status_code == 422
    officer = client.post("/api/v1/devices/heartbeat", json={}, headers=office.auth("officer1"))
    assert error_code(officer) == "forbidden"


def test_desk_shows_the_counter_and_its_queues(client: FlaskClient, office: Office) -> None:
    issue(client, office, "A")
    issue(client, office, "B", priority="elderly")
    issue(client, office, "C")
    desk = client.get("/api/v1/counters/1", headers=office.auth("officer1")).json
    assert desk["ticket"] is None
    assert {q["service"]: q["waiting"] for q in desk["queues"]} == {"A": 1, "B": 1}
    assert [w["service"] for w in desk["waiting"]] == ["A", "B"]  # counter 1 serves A and B
    called = call(client, office, "1")
    assert called is not None
    desk = client.get("/api/v1/counters/1", headers=office.auth("officer1")).json
    assert desk["ticket"]["number"] == called["number"]
    assert desk["ticket"]["priority_name_th"]
    done = client.post(
        f"/api/v1/tickets/{called['id']}/done",
        json={"transactions": [called["service"]]},
        headers=office.auth("officer1"),
    )
    assert done.status_code == 200
    today = client.get("/api/v1/counters/1", headers=office.auth("officer1")).json["today"]
    assert today["served"] == 1
    other = client.get("/api/v1/counters/2", headers=office.auth("officer1"))
    assert error_code(other) == "not_your_counter"


def test_call_a_chosen_ticket_with_a_reason_is_audited(
    client: FlaskClient, office: Office, database_url: str
) -> None:
    first = issue(client, office, "A")
    second = issue(client, office, "A")
    no_reason = client.post(
        "/api/v1/counters/1/call", json={"ticket_id": second["id"]}, headers=office.auth("officer1")
    )
    assert no_reason.status_code == 422
    response = client.post(
        "/api/v1/counters/1/call",
        json={"ticket_id": second["id"], "reason": "ผู้ป่วยรอไม่ได้"},
        headers=office.auth("officer1"),
    )
    assert response.status_code == 200, response.json
    assert response.json["number"] == second["number"]
    busy = client.post(
        "/api/v1/counters/1/call",
        json={"ticket_id": first["id"], "reason": "x"},
        headers=office.auth("officer1"),
    )
    assert busy.status_code == 409
    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT actor, action, target, detail FROM audit_log")).all()
    engine.dispose()
    assert len(rows) == 1  # the refused call is not an action taken
    actor, action, target, detail = rows[0]
    assert (actor, action, target) == ("officer1", "POST /api/v1/counters/<code>/call", "1")
    assert "ผู้ป่วยรอไม่ได้" in detail


def test_an_action_and_its_audit_row_commit_together(
    client: FlaskClient, office: Office, database_url: str
) -> None:
    """An officer's action writes its audit row in its own transaction: when the row cannot be
    written the action is not taken either (a 503 the officer may retry, calling nobody twice),
    and once it can, the retry calls the ticket and records it."""
    waiting = issue(client, office, "A")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE audit_log RENAME TO audit_log_away"))
    try:
        try:
            status = client.post("/api/v1/counters/1/next", headers=office.auth("officer1"))
            refused = status.status_code
        except sa.exc.ProgrammingError:
            refused = 500  # the test client hands a server fault on rather than answer 500
        # SQLite reports the missing table as an operational error (503), PostgreSQL as a
        # programming one (500): either way a server fault, and nothing was done.
        assert refused in (500, 503)
        assert (
            client.get(f"/api/v1/tickets/{waiting['id']}", headers=office.auth("officer1")).json[
                "status"
            ]
            == "waiting"
        )
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE audit_log_away RENAME TO audit_log"))
    called = call(client, office)
    assert called is not None and called["id"] == waiting["id"]
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT action, counter, ticket FROM audit_log")).all()
    engine.dispose()
    assert rows == [("POST /api/v1/counters/<code>/next", "1", waiting["number"])]
