"""Slots, codes and what a check-in makes of a booking (core.booking)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.booking import (
    CODE_ALPHABET,
    Arrival,
    SlotRule,
    arrival,
    is_code,
    new_code,
    normal_code,
)
from core.errors import InvalidRequest
from core.model import OpeningHours

BKK = ZoneInfo("Asia/Bangkok")
MONDAY = date(2026, 11, 30)


def test_slots_follow_weekdays_hours_and_closing_days() -> None:
    rule = SlotRule((0, 2), OpeningHours(time(9), time(10, 10)), 1800, 2, 3, closed_days=(MONDAY,))
    assert rule.starts(MONDAY) == []  # closed
    assert rule.starts(MONDAY + timedelta(days=2)) == [time(9), time(9, 30)]  # 10:00 won't fit
    assert rule.starts(MONDAY + timedelta(days=1)) == []  # Tuesday: not a booking day
    assert rule.days(MONDAY) == [MONDAY + timedelta(days=2)]  # three days ahead at most
    with pytest.raises(InvalidRequest):
        SlotRule((7,), OpeningHours(time(9), time(10)))
    with pytest.raises(InvalidRequest):
        SlotRule((0,), OpeningHours(time(9), time(10)), slot_s=7200)


def test_codes_avoid_look_alikes_and_read_as_typed() -> None:
    assert not set("01258BILOSZ") & set(CODE_ALPHABET)
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200 and all(is_code(c) for c in codes)
    assert normal_code(" ac3-d4f\r\n") == "AC3D4F"


def test_arrival_early_on_time_and_late() -> None:
    slot = datetime(2026, 11, 30, 9, tzinfo=BKK)
    assert arrival(slot, slot - timedelta(minutes=40), 600) is Arrival.EARLY
    assert arrival(slot, slot + timedelta(minutes=10), 600) is Arrival.ON_TIME
    assert arrival(slot, slot + timedelta(minutes=10, seconds=1), 600) is Arrival.LATE
