"""Reprinting a ticket: the same ticket again, only for whom may, audited, nothing else moves."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from queue_server.db.engine import make_engine
from tests.server.conftest import Office, count_rows
from tests.server.test_api import call, error_code, issue


def reprint(client: FlaskClient, office: Office, who: str, ticket_id: str):
    return client.post(f"/api/v1/tickets/{ticket_id}/reprint", headers=office.auth(who))


def audit_rows(database_url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT actor, action, target FROM audit_log ORDER BY id")
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_the_same_ticket_again_audited(
    client: FlaskClient, office: Office, database_url: str
) -> None:
    first = issue(client, office, "A")
    again = reprint(client, office, "kiosk", first["id"])
    assert again.status_code == 200, again.json
    assert (again.json["id"], again.json["number"]) == (first["id"], first["number"])
    assert again.json["people_ahead"] == first["people_ahead"]
    assert count_rows(database_url, "tickets") == 1
    # an officer at the counter reprints it too, also once it is called
    assert call(client, office, "1")["id"] == first["id"]
    by_officer = reprint(client, office, "officer1", first["id"])
    assert by_officer.status_code == 200 and by_officer.json["number"] == first["number"]
    assert reprint(client, office, "admin", first["id"]).status_code == 200
    reprints = [r for r in audit_rows(database_url) if r[1] == "reprint"]
    assert reprints == [
        ("kiosk", "reprint", first["id"]),
        ("officer1", "reprint", first["id"]),
        ("admin", "reprint", first["id"]),
    ]
    assert count_rows(database_url, "tickets") == 1


def test_who_may_not_and_when_not(
    app: Flask, client: FlaskClient, office: Office, database_url: str
) -> None:
    ticket = issue(client, office, "A")
    other_kiosk = reprint(client, office, "kiosk2", ticket["id"])
    assert other_kiosk.status_code == 403 and "issued" in other_kiosk.json["error"]["message"]
    assert error_code(reprint(client, office, "display", ticket["id"])) == "forbidden"
    assert reprint(client, office, "kiosk", "no-such-ticket").status_code == 404
    app.config["KIOSK_REPRINT_WINDOW_S"] = 0
    too_late = reprint(client, office, "kiosk", ticket["id"])
    assert (too_late.status_code, error_code(too_late)) == (409, "reprint_too_late")
    assert "ติดต่อเจ้าหน้าที่" in too_late.json["error"]["message_th"]
    # staff still may, for the citizen at the counter
    assert reprint(client, office, "officer2", ticket["id"]).status_code == 200
    cancelled = client.post(
        f"/api/v1/tickets/{ticket['id']}/cancel", json={}, headers=office.auth("kiosk")
    )
    assert cancelled.status_code == 200, cancelled.json
    gone = reprint(client, office, "officer2", ticket["id"])
    assert (gone.status_code, error_code(gone)) == (409, "not_reprintable")
    assert [r[1] for r in audit_rows(database_url) if r[1] == "reprint"] == ["reprint"]


def test_reprint_is_in_the_openapi_document(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").json
    operation = doc["paths"]["/api/v1/tickets/{ticket_id}/reprint"]["post"]
    assert set(operation["responses"]) >= {"200", "403", "404", "409"}
