"""Check-in of a booking at a kiosk: the booking code, or the national ID read from the citizen's
ID card, becomes a ticket (core.booking.check_in).

The booking is claimed first (one conditional update), then the ticket is issued by the same use
case as every kiosk ticket, under an id chosen beforehand. A second check-in of the same code
answers with that ticket (a kiosk retrying after a lost answer prints it, nothing is issued
twice); if the server died between claim and issue, the second check-in issues the ticket then.
Every code or ID tried counts against the kiosk's check-in limit, so neither can be guessed. An ID
number is only turned into its keyed digest (as the booking page stored it) and compared; it is
never stored, logged or repeated in an answer.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date

import sqlalchemy as sa
from flask import Response, current_app

from core import services
from core.booking import arrival, is_code, normal_code
from core.citizen_id import is_citizen_id, normal_citizen_id
from core.errors import DomainError, IllegalTransition, NotFound
from queue_server.api import bp, spec
from queue_server.api.access import office_for
from queue_server.api.errors import ApiError
from queue_server.api.models import CheckInRequest, Error, TicketOut
from queue_server.api.present import close_earlier_days, ticket_response
from queue_server.auth import Principal, Role
from queue_server.db import bookings as store
from queue_server.db.rate_limits import Limit, LimitReached, take
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq


def _count_attempt(who: Principal) -> None:
    limit = Limit(
        f"checkin:{who.token_id}",
        int(current_app.config["CHECKIN_RATE_LIMIT"]),
        float(current_app.config["CHECKIN_RATE_WINDOW_S"]),
    )
    try:
        with swq().db.writing() as conn:
            take(conn, limit, now=swq().now().timestamp())
    except LimitReached:
        raise ApiError(
            429,
            "rate_limited",
            "too many booking codes or ID cards tried at this kiosk; wait a minute or ask staff",
            "ลองรหัสการจองหรือบัตรประชาชนที่ตู้นี้บ่อยเกินไป กรุณารอสักครู่หรือติดต่อเจ้าหน้าที่",
            {"Retry-After": str(round(limit.window_s))},
        ) from None


def _unknown_code(code: str) -> NotFound:
    return NotFound(
        f"no booking {code} at this office; check the code",
        f"ไม่พบรหัสการจอง {code} ที่สำนักงานนี้ กรุณาตรวจสอบรหัส",
    )


def _unknown_card() -> NotFound:
    return NotFound(
        "this is not the number of a Thai ID card; take a ticket or ask the staff",
        "เลขนี้ไม่ใช่เลขบัตรประชาชน กรุณากดบัตรคิวตามปกติหรือติดต่อเจ้าหน้าที่",
    )


def _find(conn: sa.Connection, office: str, body: CheckInRequest, today: date) -> store.Booking:
    if body.citizen_id is not None:
        citizen_id = normal_citizen_id(body.citizen_id)
        if not is_citizen_id(citizen_id):
            raise _unknown_card()
        digest = store.citizen_digest(current_app.secret_key or "", citizen_id)
        return store.by_citizen(conn, office, today, digest)
    code = normal_code(body.code or "")
    if not is_code(code):
        raise _unknown_code(code[:12])
    try:
        return store.by_code(conn, office, code)
    except NotFound:
        raise _unknown_code(code) from None


@spec.route(
    bp,
    "POST",
    "/bookings/check-in",
    summary="Check in a booking by its code or ID card (kiosk): issues its ticket, or repeats it",
    tag="tickets",
    roles=[Role.KIOSK],
    body=CheckInRequest,
    responses={
        201: (TicketOut, "the booking's ticket, issued now"),
        200: (TicketOut, "the ticket this booking was checked in with before"),
        401: (Error, "no or unknown token"),
        403: (Error, "not a kiosk token"),
        404: (Error, "no booking with this code (or today for this ID card) at this office"),
        409: (Error, "the booking was cancelled, is for another day, or the office is closed"),
        422: (Error, "invalid body or priority class"),
        429: (Error, "too many codes or ID cards tried at this kiosk"),
    },
)
def check_in_booking(who: Principal, body: CheckInRequest) -> Response:
    office = office_for(who)
    _count_attempt(who)
    close_earlier_days(office)
    db = swq().db
    now = swq().now()
    uow = SqlUnitOfWork(db, office)
    with uow:
        config = uow.config(office)
        conn = uow.connection
        today = config.office.local_day(now)
        booking = _find(conn, office, body, today)
        if booking.status == store.CANCELLED:
            raise IllegalTransition(
                "this booking was cancelled; please take a ticket at the kiosk",
                "การจองนี้ถูกยกเลิกแล้ว กรุณากดบัตรคิวตามปกติ",
            )
        rules = store.read_booking(conn, office)
        grace_s = rules.settings.grace_s if rules else 0
        if booking.status == store.BOOKED and booking.day != today:
            raise IllegalTransition(
                f"this booking is for {booking.day.isoformat()}, not today",
                f"การจองนี้เป็นของวันที่ {booking.day.isoformat()} ไม่ใช่วันนี้",
            )
        walk_in = body.priority or config.priority.normal
        config.priority.require(walk_in)
        came = arrival(booking.slot_start, now, grace_s)
        ticket_id = booking.ticket_id or uuid.uuid4().hex
        claimed = booking.status == store.BOOKED and store.claim_check_in(
            conn, booking, ticket_id=ticket_id, arrival=came.value, now=now
        )
        uow.commit()
    if not claimed:
        try:
            with SqlUnitOfWork(db, office, write=False) as reader:
                ticket = reader.tickets.get(ticket_id)
            return ticket_response(office, ticket, 200)
        except NotFound:
            pass  # claimed by a check-in whose ticket was never written: issue it now
    try:
        ticket, _ = services.check_in_appointment(
            SqlUnitOfWork(db, office),
            office=office,
            service=booking.service,
            now=now,
            ticket_id=ticket_id,
            status_key=secrets.token_urlsafe(18),
            slot_start=booking.slot_start,
            grace_s=grace_s,
            priority=walk_in,
        )
    except DomainError:
        with db.writing() as conn:
            store.release_check_in(conn, booking.id, ticket_id)
        raise
    return ticket_response(office, ticket, 201)
