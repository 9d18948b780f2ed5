"""The console's rules through the API (SQLite and PostgreSQL): no-show after a recall or a
confirmation and its undo within the grace period, pauses from the office's list or after the
current ticket, refusals in words, audit rows people can read, the supervisor's view."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from queue_server.db.check import find_problems
from queue_server.db.engine import make_engine
from tests.server.conftest import Office, this_morning
from tests.server.people import add_user, sign_in
from tests.server.test_api import call, issue

FIELD_WORDS = re.compile(r"ticket_id|reason_code|transactions|body|Value error|\{|[0-9a-f]{32}")


BANGKOK = ZoneInfo("Asia/Bangkok")


@pytest.fixture
def clock(app: Flask) -> Callable[[float], None]:
    """Move the server's clock forward by some seconds, from this morning."""
    now = [this_morning()]
    app.extensions["swq"].clock = lambda: now[0]

    def advance(seconds: float) -> None:
        now[0] += timedelta(seconds=seconds)

    return advance


def post(client: FlaskClient, office: Office, who: str, path: str, **body: object):
    return client.post(f"/api/v1{path}", json=body, headers=office.auth(who))


def test_no_show_needs_a_recall_or_a_confirmation_and_is_undone_within_grace(
    client: FlaskClient, office: Office, clock: Callable[[float], None], database_url: str
) -> None:
    ticket = issue(client, office)
    call(client, office)
    asked = post(client, office, "officer1", f"/tickets/{ticket['id']}/no-show", confirm=False)
    assert asked.status_code == 409
    assert asked.json["error"]["code"] == "not_recalled"
    assert "เรียกซ้ำ" in asked.json["error"]["message_th"]
    post(client, office, "officer1", "/counters/1/recall")
    gone = post(client, office, "officer1", f"/tickets/{ticket['id']}/no-show", confirm=False)
    assert gone.json["status"] == "no_show"

    desk = client.get("/api/v1/counters/1", headers=office.auth("officer1")).json
    assert desk["undo"]["number"] == ticket["number"]
    assert desk["today"]["no_shows"] == 1
    clock(60)
    other = post(client, office, "officer2", f"/tickets/{ticket['id']}/undo-no-show")
    assert other.status_code == 403  # only its own counter takes it back
    back = post(client, office, "officer1", f"/tickets/{ticket['id']}/undo-no-show")
    assert (back.json["status"], back.json["counter"]) == ("called", "1")

    # Confirmed straight away (the contract's bare no-show), then past the grace period.
    gone = post(client, office, "officer1", f"/tickets/{ticket['id']}/no-show")
    assert gone.json["status"] == "no_show"
    clock(121)
    assert client.get("/api/v1/counters/1", headers=office.auth("officer1")).json["undo"] is None
    late = post(client, office, "officer1", f"/tickets/{ticket['id']}/undo-no-show")
    assert late.status_code == 409
    assert late.json["error"]["code"] == "grace_over"
    assert "โต๊ะประชาสัมพันธ์" in late.json["error"]["message_th"]

    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert find_problems(conn) == []  # the undo is a legal move for `swq check`
    engine.dispose()


def test_undo_refused_while_the_counter_serves_someone_else(
    client: FlaskClient, office: Office
) -> None:
    first, second = issue(client, office), issue(client, office)
    call(client, office)
    post(client, office, "officer1", f"/tickets/{first['id']}/no-show")
    assert call(client, office)["id"] == second["id"]
    busy = post(client, office, "officer1", f"/tickets/{first['id']}/undo-no-show")
    assert busy.status_code == 409
    assert busy.json["error"]["code"] == "counter_busy"


def test_pauses_from_the_list_after_the_ticket_and_in_the_report(
    client: FlaskClient, office: Office, clock: Callable[[float], None], database_url: str
) -> None:
    unknown = post(client, office, "officer1", "/counters/1/pause", reason_code="nap")
    assert unknown.status_code == 422 and "รายการ" in unknown.json["error"]["message_th"]
    wordless = post(client, office, "officer1", "/counters/1/pause", reason_code="other")
    assert wordless.status_code == 422 and "เหตุผล" in wordless.json["error"]["message_th"]

    ticket = issue(client, office)
    call(client, office)
    later = post(
        client, office, "officer1", "/counters/1/pause", reason_code="lunch", after_ticket=True
    )
    assert (later.json["state"], later.json["pause_pending"]) == ("open", True)
    post(client, office, "officer1", f"/tickets/{ticket['id']}/done")
    desk = client.get("/api/v1/counters/1", headers=office.auth("officer1")).json
    assert desk["counter"]["state"] == "paused"
    assert (desk["counter"]["pause_reason"], desk["counter"]["pause_code"]) == ("พักกลางวัน", "lunch")
    clock(600)
    post(client, office, "officer1", "/counters/1/resume")
    post(client, office, "officer1", "/counters/1/pause", reason_code="other", reason="ไปธนาคาร")
    clock(300)
    post(client, office, "officer1", "/counters/1/resume")

    # A pause waiting for the ticket can be called off: nothing is paused afterwards.
    ticket = issue(client, office)
    call(client, office)
    post(client, office, "officer1", "/counters/1/pause", reason_code="meeting", after_ticket=True)
    off = post(client, office, "officer1", "/counters/1/resume")
    assert (off.json["state"], off.json["pause_pending"]) == ("open", False)
    post(client, office, "officer1", f"/tickets/{ticket['id']}/done")

    day = datetime.now(BANGKOK).date().isoformat()
    report = client.get(f"/api/v1/reports/summary?date={day}", headers=office.auth("admin")).json
    counter = next(c for c in report["counters"] if c["code"] == "1")
    pauses = {p["reason"]: p["seconds"] for p in counter["use"]["pauses"]}
    assert pauses == {"พักกลางวัน": 600, "ไปธนาคาร": 300}
    add_user(database_url, office.code, "boss", "boss-pass-1", role="admin")
    sign_in(client, "boss", "boss-pass-1")
    page = client.get(f"/admin/reports?date={day}&lang=en").get_data(as_text=True)
    assert "Lunch break: 1 " in page and "ไปธนาคาร: 1 " in page


def test_refusals_are_sentences_with_what_to_do(client: FlaskClient, office: Office) -> None:
    ticket = issue(client, office)
    call(client, office)
    for path, body in [
        (f"/tickets/{ticket['id']}/transfer", {}),
        (f"/tickets/{ticket['id']}/transfer", {"service": "a"}),
        ("/counters/1/call", {"ticket_id": ticket["id"]}),
        ("/counters/1/pause", {"reason": "x" * 300}),
        (f"/tickets/{ticket['id']}/done", {"transactions": "A"}),
        ("/counters/1/pause", {"why": "x"}),
    ]:
        refused = post(client, office, "officer1", path, **body)
        assert refused.status_code == 422, (path, refused.json)
        error = refused.json["error"]
        for text in (error["message"], error["message_th"]):
            assert not FIELD_WORDS.search(text), (path, text)
        assert "fields" in error, path  # programs still learn which fields were at fault
    transfer = post(client, office, "officer1", f"/tickets/{ticket['id']}/transfer")
    assert "บริการหรือช่องบริการ" in transfer.json["error"]["message_th"]
    gone = post(client, office, "officer1", f"/tickets/{'0' * 32}/done")
    assert gone.status_code == 404 and not FIELD_WORDS.search(gone.json["error"]["message_th"])


def test_transfers_today_audit_in_words_and_the_supervisor(
    client: FlaskClient, office: Office, database_url: str, clock: Callable[[float], None]
) -> None:
    ticket = issue(client, office)
    call(client, office)
    post(client, office, "officer1", "/counters/1/recall")
    post(client, office, "officer1", f"/tickets/{ticket['id']}/transfer", service="B", counter="2")
    desk = client.get("/api/v1/counters/1", headers=office.auth("officer1")).json
    assert desk["today"]["transferred"] == 1

    add_user(database_url, office.code, "boss", "boss-pass-1", role="admin")
    sign_in(client, "boss", "boss-pass-1")
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert f"<td>เรียกคิว {ticket['number']} ที่ช่อง 1</td>" in audit
    assert f"<td>เรียกซ้ำ {ticket['number']} ที่ช่อง 1</td>" in audit
    assert f"<td>โอน {ticket['number']} ไปบริการ B ไปช่อง 2</td>" in audit
    assert ticket["id"] not in audit and "/api/v1" not in audit
    by_counter = client.get("/admin/audit?counter=2").get_data(as_text=True)
    assert ticket["number"] not in by_counter
    by_action = client.get("/admin/audit?action=recall&lang=en")
    text = by_action.get_data(as_text=True)
    assert f"<td>Recalled {ticket['number']} at counter 1</td>" in text
    assert f"<td>Called {ticket['number']}" not in text[text.index("<tbody>") :]

    # The console settings: the grace period and the pause reasons are the admin's.
    page = client.get("/admin/console?lang=th").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    bad = client.post(
        "/admin/console", data={"csrf_token": token[1], "grace_min": "5", "reasons": "nap"}
    )
    assert "บรรทัดที่ 1" in bad.get_data(as_text=True)
    client.post(
        "/admin/console",
        data={"csrf_token": token[1], "grace_min": "5", "reasons": "tea | พักดื่มน้ำ | Tea break"},
    )
    desk = client.get("/api/v1/counters/1", headers=office.auth("officer1")).json
    assert [r["code"] for r in desk["pause_reasons"]] == ["tea", "other"]

    # The supervisor sees the hall; an officer does not; the supervisor acts on nothing.
    add_user(database_url, office.code, "manee", "see-it-all-1", role="supervisor")
    client.post("/logout", data={"csrf_token": token[1]})
    sign_in_supervisor = client.post(
        "/login",
        data={
            "username": "manee",
            "password": "see-it-all-1",
            "csrf_token": re.search(
                r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)
            )[1],
        },
    )
    assert sign_in_supervisor.headers["Location"].endswith("/supervisor")
    hall = client.get("/supervisor/hall").get_data(as_text=True)
    assert 'id="service-B"' in hall and "ช่องบริการ 2" in hall
    assert "พักมาแล้ว" not in hall
    paused = post(client, office, "officer3", "/counters/3/pause", reason_code="tea")
    assert paused.status_code == 200, paused.json
    clock(46 * 60)
    hall = client.get("/supervisor/hall").get_data(as_text=True)
    assert "ช่องบริการ 3 พักมาแล้ว 46 นาที (พักดื่มน้ำ)" in hall
    assert "B บัตรประจำตัวประชาชน: มีผู้รอ 46 นาที เกินเวลามาตรฐาน 20 นาที" in hall
    assert "100% <small>(1/1)</small>" in hall  # A's one call today, within its target
    issue(client, office)
    call(client, office)  # read on top of the day's calls already counted
    assert "100% <small>(2/2)</small>" in client.get("/supervisor/hall").get_data(as_text=True)
    assert client.get("/console").status_code == 403
    assert client.get("/admin").status_code == 403


def test_an_empty_day_has_no_empty_charts(
    client: FlaskClient, office: Office, database_url: str
) -> None:
    add_user(database_url, office.code, "boss", "boss-pass-1", role="admin")
    sign_in(client, "boss", "boss-pass-1")
    page = client.get("/admin/reports?date=2024-01-02&lang=th").get_data(as_text=True)
    assert page.count("ไม่มีข้อมูลในช่วงวันที่เลือก") == 3
    assert "<svg" not in page
