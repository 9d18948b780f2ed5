"""Appointments in the report exports on both databases: the JSON report, the CSV and the
spreadsheet (API and the admin page's download) carry per service what the HTML table shows."""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any

from openpyxl import load_workbook

from tests.server.booking_office import RULES, enable_booking
from tests.server.conftest import Office
from tests.server.people import add_user, sign_in
from tests.server.test_booking import MONDAY, _book, _check_in, _four_a_slot
from tests.server.test_reports import REPORT, Day, app_with_clock

# booked, cancelled, checked in, on time, late, no-shows: four booked, one more cancelled
EXPECTED = {"booked": 4, "cancelled": 1, "checked_in": 3, "on_time": 2, "late": 1, "no_shows": 1}


def test_appointments_in_json_csv_and_xlsx(database_url: str, office: Office) -> None:
    enable_booking(database_url, dataclasses.replace(RULES, slots={"A": _four_a_slot()}))
    with app_with_clock(database_url, office) as day:
        day.clock.set("08:00", MONDAY)
        codes = [_book(day, "2026-11-30T09:00", f"081000002{i}") for i in range(4)]
        assert _cancelled_booking(day).status_code == 302  # a fifth, cancelled
        day.clock.set("08:30", MONDAY)
        assert _check_in(day, codes[0]).status_code == 201  # early
        day.clock.set("09:05", MONDAY)
        assert _check_in(day, codes[1]).status_code == 201  # on time
        day.clock.set("09:20", MONDAY)
        assert _check_in(day, codes[2]).status_code == 201  # late
        day.clock.set("12:00", MONDAY)  # codes[3] never came

        auth = office.auth("admin")
        doc = day.client.get(f"{REPORT}?date=2026-11-30", headers=auth).json
        (a,) = doc["appointments"]
        assert {k: a[k] for k in EXPECTED} == EXPECTED
        assert (a["service"], a["name_th"], round(a["on_time_share"], 3)) == (
            "A",
            "ทะเบียนราษฎร์",
            0.667,
        )

        text = day.client.get(f"{REPORT}?date=2026-11-30&format=csv", headers=auth).text
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        (row,) = [r for r in rows if r["section"] == "appointment"]
        assert row["key"] == "A" and {k: int(row[k]) for k in EXPECTED} == EXPECTED
        assert any(r["section"] == "service" and r["booked"] == "" for r in rows)

        add_user(database_url, office.code, "boss", "boss-secret-77", role="admin")
        sign_in(day.client, "boss", "boss-secret-77")
        saved = day.client.get("/admin/reports/export.xlsx?date=2026-11-30")
        assert saved.status_code == 200
        book = load_workbook(io.BytesIO(saved.data))
        header, *body = list(book["appointment นัดหมาย"].iter_rows(values_only=True))
        (sheet_row,) = [dict(zip(header, r, strict=True)) for r in body]
        assert sheet_row["key"] == "A" and {k: sheet_row[k] for k in EXPECTED} == EXPECTED


def _cancelled_booking(day: Day) -> Any:
    """A booking made and cancelled through its manage link."""
    client = day.client
    page = client.get("/book/udn/A")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    made = client.post(
        "/book/udn/A", data={"csrf_token": csrf, "slot": "2026-11-30T09:30", "phone": "0810000030"}
    )
    manage = made.headers["Location"]
    token = manage.split("/booking/")[1].split("?")[0]
    page = client.get(manage)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post(f"/booking/{token}/cancel", data={"csrf_token": csrf})
