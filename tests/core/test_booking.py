"""Slots, codes and what a check-in makes of a booking (core.booking)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.booking import (
    APPOINTMENT,
    CODE_ALPHABET,
    Arrival,
    SlotRule,
    check_in,
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


def test_check_in_early_on_time_and_late() -> None:
    slot = datetime(2026, 11, 30, 9, tzinfo=BKK)
    early = check_in(slot, slot - timedelta(minutes=40), 600, "elderly")
    assert (early.priority, early.queued_at, early.arrival) == (APPOINTMENT, slot, Arrival.EARLY)
    on_time = check_in(slot, slot + timedelta(minutes=10), 600, "normal")
    assert (on_time.priority, on_time.queued_at) == (APPOINTMENT, slot)
    late_at = slot + timedelta(minutes=10, seconds=1)
    late = check_in(slot, late_at, 600, "elderly")
    assert (late.priority, late.queued_at, late.arrival) == ("elderly", late_at, Arrival.LATE)
