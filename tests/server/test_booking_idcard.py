"""Check-in with the Thai national ID card on both databases: the booking form asks for the
number (checksum checked), the database keeps only its keyed digest, the kiosk API finds today's
booking by the number read from the card, and the number reaches no log."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from core.booking import BookingSettings
from core.citizen_id import is_citizen_id
from core.office_file import dumps_office, loads_office
from queue_server.db import bookings as store
from queue_server.db.engine import make_engine
from queue_server.offices import read_office
from tests.server.booking_office import RULES, enable_booking
from tests.server.conftest import Office
from tests.server.people import add_user, sign_in
from tests.server.test_booking import MONDAY
from tests.server.test_reports import Day, app_with_clock

CITIZEN = "1101700203450"  # a valid check digit; the test card's number
OTHER = "3100600123450"
ID_RULES = dataclasses.replace(
    RULES, settings=dataclasses.replace(RULES.settings, ask_citizen_id=True)
)


def _form(day: Day, slot: str, citizen_id: str, phone: str) -> Any:
    page = day.client.get("/book/udn/A")
    assert 'id="citizen_id"' in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": csrf, "slot": slot, "phone": phone, "citizen_id": citizen_id}
    return day.client.post("/book/udn/A", data=form)


def _check_in(day: Day, **body: Any) -> Any:
    return day.client.post("/api/v1/bookings/check-in", json=body, headers=day.office.auth("kiosk"))


def test_check_digit() -> None:
    assert is_citizen_id(CITIZEN) and is_citizen_id(OTHER)
    assert not is_citizen_id("1101700203451")  # last digit off
    assert not is_citizen_id("110170020345")  # twelve digits
    assert not is_citizen_id("๑๑๐๑๗๐๐๒๐๓๔๕๐")  # Thai digits are not what a card holds


def test_office_file_round_trip(database_url: str, office: Office) -> None:
    enable_booking(database_url, ID_RULES)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        stored = read_office(conn, office.code)
    engine.dispose()
    assert stored.booking is not None and stored.booking.settings.ask_citizen_id
    text = dumps_office(stored)
    assert "ask_citizen_id = true" in text
    assert loads_office(text) == stored
    assert BookingSettings().ask_citizen_id is False  # off unless the office asks


def test_admin_page_turns_it_on(database_url: str, office: Office, client: Any) -> None:
    add_user(database_url, office.code, "boss", "boss-secret-77", role="admin")
    csrf = sign_in(client, "boss", "boss-secret-77")
    assert 'id="ask_citizen_id"' in client.get("/admin/booking").get_data(as_text=True)
    form = {
        "csrf_token": csrf,
        "grace_min": "10",
        "retention_days": "30",
        "ask_citizen_id": "on",
        "book_A": "on",
        "day_A_0": "on",
        "hours_A": "09:00-11:00",
        "slot_A": "30",
        "capacity_A": "1",
        "ahead_A": "7",
        "closed_A": "",
    }
    assert client.post("/admin/booking", data=form).status_code == 302
    engine = make_engine(database_url)
    with engine.connect() as conn:
        stored = read_office(conn, office.code)
    engine.dispose()
    assert stored.booking is not None and stored.booking.settings.ask_citizen_id
    page = client.get("/book/udn/A").get_data(as_text=True)
    assert "เลขประจำตัวประชาชน 13 หลัก" in page and "เลขประจำตัวประชาชนไม่ถูกเก็บไว้" in page


def test_book_and_check_in_with_the_id_card(
    database_url: str, office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    enable_booking(database_url, ID_RULES)
    with app_with_clock(database_url, office) as day:
        day.clock.set("08:00", MONDAY - timedelta(days=3))
        refused = _form(day, "2026-11-30T09:00", "1-1017-00203-45-1", "0810000001")
        assert refused.status_code == 422
        assert "เลขประจำตัวประชาชน 13 หลัก" in refused.text
        booked = _form(day, "2026-11-30T09:00", "1-1017-00203-45-0", "0810000001")
        assert booked.status_code == 302
        assert _form(day, "2026-11-30T10:00", OTHER, "0810000002").status_code == 302

        day.clock.set("08:40", MONDAY - timedelta(days=1))  # not the booking's day: not found
        assert _check_in(day, citizen_id=CITIZEN).status_code == 404
        day.clock.set("08:40", MONDAY)
        first = _check_in(day, citizen_id=CITIZEN)
        assert first.status_code == 201, first.json
        assert first.json["priority"] == "appointment"
        again = _check_in(day, citizen_id=CITIZEN)  # the card inserted twice: the same ticket
        assert (again.status_code, again.json["id"]) == (200, first.json["id"])
        unknown = _check_in(day, citizen_id="3100600123468")  # valid number, no booking
        assert unknown.status_code == 404
        assert unknown.json["error"]["message_th"].startswith("ไม่พบการจองของวันนี้")
        not_a_card = _check_in(day, citizen_id="1234567890123")
        assert not_a_card.status_code == 404 and "1234567890123" not in not_a_card.text
        both = _check_in(day, citizen_id=CITIZEN, code="ACDEFG")
        assert both.status_code == 422 and both.json["error"]["message_th"]
        assert _check_in(day).status_code == 422

    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(store.t.bookings)).all()
    engine.dispose()
    every_value = repr([tuple(row) for row in rows])
    assert CITIZEN not in every_value and OTHER not in every_value
    digests = {row.citizen_hash for row in rows}
    assert len(digests) == 2 and all(len(d) == 64 for d in digests)
    assert CITIZEN not in caplog.text and "1-1017-00203-45-0" not in caplog.text
