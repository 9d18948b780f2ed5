"""The test office with appointments: service A bookable Monday to Friday 09:00-11:00 in
30-minute slots, one citizen per slot, grace 10 minutes, phone asked, data kept 30 days."""

from __future__ import annotations

import dataclasses
from datetime import time

from core.booking import BookingSettings, OfficeBooking, SlotRule
from core.model import OpeningHours
from core.office_file import load_office
from queue_server.db.engine import make_engine
from queue_server.offices import store_office
from tests.server.conftest import OFFICE_FILE

RULES = OfficeBooking(
    BookingSettings(grace_s=600, ask_name=False, ask_phone=True, retention_days=30),
    {
        "A": SlotRule(
            weekdays=(0, 1, 2, 3, 4),
            hours=OpeningHours(time(9), time(11)),
            slot_s=1800,
            capacity=1,
            days_ahead=7,
        )
    },
)


def enable_booking(database_url: str, rules: OfficeBooking = RULES) -> None:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        store_office(conn, dataclasses.replace(load_office(OFFICE_FILE), booking=rules))
    engine.dispose()
