"""Appointments: the slots a service can be booked in and what a check-in makes of a booking.

An office's admins give each bookable service a `SlotRule` (weekdays, hours, slot length,
capacity, how far ahead, closing days) and the office `BookingSettings` (grace period, what to ask,
how long personal data is kept). Everything here is pure: the server stores bookings and counts
them; the routing core decides when an appointment ticket is called.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from core.errors import InvalidRequest
from core.model import OpeningHours

# Booking codes are read aloud, typed on a kiosk keypad and scanned: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_TH = ("จ.", "อ.", "พ.", "พฤ.", "ศ.", "ส.", "อา.")
MAX_DAYS_AHEAD = 366
MAX_CAPACITY = 1000


def new_code() -> str:
    """A fresh booking code: 25^6 (about 244 million) codes, drawn from the OS's random source."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str:
    """What a citizen typed or a scanner sent (the QR holds the bare code), as a code: upper
    case, without the spaces, dashes and line ends people and scanners add."""
    return "".join(ch for ch in text.upper() if ch not in " -\t\r\n")


def is_code(text: str) -> bool:
    return len(text) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in text)


@dataclass(frozen=True)
class SlotRule:
    """When one service can be booked: slots of `slot_s` seconds from `hours` on `weekdays`
    (0 = Monday), each for `capacity` citizens, bookable up to `days_ahead` days ahead,
    except on `closed_days`."""

    weekdays: tuple[int, ...]
    hours: OpeningHours
    slot_s: int = 15 * 60
    capacity: int = 1
    days_ahead: int = 14
    closed_days: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))
        object.__setattr__(self, "closed_days", tuple(sorted(set(self.closed_days))))
        if not self.weekdays or not all(0 <= d <= 6 for d in self.weekdays):
            raise InvalidRequest(
                "weekdays must be one or more of 0 (Monday) to 6 (Sunday)",
                "วันที่เปิดจองต้องเป็น 0 (จันทร์) ถึง 6 (อาทิตย์) อย่างน้อยหนึ่งวัน",
            )
        window_s = _seconds(self.hours.closes) - _seconds(self.hours.opens)
        if not 60 <= self.slot_s <= window_s:
            raise InvalidRequest(
                "a slot must last at least a minute and fit in the booking hours",
                "ช่วงเวลานัดต้องยาวอย่างน้อย 1 นาทีและอยู่ในเวลาที่เปิดจอง",
            )
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise InvalidRequest(
                f"capacity per slot must be 1-{MAX_CAPACITY}",
                f"จำนวนที่รับต่อช่วงเวลาต้องเป็น 1-{MAX_CAPACITY}",
            )
        if not 0 <= self.days_ahead <= MAX_DAYS_AHEAD:
            raise InvalidRequest(
                f"days ahead must be 0-{MAX_DAYS_AHEAD}",
                f"จำนวนวันที่จองล่วงหน้าได้ต้องเป็น 0-{MAX_DAYS_AHEAD}",
            )

    def starts(self, day: date) -> list[time]:
        """The slot start times of `day` (none on a weekday without booking or a closing day)."""
        if day.weekday() not in self.weekdays or day in self.closed_days:
            return []
        first, last = _seconds(self.hours.opens), _seconds(self.hours.closes)
        return [
            time(s // 3600, s % 3600 // 60)
            for s in range(first, last - self.slot_s + 1, self.slot_s)
        ]

    def days(self, today: date) -> list[date]:
        """The days a citizen can book on now: today up to `days_ahead` days on, that have slots."""
        every = (today + timedelta(days=n) for n in range(self.days_ahead + 1))
        return [day for day in every if self.starts(day)]


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60


@dataclass(frozen=True)
class BookingSettings:
    """An office's booking rules: minutes late that still count as on time, what personal data
    the form asks for, and how many days after the slot that data is kept."""

    grace_s: int = 10 * 60
    ask_name: bool = False
    ask_phone: bool = False
    retention_days: int = 30
    # The form asks for the 13-digit national ID, so the citizen can check in with the ID card;
    # the server keeps only a keyed digest of the number.
    ask_citizen_id: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.grace_s <= 24 * 3600:
            raise InvalidRequest(
                "the grace period must be 0-1440 minutes", "ระยะผ่อนผันต้องเป็น 0-1440 นาที"
            )
        if not 0 <= self.retention_days <= 3650:
            raise InvalidRequest("retention must be 0-3650 days", "ระยะเวลาเก็บข้อมูลต้องเป็น 0-3650 วัน")


@dataclass(frozen=True)
class OfficeBooking:
    """What an office offers for booking: its settings and each bookable service's rule."""

    settings: BookingSettings = BookingSettings()
    slots: Mapping[str, SlotRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "slots", MappingProxyType(dict(self.slots)))

    def __hash__(self) -> int:
        return hash((self.settings, tuple(sorted(self.slots.items(), key=lambda kv: kv[0]))))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, OfficeBooking)
            and self.settings == other.settings
            and dict(self.slots) == dict(other.slots)
        )


class Arrival(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


def arrival(slot_start: datetime, now: datetime, grace_s: int) -> Arrival:
    """Early before the slot, on time up to the grace period after its start, late after."""
    if now < slot_start:
        return Arrival.EARLY
    if now <= slot_start + timedelta(seconds=grace_s):
        return Arrival.ON_TIME
    return Arrival.LATE
