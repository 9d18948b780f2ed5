"""The HTTP API of CONTRACT.md, against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from core.sse import SSEDecoder
from queue_server import create_app
from queue_server.db import schema as t
from queue_server.db.engine import make_engine
from queue_server.web.audit_names import describe
from tests.core.test_codec import TICKET_KEYS
from tests.server.conftest import SECOND_OFFICE_FILE, Office, count_rows, load_test_office


def issue(client: FlaskClient, office: Office, service: str = "A", **body: object) -> dict:
    response = client.post(
        "/api/v1/tickets", json={"service": service, **body}, headers=office.auth("kiosk")
    )
    assert response.status_code == 201, response.json
    return response.json


def call(client: FlaskClient, office: Office, counter: str = "1") -> dict | None:
    response = client.post(
        f"/api/v1/counters/{counter}/next", headers=office.auth(f"officer{counter}")
    )
    assert response.status_code in (200, 204), response.json
    return response.json if response.status_code == 200 else None


def error_code(response) -> str:
    assert 400 <= response.status_code < 500, (response.status_code, response.data)
    return response.json["error"]["code"]


def test_health_and_openapi(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    doc = client.get("/api/v1/openapi.json").json
    validate(doc)  # a valid OpenAPI 3.1 document, or this raises naming the fault
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/tickets/{ticket_id}/status",
        "/api/v1/counters/{code}/next",
        "/api/v1/counters/{code}/recall",
        "/api/v1/counters/{code}/pause",
        "/api/v1/counters/{code}/resume",
        "/api/v1/tickets/{ticket_id}/done",
        "/api/v1/tickets/{ticket_id}/done-and-next",
        "/api/v1/tickets/{ticket_id}/no-show",
        "/api/v1/tickets/{ticket_id}/transfer",
        "/api/v1/tickets/{ticket_id}/cancel",
        "/api/v1/board",
        "/api/v1/events",
        "/api/v1/services",
        "/healthz",
    ):
        assert path in doc["paths"], path
    ticket = doc["components"]["schemas"]["TicketOut"]
    assert set(ticket["properties"]) == TICKET_KEYS


def test_issue_returns_the_contract_ticket(client: FlaskClient, office: Office) -> None:
    first = issue(client, office, "A")
    second = issue(client, office, "A", priority="elderly", extra_services=["B"])
    assert set(first) == TICKET_KEYS
    assert (first["number"], second["number"]) == ("A001", "A002")
    assert first["status"] == "waiting" and first["counter"] is None
    # The elderly ticket will be called before the normal one that came a moment earlier.
    assert second["people_ahead"] == 0
    assert second["transactions"] == [
        {"service": "A", "done": False},
        {"service": "B", "done": False},
    ]
    assert datetime.fromisoformat(first["issued_at"]).utcoffset().total_seconds() == 7 * 3600
    assert first["status_url"].startswith("http://localhost/t/" + first["id"] + "?key=")
    fetched = client.get(f"/api/v1/tickets/{first['id']}", headers=office.auth("admin"))
    # Fetched again, the first ticket has the elderly one ahead of it: people ahead follow the
    # order the office's policy will call them in, and the estimate with them.
    moving = ("people_ahead", "estimated_wait_s", "estimated_wait_range_s")
    assert {k: v for k, v in fetched.json.items() if k not in moving} == {
        k: v for k, v in first.items() if k not in moving
    }
    assert (first["people_ahead"], fetched.json["people_ahead"]) == (0, 1)
    low, high = fetched.json["estimated_wait_range_s"]
    assert low <= fetched.json["estimated_wait_s"] <= high
    # A display token reads the ticket too, but not the key that follows it on a phone.
    shown = client.get(f"/api/v1/tickets/{first['id']}", headers=office.auth("display")).json
    assert shown == {**fetched.json, "status_url": first["status_url"].split("?")[0]}


def test_services_show_waiting_and_estimates(client: FlaskClient, office: Office) -> None:
    issue(client, office, "A")
    issue(client, office, "A")
    services = {s["code"]: s for s in client.get("/api/v1/services").json}
    assert list(services) == ["A", "B", "C", "D"]
    assert services["A"]["waiting"] == 2 and services["B"]["waiting"] == 0
    assert services["A"]["estimated_wait_s"] > services["B"]["estimated_wait_s"]
    assert services["D"]["open"] is False
    assert services["C"]["agency_name_th"] == "สำนักงานสรรพากรพื้นที่"


def test_idempotent_retry_gets_the_same_ticket(client: FlaskClient, office: Office) -> None:
    headers = {**office.auth("kiosk"), "Idempotency-Key": "tap-7"}
    first = client.post("/api/v1/tickets", json={"service": "B"}, headers=headers)
    again = client.post("/api/v1/tickets", json={"service": "B"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/tickets", json={"service": "A"}, headers=headers)
    assert error_code(other) == "idempotency_key_reused"
    # The key belongs to the kiosk: another kiosk using the same key gets its own ticket.
    mine = client.post(
        "/api/v1/tickets",
        json={"service": "B"},
        headers={**office.auth("kiosk2"), "Idempotency-Key": "tap-7"},
    )
    assert mine.status_code == 201 and mine.json["id"] != first.json["id"]


def test_officer_works_a_visit(client: FlaskClient, office: Office) -> None:
    ticket = issue(client, office, "A", extra_services=["B"])
    called = call(client, office, "1")
    assert called["id"] == ticket["id"]
    assert (called["status"], called["counter"]) == ("called", "1") and called["called_at"]
    again = client.post("/api/v1/counters/1/recall", headers=office.auth("officer1"))
    assert again.status_code == 200 and again.json["id"] == ticket["id"]
    serving = client.post(
        f"/api/v1/tickets/{ticket['id']}/serving", headers=office.auth("officer1")
    )
    assert serving.json["status"] == "serving"
    done = client.post(
        f"/api/v1/tickets/{ticket['id']}/done",
        json={"transactions": ["A", "B"]},
        headers=office.auth("officer1"),
    )
    assert done.json["status"] == "done"
    assert done.json["transactions"] == [
        {"service": "A", "done": True},
        {"service": "B", "done": True},
    ]
    assert call(client, office, "1") is None


def test_done_and_next_finishes_and_calls_in_one_step(client: FlaskClient, office: Office) -> None:
    first, second = issue(client, office, "A", extra_services=["B"]), issue(client, office, "A")
    call(client, office, "1")
    officer = office.auth("officer1")
    path = f"/api/v1/tickets/{first['id']}/done-and-next"
    before = count_rows(client.application.config["DATABASE_URL"], "events")
    called = client.post(path, json={"transactions": ["A", "B"]}, headers=officer)
    assert called.status_code == 200, called.json
    assert (called.json["id"], called.json["status"], called.json["counter"]) == (
        second["id"],
        "called",
        "1",
    )
    assert set(called.json) == set(TICKET_KEYS)
    finished = client.get(f"/api/v1/tickets/{first['id']}", headers=officer).json
    assert finished["status"] == "done"
    assert [x["done"] for x in finished["transactions"]] == [True, True]
    assert (
        count_rows(client.application.config["DATABASE_URL"], "events") == before + 2
    )  # ticket.done, then ticket.called
    # A retry (its answer lost) finds the ticket finished: the one just called stays called.
    retried = client.post(path, json={}, headers=officer)
    assert error_code(retried) == "illegal_transition"
    assert client.get(f"/api/v1/tickets/{second['id']}", headers=officer).json["status"] == (
        "called"
    )
    # Another counter's officer may not finish it; with nobody waiting, 204 and the counter free.
    other = client.post(
        f"/api/v1/tickets/{second['id']}/done-and-next", json={}, headers=office.auth("officer2")
    )
    assert error_code(other) == "not_at_counter"
    assert error_code(client.post(path, json={}, headers=office.auth("kiosk"))) == "forbidden"
    last = client.post(f"/api/v1/tickets/{second['id']}/done-and-next", json={}, headers=officer)
    assert last.status_code == 204
    assert call(client, office, "1") is None
    # The audit log names both tickets of the step, or says nobody was called.
    engine = make_engine(client.application.config["DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.audit_log)
            .where(t.audit_log.c.action.endswith("/done-and-next"))
            .order_by(t.audit_log.c.id)
        ).mappings()
        sentences = [describe(row, {}) for row in rows]
    engine.dispose()
    assert sentences == [
        (f"ปิดงาน {first['number']} ที่ช่อง 1 แล้วเรียก {second['number']}",
         f"Finished {first['number']} at counter 1 and called {second['number']}"),
        (f"ปิดงาน {second['number']} ที่ช่อง 1 ไม่มีคิวเรียกต่อ",
         f"Finished {second['number']} at counter 1 and called nobody"),
    ]  # fmt: skip


def test_no_show_transfer_and_cancel(client: FlaskClient, office: Office) -> None:
    first, second, third = (issue(client, office, "A") for _ in range(3))
    assert call(client, office, "1")["id"] == first["id"]
    gone = client.post(f"/api/v1/tickets/{first['id']}/no-show", headers=office.auth("officer1"))
    assert gone.json["status"] == "no_show"
    assert call(client, office, "1")["id"] == second["id"]
    moved = client.post(
        f"/api/v1/tickets/{second['id']}/transfer",
        json={"service": "C"},
        headers=office.auth("officer1"),
    )
    assert (moved.json["status"], moved.json["service"]) == ("waiting", "C")
    # Counter 2 serves C, not A: it gets the transferred ticket.
    assert call(client, office, "2")["id"] == second["id"]
    to_counter = client.post(
        f"/api/v1/tickets/{second['id']}/transfer",
        json={"counter": "3"},
        headers=office.auth("officer2"),
    )
    assert to_counter.status_code == 200
    assert call(client, office, "3")["id"] == second["id"]
    cancelled = client.post(f"/api/v1/tickets/{third['id']}/cancel", headers=office.auth("kiosk"))
    assert cancelled.json["status"] == "cancelled"


def test_pause_and_resume(client: FlaskClient, office: Office) -> None:
    issue(client, office, "A")
    paused = client.post(
        "/api/v1/counters/1/pause", json={"reason": "พักเที่ยง"}, headers=office.auth("officer1")
    )
    assert paused.json == {
        "code": "1",
        "name_th": "ช่องบริการ 1",
        "name_en": "Counter 1",
        "state": "paused",
        "pause_reason": "พักเที่ยง",
        "pause_code": "",
        "pause_pending": False,
    }
    refused = client.post("/api/v1/counters/1/next", headers=office.auth("officer1"))
    assert refused.status_code == 409 and error_code(refused) == "counter_unavailable"
    assert "พักชั่วคราว" in refused.json["error"]["message_th"]
    resumed = client.post("/api/v1/counters/1/resume", headers=office.auth("officer1"))
    assert resumed.json["state"] == "open"
    assert call(client, office, "1") is not None


def test_roles_and_counters_are_enforced(client: FlaskClient, office: Office) -> None:
    ticket = issue(client, office, "A")
    assert client.post("/api/v1/tickets", json={"service": "A"}).status_code == 401
    bogus = {"Authorization": "Bearer swq_not-a-token"}
    assert client.post("/api/v1/tickets", json={"service": "A"}, headers=bogus).status_code == 401
    kiosk_calls = client.post("/api/v1/counters/1/next", headers=office.auth("kiosk"))
    assert kiosk_calls.status_code == 403
    display_issues = client.post(
        "/api/v1/tickets", json={"service": "A"}, headers=office.auth("display")
    )
    assert display_issues.status_code == 403
    other_counter = client.post("/api/v1/counters/2/next", headers=office.auth("officer1"))
    assert error_code(other_counter) == "not_your_counter"
    assert other_counter.status_code == 403
    call(client, office, "1")
    not_mine = client.post(
        f"/api/v1/tickets/{ticket['id']}/done", json={}, headers=office.auth("officer2")
    )
    assert not_mine.status_code == 403 and error_code(not_mine) == "not_at_counter"
    others = client.post(f"/api/v1/tickets/{ticket['id']}/cancel", headers=office.auth("kiosk2"))
    assert others.status_code == 403
    admin = client.post("/api/v1/counters/1/recall", headers=office.auth("admin"))
    assert admin.status_code == 200


@pytest.mark.parametrize(
    ("body", "code", "status"),
    [
        ('{"service": "A"', "bad_json", 400),
        ("[1, 2]", "invalid_request", 422),
        ('{"service": "a"}', "invalid_request", 422),
        ('{"service": "A", "colour": "red"}', "invalid_request", 422),
        ('{"service": "A", "priority": "vip"}', "invalid_request", 422),
        ('{"service": "A", "extra_services": "B"}', "invalid_request", 422),
        ('{"service": "Z"}', "not_found", 404),
        ('{"service": "D"}', "service_closed", 409),
    ],
)
def test_bad_issue_requests_get_clear_4xx(
    client: FlaskClient, office: Office, body: str, code: str, status: int
) -> None:
    response = client.post(
        "/api/v1/tickets",
        data=body.encode(),
        headers={**office.auth("kiosk"), "Content-Type": "application/json"},
    )
    assert (response.status_code, error_code(response)) == (status, code)
    assert response.json["error"]["message"] and response.json["error"]["message_th"]
    assert count_rows(client.application.config["DATABASE_URL"], "tickets") == 0


def test_quota_reached(client: FlaskClient, office: Office) -> None:
    for _ in range(3):
        issue(client, office, "C")
    response = client.post("/api/v1/tickets", json={"service": "C"}, headers=office.auth("kiosk"))
    assert (response.status_code, error_code(response)) == (409, "quota_reached")
    assert "ครบ" in response.json["error"]["message_th"]


def test_other_bad_requests(client: FlaskClient, office: Office) -> None:
    ticket = issue(client, office, "A")
    officer = office.auth("officer1")
    assert error_code(client.get("/api/v1/tickets/nope", headers=officer)) == "not_found"
    assert error_code(client.post("/api/v1/counters/9/next", headers=office.auth("admin"))) == (
        "not_found"
    )
    done_waiting = client.post(f"/api/v1/tickets/{ticket['id']}/done", json={}, headers=officer)
    assert (done_waiting.status_code, error_code(done_waiting)) == (409, "illegal_transition")
    nowhere = client.post(f"/api/v1/tickets/{ticket['id']}/transfer", json={}, headers=officer)
    assert nowhere.status_code == 422
    assert client.get("/api/v1/nothing-here").status_code == 404
    assert client.delete("/api/v1/tickets").status_code == 405
    key = {**office.auth("kiosk"), "Idempotency-Key": "x" * 300}
    long_key = client.post("/api/v1/tickets", json={"service": "A"}, headers=key)
    assert error_code(long_key) == "bad_idempotency_key"
    assert error_code(client.get("/api/v1/events", headers={"Last-Event-ID": "abc"})) == (
        "bad_last_event_id"
    )


def test_kiosk_rate_limit(database_url: str, office: Office) -> None:
    app = create_app({"DATABASE_URL": database_url, "KIOSK_RATE_LIMIT": 3})
    client = app.test_client()
    for _ in range(3):
        issue(client, office, "A")
    flood = client.post("/api/v1/tickets", json={"service": "A"}, headers=office.auth("kiosk"))
    assert flood.status_code == 429 and int(flood.headers["Retry-After"]) >= 1
    # Another kiosk is not held back by the stuck one.
    other = client.post("/api/v1/tickets", json={"service": "A"}, headers=office.auth("kiosk2"))
    assert other.status_code == 201
    app.extensions["swq"].db.dispose()


def test_public_status_needs_the_key(client: FlaskClient, office: Office) -> None:
    first = issue(client, office, "A")
    second = issue(client, office, "A")
    key = second["status_url"].split("key=")[1]
    status = client.get(f"/api/v1/tickets/{second['id']}/status?key={key}").json
    assert (status["number"], status["state"], status["people_ahead"]) == ("A002", "waiting", 1)
    assert status["estimated_wait_s"] is not None
    wrong_key = key[:-1] + ("x" if key[-1] != "x" else "y")
    wrong = client.get(f"/api/v1/tickets/{second['id']}/status?key={wrong_key}")
    assert wrong.status_code == 404
    assert client.get(f"/api/v1/tickets/{second['id']}/status").status_code == 422
    call(client, office, "1")
    call(client, office, "3")
    status = client.get(f"/api/v1/tickets/{second['id']}/status?key={key}").json
    assert (status["state"], status["counter"]) == ("called", "3")
    assert status["counter_name_th"] == "ช่องบริการ 3"
    assert first["id"] != second["id"]


def test_board_shows_calls_and_counters(client: FlaskClient, office: Office) -> None:
    empty = client.get("/api/v1/board").json
    assert empty["calls"] == [] and empty["last_event_id"] == 0
    a, b = issue(client, office, "A"), issue(client, office, "B")
    call(client, office, "1")
    call(client, office, "2")
    client.post("/api/v1/counters/1/recall", headers=office.auth("officer1"))
    board = client.get("/api/v1/board").json
    assert [c["number"] for c in board["calls"]] == [a["number"], b["number"]]
    assert board["calls"][0]["counter"] == "1"
    assert {c["code"]: c["number"] for c in board["counters"]} == {
        "1": a["number"],
        "2": b["number"],
        "3": None,
    }
    assert board["last_event_id"] == 5  # 2 issued, 2 called, 1 recalled


def test_offices_do_not_leak(client: FlaskClient, office: Office, database_url: str) -> None:
    other = load_test_office(database_url, SECOND_OFFICE_FILE)
    mine = issue(client, office, "A")
    theirs = client.post("/api/v1/tickets", json={"service": "A"}, headers=other.auth("kiosk"))
    assert theirs.json["number"] == "A001"  # numbering is per office
    assert client.get("/api/v1/board").status_code == 400  # two offices: say which
    board = client.get("/api/v1/board?office=kkn").json
    assert board["office_name_en"].startswith("Khon Kaen")
    seen = client.get(f"/api/v1/tickets/{mine['id']}", headers=other.auth("officer1"))
    assert seen.status_code == 404
    wrong_office = client.get("/api/v1/services?office=udn", headers=other.auth("kiosk"))
    assert wrong_office.status_code == 200  # public: the query names the office
    acting = client.post("/api/v1/counters/1/next?office=udn", headers=other.auth("officer1"))
    assert acting.status_code == 403
    assert call(client, office, "1")["id"] == mine["id"]
    assert client.get("/api/v1/services?office=nope").status_code == 404


def test_stream_without_gunicorn_replays_then_follows(client: FlaskClient, office: Office) -> None:
    """Under a server that lends no socket (here Flask's client) a stream's thread writes."""
    first = issue(client, office, "A")
    response = client.get("/api/v1/events?last_event_id=0", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    chunks = iter(response.response)
    decoder = SSEDecoder()
    assert decoder.feed(next(chunks)) == [] and decoder.retry_ms == 3000
    replayed = decoder.feed(next(chunks))
    assert [(e.event, e.json()["ticket_id"]) for e in replayed] == [("ticket.issued", first["id"])]
    second = issue(client, office, "B")
    live = decoder.feed(next(chunks))
    assert [(e.event, e.json()["ticket_id"]) for e in live] == [("ticket.issued", second["id"])]
    assert int(live[0].id) > int(replayed[0].id)
    response.close()
