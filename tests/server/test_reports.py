"""Reports of a day played through the real app (SQLite and PostgreSQL) with a clock the test
sets: the figures equal those worked out by hand in tests/core/test_reports.py; the daily close
keeps history and `swq check` clean; CSV and XLSX say the same as the JSON."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pydantic import TypeAdapter

from core.reports import Report, build_report
from queue_server import create_app
from queue_server.days.close import close_day
from queue_server.db import schema as t
from queue_server.db.check import check
from queue_server.db.engine import make_engine
from tests.core.test_reports import scripted_day
from tests.server.conftest import Office

BKK = ZoneInfo("Asia/Bangkok")
DAY = date(2026, 11, 26)
REPORT = "/api/v1/reports/summary"


class Clock:
    """The app's clock (config CLOCK): the test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 7, 0, tzinfo=BKK)

    def set(self, hhmm: str, day: date = DAY) -> None:
        hours, minutes = (int(x) for x in hhmm.split(":"))
        self.now = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=BKK)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Day:
    app: Flask
    client: FlaskClient
    office: Office
    clock: Clock
    ids: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def at(self, hhmm: str, day: date = DAY) -> Day:
        self.clock.set(hhmm, day)
        return self

    def issue(self, name: str, service: str) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/tickets", json={"service": service}, headers=self.office.auth("kiosk")
        )
        assert response.status_code == 201, response.json
        doc = response.json
        assert doc is not None
        self.ids[name] = doc["id"]
        self.keys[name] = parse_qs(urlsplit(doc["status_url"]).query)["key"][0]
        return doc

    def post(self, path: str, who: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post(path, json=body or {}, headers=self.office.auth(who))
        assert response.status_code == 200, response.json
        doc = response.json
        assert doc is not None
        return doc

    def next(self, counter: str) -> str:
        return str(self.post(f"/api/v1/counters/{counter}/next", f"officer{counter}")["number"])

    def ticket(self, name: str, action: str, who: str, body: dict[str, Any] | None = None) -> None:
        self.post(f"/api/v1/tickets/{self.ids[name]}/{action}", who, body)

    def report(self, query: str, **headers: str) -> Any:
        response = self.client.get(
            f"{REPORT}?{query}", headers={**self.office.auth("admin"), **headers}
        )
        assert response.status_code == 200, response.data[:500]
        return response

    @property
    def db(self) -> Any:
        return self.app.extensions["swq"].db


@contextmanager
def app_with_clock(database_url: str, office: Office) -> Iterator[Day]:
    """The real app on the database, its clock in the test's hands."""
    clock = Clock()
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "CLOCK": clock})
    try:
        yield Day(app, app.test_client(), office, clock)
    finally:
        ext = app.extensions["swq"]
        ext.hub.stop()
        ext.hub.join()
        ext.db.dispose()


@pytest.fixture
def day(database_url: str, office: Office) -> Iterator[Day]:
    with app_with_clock(database_url, office) as d:
        yield d


def play_scripted_day(d: Day) -> None:
    """tests/core/test_reports.py's scripted_day, through the HTTP API."""
    d.at("08:00").issue("T1", "A")
    assert d.at("08:05").next("1") == "A001"
    d.at("08:06").ticket("T1", "serving", "officer1")
    d.at("08:10").issue("T2", "A")
    d.at("08:16").ticket("T1", "done", "officer1", {"transactions": ["A"]})
    d.at("08:20").issue("T3", "B")
    assert d.at("08:25").next("2") == "B001"
    d.at("08:27").ticket("T3", "no-show", "officer2")
    assert d.at("08:30").next("1") == "A002"
    d.at("08:40").ticket("T2", "done", "officer1", {"transactions": ["A", "B"]})
    d.at("08:40").issue("T4", "B")
    assert d.at("08:50").next("2") == "B002"
    d.at("09:00").ticket("T4", "transfer", "officer2", {"service": "C"})
    d.at("09:00").post("/api/v1/counters/1/pause", "officer1", {"reason": "ประชุม"})
    d.at("09:05").issue("T5", "C")
    assert d.at("09:10").next("2") == "B002"
    d.at("09:15").issue("T6", "A")
    d.at("09:20").post("/api/v1/counters/1/resume", "officer1")
    d.at("09:30").ticket("T4", "done", "officer2", {"transactions": ["C"]})
    d.at("09:45").ticket("T5", "cancel", "kiosk")
    d.at("11:00").post("/api/v1/counters/2/pause", "officer2", {"reason": "พักกลางวัน"})
    rated = d.at("08:20").client.post(
        f"/api/v1/tickets/{d.ids['T1']}/feedback?key={d.keys['T1']}", json={"rating": 5}
    )
    assert rated.status_code == 201, rated.json
    d.client.get(f"/feedback/2?token={d.office.tokens['display']}")  # the tablet is set up
    tablet = d.at("09:31").client.get("/feedback/2")
    assert "B002" in tablet.text
    form = {"ticket_id": d.ids["T4"], "rating": "3"}
    assert d.client.post("/feedback/2", data=form).status_code == 302
    d.at("17:00")
    closed = close_day(d.db, d.office.code, DAY, d.clock.now, "test")
    assert (closed.cancelled, closed.finished) == (1, 0)
    d.at("18:00")


def expected() -> dict[str, Any]:
    """The hand-worked report of tests/core/test_reports.py, serialised as the API does it."""
    doc = TypeAdapter(Report).dump_python(build_report(scripted_day()), mode="json")
    return {
        "totals": doc["totals"],
        "hours": doc["hours"],
        **{part: {row["code"]: row for row in doc[part]} for part in ("services", "counters")},
        "agencies": {row["code"]: row for row in doc["agencies"]},
    }


def test_a_scripted_day_gives_the_hand_computed_report(day: Day) -> None:
    play_scripted_day(day)
    doc = day.report(f"date={DAY}").json
    want = expected()
    assert doc["totals"] == want["totals"]
    assert doc["totals"]["visits"] == 6 and doc["totals"]["wait"]["p90_s"] == 1200
    assert doc["totals"]["within_target"] == {"count": 4, "of": 7, "share": round(4 / 7, 4)}
    services = {s["code"]: s for s in doc["services"]}
    for code in "ABC":
        assert services[code] == want["services"][code]
    assert services["D"]["figures"]["visits"] == 0
    counters = {c["code"]: c for c in doc["counters"]}
    for code in "12":
        assert counters[code] == want["counters"][code]
    assert counters["1"]["use"]["utilisation"] == round(1260 / 3300, 4)
    assert counters["2"]["use"]["pauses"] == [
        {"reason": "พักกลางวัน", "count": 1, "seconds": 7 * 3600}
    ]
    assert counters["3"]["figures"]["calls"] == 0
    assert {a["code"]: a for a in doc["agencies"]}["dopa"] == want["agencies"]["dopa"]
    assert doc["hours"] == want["hours"]
    assert [o["username"] for o in doc["officers"]] == ["somchai"]
    assert doc["label_th"] == "26 พ.ย. 2569"
    assert doc["office"]["timezone"] == "Asia/Bangkok"


def test_the_daily_close_keeps_history_and_check_clean(day: Day) -> None:
    play_scripted_day(day)
    engine = make_engine(day.db.url)
    with engine.connect() as conn:
        assert check(conn).clean
        status = dict(conn.execute(sa.select(t.tickets.c.id, t.tickets.c.status)).all())
        (close,) = conn.execute(sa.select(t.day_closes)).mappings().all()
    engine.dispose()
    assert len(status) == 6  # nothing deleted
    assert status[day.ids["T6"]] == "cancelled"
    assert close["ticket_ids"] == [day.ids["T6"]] and close["closed_by"] == "test"
    # The next day starts its numbers again; the closed ticket is not in its queue.
    assert day.at("08:00", DAY + timedelta(days=1)).issue("N1", "A")["number"] == "A001"
    assert day.at("08:01", DAY + timedelta(days=1)).next("1") == "A001"


def test_csv_and_xlsx_say_what_the_json_says(day: Day) -> None:
    play_scripted_day(day)
    doc = day.report(f"date={DAY}").json
    response = day.report(f"date={DAY}", Accept="text/csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    (total,) = [r for r in rows if r["section"] == "total"]
    assert int(total["visits"]) == doc["totals"]["visits"]
    assert float(total["wait_mean_s"]) == doc["totals"]["wait"]["mean_s"]
    assert int(total["wait_p90_s"]) == doc["totals"]["wait"]["p90_s"]
    assert float(total["within_target_share"]) == doc["totals"]["within_target"]["share"]
    service_a = next(r for r in rows if r["section"] == "service" and r["key"] == "A")
    assert service_a["name_th"] == "ทะเบียนราษฎร์"
    assert int(service_a["within_target_of"]) == 3
    counter_2 = next(r for r in rows if r["section"] == "counter" and r["key"] == "2")
    assert int(counter_2["paused_s"]) == doc["counters"][1]["use"]["paused_s"]

    for response in (
        day.report(f"date={DAY}&format=xlsx"),
        day.report(
            f"date={DAY}",
            Accept="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ):
        book = load_workbook(io.BytesIO(response.data))
        about = {row[0]: row[1:] for row in book["report"].iter_rows(values_only=True)}
        assert about["ช่วงวันที่"][0] == "26 พ.ย. 2569"
        sheet = list(book["service บริการ"].iter_rows(values_only=True))
        header, *body = sheet
        by_code = {row[header.index("key")]: dict(zip(header, row, strict=True)) for row in body}
        for service in doc["services"]:
            row = by_code[service["code"]]
            figures = service["figures"]
            assert row["visits"] == figures["visits"]
            assert (row["wait_mean_s"] or None) == figures["wait"]["mean_s"]
            assert (row["service_max_s"] or None) == figures["service_time"]["max_s"]
            assert row["feedback_count"] == figures["feedback"]["count"]
        hours = list(book["hour รายชั่วโมง"].iter_rows(values_only=True))
        assert [r[1] for r in hours[1:]] == [h["arrivals"] for h in doc["hours"]]


def test_a_visit_across_local_midnight_counts_on_its_issue_day(day: Day) -> None:
    # 06:30 in Bangkok is 23:30 UTC the evening before: the office's day is what counts.
    day.at("06:30").issue("early", "A")
    assert day.clock.now.astimezone(UTC).date() == DAY - timedelta(days=1)
    day.at("23:50").issue("late", "B")
    assert day.at("00:10", DAY + timedelta(days=1)).next("2") == "B001"
    day.at("00:20", DAY + timedelta(days=1)).ticket("late", "done", "officer2")
    before = day.report(f"date={DAY - timedelta(days=1)}").json
    assert before["totals"]["visits"] == 0
    on_day = day.report(f"date={DAY}").json
    assert on_day["totals"]["visits"] == 2
    assert on_day["totals"]["wait"]["max_s"] == 20 * 60
    assert [(h["hour"], h["arrivals"]) for h in on_day["hours"]][::17] == [(6, 1), (23, 1)]
    after = day.report(f"date={DAY + timedelta(days=1)}").json
    assert after["totals"]["visits"] == 0 and after["totals"]["served"] == 0
    both = day.report(f"date={DAY}&to={DAY + timedelta(days=1)}").json
    assert [d["figures"]["visits"] for d in both["days"]] == [2, 0]
    assert both["label_th"] == "26 พ.ย. 2569 - 27 พ.ย. 2569"
    assert both["totals"]["served"] == 1


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 422),
        ("date=yesterday", 422),
        ("date=2026-02-30", 422),
        ("date=2026-11-26&to=2026-11-25", 422),
        ("date=2026-01-01&to=2027-12-31", 422),
        ("date=0001-01-01", 422),
        ("date=2026-11-26&format=pdf", 422),
        ("date=2026-11-26&office=nowhere", 403),
    ],
)
def test_bad_report_requests_are_refused_with_json(
    client: FlaskClient, office: Office, query: str, status: int
) -> None:
    response = client.get(f"{REPORT}?{query}", headers=office.auth("admin"))
    assert response.status_code == status
    assert response.json is not None and response.json["error"]["code"]


def test_only_admins_read_reports(client: FlaskClient, office: Office) -> None:
    assert client.get(f"{REPORT}?date={DAY}").status_code == 401
    for who in ("kiosk", "officer1", "display"):
        assert client.get(f"{REPORT}?date={DAY}", headers=office.auth(who)).status_code == 403


def test_swq_day_close_command_closes_earlier_days(day: Day) -> None:
    long_ago = date(2025, 1, 15)  # before any real today this test runs on
    day.at("09:00", long_ago).issue("left", "A")
    day.at("09:01", long_ago).issue("called", "B")
    assert day.at("09:02", long_ago).next("2") == "B001"
    swq = [sys.executable, "-m", "queue_server.cli", "day", "close", "--db", day.db.url]
    done = subprocess.run(swq, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "15 ม.ค. 2568: ยกเลิก 2 ใบ" in done.stdout
    again = subprocess.run(swq, capture_output=True, text=True, timeout=60, check=False)
    assert "no earlier day has open tickets" in again.stdout
    future = subprocess.run(
        [*swq, "--date", "2999-01-01"], capture_output=True, text=True, timeout=60, check=False
    )
    assert future.returncode == 1 and "has not ended yet" in future.stderr
    engine = make_engine(day.db.url)
    with engine.connect() as conn:
        assert check(conn).clean
        closes = conn.execute(sa.select(t.day_closes.c.cancelled, t.day_closes.c.day)).all()
    engine.dispose()
    assert closes == [(2, long_ago)]
