"""Appointments on both databases: the office file keys, check-in through the kiosk API (early,
on time, late, repeated, refused) and the daily close erasing personal data after retention."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from core.office_file import dumps_office, loads_office
from queue_server.db import bookings as store
from queue_server.db.engine import make_engine
from queue_server.offices import read_office
from tests.server.booking_office import RULES, enable_booking
from tests.server.conftest import Office
from tests.server.people import add_user, sign_in
from tests.server.test_reports import BKK, Day, app_with_clock

MONDAY = date(2026, 11, 30)


def _book(day: Day, slot: str, phone: str = "0812345678") -> str:
    """Book through the public page; the booking code, read from the manage page."""
    page = day.client.get("/book/udn/A")
    assert page.status_code == 200
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = day.client.post("/book/udn/A", data={"csrf_token": csrf, "slot": slot, "phone": phone})
    assert answer.status_code == 302, answer.text[:2000]
    manage = day.client.get(answer.headers["Location"])
    return manage.text.split('id="code">')[1].split("<")[0]


def _check_in(day: Day, code: str, **extra: Any) -> Any:
    return day.client.post(
        "/api/v1/bookings/check-in", json={"code": code, **extra}, headers=day.office.auth("kiosk")
    )


def _queued_at(database_url: str, ticket_id: str) -> datetime:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        tickets = store.t.tickets
        at = conn.execute(sa.select(tickets.c.queued_at).where(tickets.c.id == ticket_id))
        queued = at.scalar_one()
    engine.dispose()
    return queued


def _booking_row(database_url: str, code: str) -> Any:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        row = conn.execute(sa.select(store.t.bookings).where(store.t.bookings.c.code == code)).one()
    engine.dispose()
    return row


def test_office_file_keeps_booking_rules(database_url: str, office: Office) -> None:
    enable_booking(database_url)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        stored = read_office(conn, office.code)
    engine.dispose()
    assert stored.booking == RULES
    # Walk-ins never choose it; the routing core queues checked-in bookings in it all the same.
    assert "appointment" not in stored.config.priority.classes
    assert "appointment" in stored.config.priority.queue_classes
    text = dumps_office(stored)
    assert "[[booking.services]]" in text
    assert 'weekdays = ["mon", "tue", "wed", "thu", "fri"]' in text
    assert loads_office(text) == stored


def test_check_in_early_on_time_late_and_refused(database_url: str, office: Office) -> None:
    enable_booking(database_url)
    with app_with_clock(database_url, office) as day:
        day.clock.set("08:00", MONDAY - timedelta(days=3))  # the Friday before
        early = _book(day, "2026-11-30T09:00", "0810000001")
        late = _book(day, "2026-11-30T09:30", "0810000002")
        tomorrow = _book(day, "2026-12-01T09:00", "0810000003")
        day.clock.set("08:40", MONDAY)
        first = _check_in(day, early.lower()[:3] + "-" + early.lower()[3:])  # as typed
        assert first.status_code == 201, first.json
        ticket = first.json
        assert ticket["priority"] == "appointment"
        assert _queued_at(database_url, ticket["id"]) == datetime(2026, 11, 30, 9, tzinfo=BKK)
        again = _check_in(day, early)  # a retry, or a second scan: the same ticket
        assert (again.status_code, again.json["id"]) == (200, ticket["id"])
        day.clock.set("09:45", MONDAY)  # 15 minutes after 09:30, grace 10: a walk-in
        walk_in = _check_in(day, late, priority="elderly")
        assert walk_in.status_code == 201
        assert walk_in.json["priority"] == "elderly"
        assert _queued_at(database_url, walk_in.json["id"]) == day.clock.now
        other_day = _check_in(day, tomorrow)
        assert other_day.status_code == 409 and "2026-12-01" in other_day.json["error"]["message"]
        unknown = _check_in(day, "ACDEFG" if early != "ACDEFG" else "ACDEFH")
        assert unknown.status_code == 404 and unknown.json["error"]["message_th"]
        assert _check_in(day, "x' OR 1=1 --").status_code == 404
        engine = make_engine(database_url)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(store.t.bookings.c.code, store.t.bookings.c.arrival))
            arrivals = {code: came for code, came in rows}
        engine.dispose()
        assert arrivals == {early: "early", late: "late", tomorrow: None}


def test_check_in_is_rate_limited_per_kiosk(database_url: str, office: Office) -> None:
    enable_booking(database_url)
    with app_with_clock(database_url, office) as day:
        day.app.config["CHECKIN_RATE_LIMIT"] = 3
        day.clock.set("08:40", MONDAY)
        answers = [_check_in(day, "ACDEFG").status_code for _ in range(4)]
        assert answers == [404, 404, 404, 429]


def test_daily_close_erases_personal_data_after_retention(
    database_url: str, office: Office
) -> None:
    enable_booking(database_url)
    with app_with_clock(database_url, office) as day:
        day.clock.set("08:00", MONDAY)
        code = _book(day, "2026-11-30T10:00", "0810000004")
        day.clock.set("08:00", MONDAY + timedelta(days=30))  # retention: 30 days after the slot
        day.client.post("/api/v1/tickets", json={"service": "B"}, headers=office.auth("kiosk"))
        assert _booking_row(database_url, code).phone == "0810000004"  # the last day it is kept
        day.clock.set("08:00", MONDAY + timedelta(days=31))
        day.client.post("/api/v1/tickets", json={"service": "B"}, headers=office.auth("kiosk"))
    row = _booking_row(database_url, code)
    assert row.phone is None and row.name is None and row.erased_at is not None
    assert row.status == "booked" and row.service == "A"  # the booking itself stays for reports


def test_admin_page_sets_the_rules(database_url: str, office: Office, client: Any) -> None:
    add_user(database_url, office.code, "boss", "boss-secret-77", role="admin")
    csrf = sign_in(client, "boss", "boss-secret-77")
    form = {
        "csrf_token": csrf,
        "grace_min": "15",
        "retention_days": "60",
        "ask_name": "on",
        "book_B": "on",
        **{f"day_B_{d}": "on" for d in (0, 2, 4)},
        "hours_B": "13:00-15:00",
        "slot_B": "20",
        "capacity_B": "3",
        "ahead_B": "10",
        "closed_B": "2026-12-05, 2026-12-10",
    }
    refused = client.post("/admin/booking", data={**form, "hours_B": "15:00-13:00"})
    assert refused.status_code == 422
    assert "บริการ B" in refused.get_data(as_text=True)  # says which service and why
    saved = client.post("/admin/booking", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        stored = read_office(conn, office.code)
    engine.dispose()
    assert stored.booking is not None
    settings, rule = stored.booking.settings, stored.booking.slots["B"]
    assert (settings.grace_s, settings.retention_days, settings.ask_name) == (900, 60, True)
    assert (rule.weekdays, str(rule.hours), rule.slot_s, rule.capacity) == (
        (0, 2, 4),
        "13:00-15:00",
        1200,
        3,
    )
    assert rule.closed_days == (date(2026, 12, 5), date(2026, 12, 10))
    assert "appointment" not in stored.config.priority.classes  # queued all the same
    page = client.get("/book/udn/B")
    assert page.status_code == 200 and "ชื่อ-นามสกุล" in page.get_data(as_text=True)


def test_reports_and_supervisor_show_bookings(database_url: str, office: Office) -> None:
    enable_booking(database_url, dataclasses.replace(RULES, slots={"A": _four_a_slot()}))
    with app_with_clock(database_url, office) as day:
        day.clock.set("08:00", MONDAY)
        codes = [_book(day, "2026-11-30T09:00", f"081000001{i}") for i in range(4)]
        manage = day.client.get("/book/udn/A")  # the first slot now shows as full
        assert "เต็ม" in manage.text
        add_user(database_url, office.code, "boss", "boss-secret-77", role="admin")
        sign_in(day.client, "boss", "boss-secret-77")
        day.clock.set("08:30", MONDAY)
        coming = day.client.get("/supervisor").text
        assert 'id="coming-bookings"' in coming and "09:00" in coming
        assert _check_in(day, codes[0]).status_code == 201  # early
        day.clock.set("09:05", MONDAY)
        assert _check_in(day, codes[1]).status_code == 201  # on time
        day.clock.set("09:20", MONDAY)
        assert _check_in(day, codes[2]).status_code == 201  # late: a walk-in
        day.clock.set("12:00", MONDAY)  # codes[3] never came
        page = day.client.get("/admin/reports?date=2026-11-30&lang=en")
        assert page.status_code == 200
        row = page.text.split('id="appointments-A"')[1].split("</tr>")[0]
        cells = [c.split("<")[0] for c in row.split('class="n">')[1:]]
        # booked, checked in, on time, on-time share, late, no-show, cancelled
        assert cells == ["4", "3", "2", "67%", "1", "1", "0"]


def _four_a_slot() -> Any:
    rule = RULES.slots["A"]
    return dataclasses.replace(rule, capacity=4)
