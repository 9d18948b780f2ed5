"""Nobody ran `swq day close`: the first ticket of the next day closes yesterday first, so its
leftovers never reach today's counters, and history stays."""

from __future__ import annotations

from datetime import date

from tests.server.conftest import Office, count_rows
from tests.server.test_reports import app_with_clock


def test_first_ticket_of_a_new_day_closes_yesterday(database_url: str, office: Office) -> None:
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
