"""Bookings in the database: an office's booking rules (`offices.booking`) and its booked slots.

Every change that counts a slot's bookings runs under the office's write lock (the unit of work
that issues tickets takes the same), so two citizens can never both get a slot's last place.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from core.booking import BookingSettings, OfficeBooking, SlotRule, new_code
from core.errors import IllegalTransition, InvalidRequest, NotFound
from core.model import OpeningHours
from queue_server.db import schema as t

BOOKED = "booked"
CANCELLED = "cancelled"
CHECKED_IN = "checked_in"


# ---- the office's rules -----------------------------------------------------------------------


def booking_to_json(booking: OfficeBooking) -> dict[str, Any]:
    s = booking.settings
    return {
        "grace_s": s.grace_s,
        "ask_name": s.ask_name,
        "ask_phone": s.ask_phone,
        "retention_days": s.retention_days,
        "ask_citizen_id": s.ask_citizen_id,
        "slots": {
            code: {
                "weekdays": list(rule.weekdays),
                "hours": str(rule.hours),
                "slot_s": rule.slot_s,
                "capacity": rule.capacity,
                "days_ahead": rule.days_ahead,
                "closed_days": [d.isoformat() for d in rule.closed_days],
            }
            for code, rule in booking.slots.items()
        },
    }


def booking_from_json(data: Any) -> OfficeBooking | None:
    if not isinstance(data, dict):
        return None
    settings = BookingSettings(
        grace_s=int(data["grace_s"]),
        ask_name=bool(data["ask_name"]),
        ask_phone=bool(data["ask_phone"]),
        retention_days=int(data["retention_days"]),
        ask_citizen_id=bool(data.get("ask_citizen_id", False)),  # absent before revision 0014
    )
    slots = {
        code: SlotRule(
            weekdays=tuple(rule["weekdays"]),
            hours=OpeningHours.parse(rule["hours"]),
            slot_s=int(rule["slot_s"]),
            capacity=int(rule["capacity"]),
            days_ahead=int(rule["days_ahead"]),
            closed_days=tuple(date.fromisoformat(d) for d in rule["closed_days"]),
        )
        for code, rule in data["slots"].items()
    }
    return OfficeBooking(settings, slots)


def read_booking(conn: sa.Connection, office: str) -> OfficeBooking | None:
    stored = conn.execute(
        sa.select(t.offices.c.booking).where(t.offices.c.code == office)
    ).scalar_one_or_none()
    return booking_from_json(stored)


def write_booking(conn: sa.Connection, office: str, booking: OfficeBooking | None) -> bool:
    """Store the office's rules; True when they changed."""
    if read_booking(conn, office) == booking:
        return False
    value = None if booking is None else booking_to_json(booking)
    conn.execute(sa.update(t.offices).where(t.offices.c.code == office).values(booking=value))
    return True


# ---- booked slots -----------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def citizen_digest(secret_key: str | bytes, citizen_id: str) -> str:
    """The keyed digest a booking keeps instead of the national ID number: HMAC-SHA256 under the
    server's secret key, so a copy of the database alone cannot be matched against the (small,
    guessable) space of ID numbers."""
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(key, b"citizen-id:" + citizen_id.encode(), hashlib.sha256).hexdigest()


def slot_start(day: date, start: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, start, tzinfo=tz)


def taken(conn: sa.Connection, office: str, service: str, start: datetime) -> int:
    """Places of the slot starting at `start` held by bookings not cancelled."""
    c = t.bookings.c
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(
                c.office == office,
                c.service == service,
                c.slot_start == start,
                c.status != CANCELLED,
            )
        ).scalar_one()
    )


def taken_on(conn: sa.Connection, office: str, service: str, day: date) -> dict[datetime, int]:
    """Per slot start of `day`, the places taken."""
    c = t.bookings.c
    rows = conn.execute(
        sa.select(c.slot_start, sa.func.count())
        .where(c.office == office, c.service == service, c.day == day, c.status != CANCELLED)
        .group_by(c.slot_start)
    )
    return {start: int(n) for start, n in rows}


@dataclass(frozen=True)
class Booking:
    id: str
    office: str
    service: str
    slot_start: datetime
    day: date
    code: str
    status: str
    name: str | None
    phone: str | None
    ticket_id: str | None
    arrival: str | None


def _booking(row: Any) -> Booking:
    return Booking(
        id=row.id,
        office=row.office,
        service=row.service,
        slot_start=row.slot_start,
        day=row.day,
        code=row.code,
        status=row.status,
        name=row.name,
        phone=row.phone,
        ticket_id=row.ticket_id,
        arrival=row.arrival,
    )


def by_manage_token(conn: sa.Connection, token: str) -> Booking:
    row = conn.execute(
        sa.select(t.bookings).where(t.bookings.c.manage_hash == token_hash(token))
    ).one_or_none()
    if row is None:
        raise NotFound("no such booking", "ไม่พบการจองนี้")
    return _booking(row)


def by_code(conn: sa.Connection, office: str, code: str) -> Booking:
    c = t.bookings.c
    row = conn.execute(
        sa.select(t.bookings).where(c.office == office, c.code == code)
    ).one_or_none()
    if row is None:
        raise NotFound(
            f"no booking {code} at this office; check the code",
            f"ไม่พบรหัสการจอง {code} ที่สำนักงานนี้ กรุณาตรวจสอบรหัส",
        )
    return _booking(row)


def by_citizen(conn: sa.Connection, office: str, day: date, digest: str) -> Booking:
    """The citizen's booking of `day` at the office: the earliest still to check in, else the
    one checked in last (a kiosk retrying after a lost answer gets that ticket again)."""
    c = t.bookings.c
    rows = conn.execute(
        sa.select(t.bookings)
        .where(
            c.office == office,
            c.day == day,
            c.citizen_hash == digest,
            c.status != CANCELLED,
        )
        .order_by(c.slot_start)
    ).all()
    waiting = [row for row in rows if row.status == BOOKED]
    if waiting:
        return _booking(waiting[0])
    if rows:
        return _booking(rows[-1])
    raise NotFound(
        "no booking today at this office for this ID card; check the booking or take a ticket",
        "ไม่พบการจองของวันนี้สำหรับบัตรประชาชนนี้ กรุณาตรวจสอบการจองหรือกดบัตรคิวตามปกติ",
    )


def _slot_full() -> IllegalTransition:
    return IllegalTransition(
        "this time is fully booked; please choose another time",
        "ช่วงเวลานี้เต็มแล้ว กรุณาเลือกเวลาอื่น",
    )


def require_place(
    conn: sa.Connection, office: str, service: str, start: datetime, rule: SlotRule
) -> None:
    if taken(conn, office, service, start) >= rule.capacity:
        raise _slot_full()


def add_booking(
    conn: sa.Connection,
    *,
    office: str,
    service: str,
    start: datetime,
    day: date,
    now: datetime,
    name: str | None,
    phone: str | None,
    citizen_hash: str | None = None,
) -> tuple[str, str]:
    """Store a booking (the caller checked the place under the office's lock); returns its code
    and the manage token, which only the citizen gets."""
    token = secrets.token_urlsafe(24)
    c = t.bookings.c
    while True:  # a code already used at this office is drawn again (rare: 244 million codes)
        code = new_code()
        used = conn.execute(sa.select(c.id).where(c.office == office, c.code == code)).first()
        if used is None:
            break
    conn.execute(
        sa.insert(t.bookings).values(
            id=uuid.uuid4().hex,
            office=office,
            service=service,
            slot_start=start,
            day=day,
            code=code,
            manage_hash=token_hash(token),
            status=BOOKED,
            name=name,
            phone=phone,
            citizen_hash=citizen_hash,
            created_at=now,
        )
    )
    return code, token


def _require_booked(booking: Booking) -> None:
    if booking.status != BOOKED:
        raise IllegalTransition(
            "this booking was already cancelled or used",
            "การจองนี้ถูกยกเลิกหรือใช้ไปแล้ว",
        )


def cancel_booking(conn: sa.Connection, booking: Booking, now: datetime) -> None:
    _require_booked(booking)
    conn.execute(
        sa.update(t.bookings)
        .where(t.bookings.c.id == booking.id, t.bookings.c.status == BOOKED)
        .values(status=CANCELLED, cancelled_at=now)
    )


def move_booking(
    conn: sa.Connection, booking: Booking, start: datetime, day: date, rule: SlotRule
) -> None:
    _require_booked(booking)
    if start != booking.slot_start:
        require_place(conn, booking.office, booking.service, start, rule)
    conn.execute(
        sa.update(t.bookings).where(t.bookings.c.id == booking.id).values(slot_start=start, day=day)
    )


def claim_check_in(
    conn: sa.Connection, booking: Booking, *, ticket_id: str, arrival: str, now: datetime
) -> bool:
    """Mark the booking checked in with the ticket about to be issued; False if another check-in
    got there first."""
    c = t.bookings.c
    done = conn.execute(
        sa.update(t.bookings)
        .where(c.id == booking.id, c.status == BOOKED)
        .values(status=CHECKED_IN, ticket_id=ticket_id, arrival=arrival, checked_in_at=now)
    )
    return done.rowcount == 1


def release_check_in(conn: sa.Connection, booking_id: str, ticket_id: str) -> None:
    """The ticket could not be issued (office or service closed): the booking stands again."""
    c = t.bookings.c
    conn.execute(
        sa.update(t.bookings)
        .where(c.id == booking_id, c.ticket_id == ticket_id)
        .values(status=BOOKED, ticket_id=None, arrival=None, checked_in_at=None)
    )


def erase_personal_data(conn: sa.Connection, office: str, today: date, now: datetime) -> int:
    """Delete the names, phone numbers and citizen digests of bookings whose day is more than the
    office's retention period ago; returns how many bookings were erased. The bookings themselves
    stay (reports count them), with nothing left that says who made them."""
    booking = read_booking(conn, office)
    if booking is None:
        return 0
    last_kept = today - timedelta(days=booking.settings.retention_days)
    c = t.bookings.c
    done = conn.execute(
        sa.update(t.bookings)
        .where(
            c.office == office,
            c.day < last_kept,
            c.erased_at.is_(None),
            sa.or_(c.name.is_not(None), c.phone.is_not(None), c.citizen_hash.is_not(None)),
        )
        .values(name=None, phone=None, citizen_hash=None, erased_at=now)
    )
    return int(done.rowcount)


def invalid_slot() -> InvalidRequest:
    return InvalidRequest(
        "that time cannot be booked; please choose one from the list",
        "ไม่สามารถจองเวลานี้ได้ กรุณาเลือกจากรายการ",
    )


# ---- what reports and the supervisor see ------------------------------------------------------


@dataclass(frozen=True)
class ServiceBookings:
    """One service's bookings of some days: made (not cancelled), cancelled, checked in (early,
    on time or late) and no-shows (still booked after the slot's start plus the grace period)."""

    service: str
    booked: int
    cancelled: int
    checked_in: int
    on_time: int  # early or on time: queued as appointments
    late: int
    no_shows: int

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.checked_in if self.checked_in else None


COUNTS = ("booked", "cancelled", "checked_in", "on_time", "late", "no_shows")


def service_bookings(
    conn: sa.Connection, office: str, first: date, last: date, now: datetime
) -> list[ServiceBookings]:
    rules = read_booking(conn, office)
    grace = timedelta(seconds=rules.settings.grace_s if rules else 0)
    c = t.bookings.c
    rows = conn.execute(
        sa.select(c.service, c.status, c.arrival, c.slot_start).where(
            c.office == office, c.day >= first, c.day <= last
        )
    )
    tally: dict[str, dict[str, int]] = {}
    for service, status, came, start in rows:
        counts = tally.setdefault(service, dict.fromkeys(COUNTS, 0))
        if status == CANCELLED:
            counts["cancelled"] += 1
            continue
        counts["booked"] += 1
        if status == CHECKED_IN:
            counts["checked_in"] += 1
            counts["late" if came == "late" else "on_time"] += 1
        elif start + grace < now:
            counts["no_shows"] += 1
    return [ServiceBookings(service, **counts) for service, counts in sorted(tally.items())]


@dataclass(frozen=True)
class ComingSlot:
    start: datetime
    service: str
    booked: int  # not cancelled
    checked_in: int


def coming_hour(conn: sa.Connection, office: str, now: datetime) -> list[ComingSlot]:
    """The slots starting within the next hour (and those started within the last quarter, still
    arriving), with how many are booked and already checked in."""
    c = t.bookings.c
    checked = sa.func.sum(sa.case((c.status == CHECKED_IN, 1), else_=0))
    rows = conn.execute(
        sa.select(c.slot_start, c.service, sa.func.count(), checked)
        .where(
            c.office == office,
            c.status != CANCELLED,
            c.slot_start >= sa.literal(now - timedelta(minutes=15), t.UTCDateTime()),
            c.slot_start < sa.literal(now + timedelta(hours=1), t.UTCDateTime()),
        )
        .group_by(c.slot_start, c.service)
        .order_by(c.slot_start, c.service)
    )
    return [ComingSlot(start, service, int(n), int(done or 0)) for start, service, n, done in rows]
