"""Nobody ran `swq day close`: the first ticket of the next day closes yesterday first, so its
leftovers never reach today's counters, and history stays."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from queue_server.db.engine import make_engine
from tests.server.conftest import Office, count_rows
from tests.server.test_reports import app_with_clock


def set_hours(database_url: str, hours: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE offices SET hours = :h, version = version + 1"), {"h": hours})
    engine.dispose()


def test_first_ticket_of_a_new_day_closes_yesterday(database_url: str, office: Office) -> None:
    set_hours(database_url, "08:30-16:30")
    with app_with_clock(database_url, office) as day:
        client, kiosk, officer = day.client, office.auth("kiosk"), office.auth("officer1")
        day.clock.set("15:00")
        left = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk).json
        day.clock.set("08:30", date(2026, 11, 27))
        fresh = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk).json
        assert fresh["number"] == "A001"  # numbering restarted
        called = client.post("/api/v1/counters/1/next", headers=officer).json
        assert called["id"] == fresh["id"]  # not yesterday's ticket
        old = client.get(f"/api/v1/tickets/{left['id']}", headers=officer).json
        assert old["status"] == "cancelled"
        assert count_rows(database_url, "day_closes") == 1
        day.clock.set("09:00", date(2026, 11, 27))
        client.post("/api/v1/tickets", json={"service": "B"}, headers=kiosk)
        assert count_rows(database_url, "day_closes") == 1  # checked once a day
        assert count_rows(database_url, "tickets") == 3  # nothing deleted


def test_an_office_without_hours_keeps_a_visit_across_midnight(
    database_url: str, office: Office
) -> None:
    with app_with_clock(database_url, office) as day:
        day.clock.set("23:50")
        late = day.client.post(
            "/api/v1/tickets", json={"service": "A"}, headers=office.auth("kiosk")
        ).json
        day.clock.set("00:10", date(2026, 11, 27))
        called = day.client.post("/api/v1/counters/1/next", headers=office.auth("officer1"))
        assert called.json["id"] == late["id"]
        assert count_rows(database_url, "day_closes") == 0
