"""The public booking pages: a citizen picks a service, a day and a slot, and gets a booking code
(with its QR) and a manage link to cancel or move it. No account, plain forms (no script).

The code alone only checks in at the kiosk; everything about a booking is reached by the manage
link's token (192 random bits, kept only as its hash), so nobody can look up another's booking.
Bookings per address and per phone number are limited per window with the shared rate counters.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from core.booking import OfficeBooking, SlotRule
from core.citizen_id import is_citizen_id, normal_citizen_id
from core.errors import DomainError, InvalidRequest, NotFound
from core.model import OfficeConfig, Service
from core.reports import thai_date
from queue_server.api.errors import ApiError
from queue_server.db import bookings as store
from queue_server.db import schema as t
from queue_server.db.rate_limits import Limit, LimitReached, take
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq
from queue_server.web.language import pick
from queue_server.web.reprint_page import qr_svg
from queue_server.web.session import csrf_ok

booking = Blueprint("booking", __name__)
PHONE = re.compile(r"\+?[0-9]{9,15}")


@dataclass(frozen=True)
class Slot:
    start: datetime
    free: int

    @property
    def value(self) -> str:
        return self.start.strftime("%Y-%m-%dT%H:%M")

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}"


def _office(office: str) -> tuple[OfficeConfig, OfficeBooking]:
    with SqlUnitOfWork(swq().db, office, write=False) as uow:
        config = uow.config(office)
        rules = store.read_booking(uow.connection, office)
    if rules is None or not rules.slots:
        raise _missing("this office takes no bookings", "สำนักงานนี้ไม่เปิดให้จองคิวล่วงหน้า")
    return config, rules


def _missing(en: str, th: str) -> ApiError:
    """A 404 page (not JSON): these are pages citizens open."""
    return ApiError(404, "not_found", en, th)


def _known_office(office: str) -> None:
    with swq().db.engine.connect() as conn:
        found = conn.execute(sa.select(t.offices.c.code).where(t.offices.c.code == office)).first()
    if found is None:
        raise _missing(f"no office {office!r}", f"ไม่พบสำนักงาน {office!r}")


def _rule(rules: OfficeBooking, service: str) -> SlotRule:
    rule = rules.slots.get(service)
    if rule is None:
        raise _missing("this service takes no bookings", "บริการนี้ไม่เปิดให้จองล่วงหน้า")
    return rule


def _slots(
    config: OfficeConfig, rule: SlotRule, service: str, day: date, now: datetime
) -> list[Slot]:
    """The day's slots still ahead, with their free places."""
    tz = config.office.tz
    with swq().db.engine.connect() as conn:
        taken = store.taken_on(conn, config.office.code, service, day)
    slots = []
    for start_time in rule.starts(day):
        start = store.slot_start(day, start_time, tz)
        if start > now:
            slots.append(Slot(start, max(0, rule.capacity - taken.get(start, 0))))
    return slots


def _chosen_day(days: list[date], usual: date | None = None) -> date | None:
    """The day asked for in the URL, else `usual` (a booking's own day), else the first."""
    asked = request.args.get("day", "")
    try:
        day = date.fromisoformat(asked) if asked else None
    except ValueError:
        day = None
    if day in days:
        return day
    if usual in days:
        return usual
    return days[0] if days else None


def _day_label(day: date) -> str:
    return pick(thai_date(day), f"{day:%a %d %b %Y}")


def _slot_from_form(config: OfficeConfig, rule: SlotRule, now: datetime) -> tuple[datetime, date]:
    raw = request.form.get("slot", "")
    try:
        local = datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise store.invalid_slot() from None
    tz = config.office.tz
    start = local.replace(tzinfo=tz)
    day = local.date()
    today = config.office.local_day(now)
    if day not in rule.days(today) or local.time() not in rule.starts(day) or start <= now:
        raise store.invalid_slot()
    return start, day


def _personal(rules: OfficeBooking) -> tuple[str | None, str | None]:
    settings = rules.settings
    name = phone = None
    if settings.ask_name:
        name = request.form.get("name", "").strip()
        if not name or len(name) > 200:
            raise InvalidRequest(
                "please give your name (at most 200 characters)",
                "กรุณากรอกชื่อ (ไม่เกิน 200 ตัวอักษร)",
            )
    if settings.ask_phone:
        phone = re.sub(r"[\s-]", "", request.form.get("phone", ""))
        if not PHONE.fullmatch(phone):
            raise InvalidRequest(
                "please give a phone number of 9-15 digits",
                "กรุณากรอกเบอร์โทรศัพท์ 9-15 หลัก",
            )
    return name, phone


def _citizen_hash(rules: OfficeBooking) -> str | None:
    """The keyed digest of the national ID the form asked for; the number goes no further."""
    if not rules.settings.ask_citizen_id:
        return None
    citizen_id = normal_citizen_id(request.form.get("citizen_id", ""))
    if not is_citizen_id(citizen_id):
        raise InvalidRequest(
            "please give your 13-digit national ID number as on your ID card; this one is wrong",
            "กรุณากรอกเลขประจำตัวประชาชน 13 หลักตามบัตรประชาชน เลขนี้ไม่ถูกต้อง",
        )
    return store.citizen_digest(current_app.secret_key or "", citizen_id)


def _limits(office: str, phone: str | None) -> list[Limit]:
    settings = current_app.config
    window = float(settings["BOOKING_LIMIT_WINDOW_S"])
    limits = [
        Limit(
            f"booking-address:{office}:{request.remote_addr}",
            int(settings["BOOKINGS_PER_ADDRESS"]),
            window,
        )
    ]
    if phone is not None:
        # Keyed by a keyed hash: the counters table never holds a phone number.
        key = str(current_app.secret_key or "").encode()
        digest = hmac.new(key, phone.encode(), hashlib.sha256)
        limits.append(
            Limit(
                f"booking-phone:{office}:{digest.hexdigest()}",
                int(settings["BOOKINGS_PER_PHONE"]),
                window,
            )
        )
    return limits


def _limit_refusal(reached: LimitReached) -> InvalidRequest:
    hours = max(1, round(reached.limit.window_s / 3600))
    if reached.limit.key.startswith("booking-phone:"):
        return InvalidRequest(
            f"this phone number already has {reached.limit.limit} bookings within {hours} hours",
            f"เบอร์โทรศัพท์นี้จองครบ {reached.limit.limit} ครั้งภายใน {hours} ชั่วโมงแล้ว",
        )
    return InvalidRequest(
        f"this device already made {reached.limit.limit} bookings within {hours} hours",
        f"อุปกรณ์นี้จองครบ {reached.limit.limit} ครั้งภายใน {hours} ชั่วโมงแล้ว",
    )


def _require_csrf() -> None:
    if not csrf_ok():
        abort(400, "the form is stale; reload the page")


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def _service_page(
    office: str, service: str, error: DomainError | None = None, status: int = 200
) -> tuple[str, int]:
    config, rules = _office(office)
    rule = _rule(rules, service)
    now = swq().now()
    days = rule.days(config.office.local_day(now))
    day = _chosen_day(days)
    slots = _slots(config, rule, service, day, now) if day else []
    return _render(
        "booking_slots.html",
        status,
        config=config,
        settings=rules.settings,
        service=config.service(service),
        days=[(d, _day_label(d)) for d in days],
        day=day,
        slots=slots,
        error=error,
        # The day travels with the form, so a refusal shows the same day again.
        action=url_for("booking.book", office=office, service=service, day=day),
        moving=None,
    )


@booking.get("/book/<office>")
def choose_service(office: str) -> tuple[str, int]:
    _known_office(office)
    config, rules = _office(office)
    services = [config.service(code) for code in config.services if code in rules.slots]
    return _render("booking_services.html", config=config, services=services)


@booking.get("/book/<office>/<service>")
def choose_slot(office: str, service: str) -> tuple[str, int]:
    _known_office(office)
    return _service_page(office, service)


@booking.post("/book/<office>/<service>")
def book(office: str, service: str) -> Response | tuple[str, int]:
    _known_office(office)
    _require_csrf()
    config, rules = _office(office)
    rule = _rule(rules, service)
    now = swq().now()
    try:
        start, day = _slot_from_form(config, rule, now)
        name, phone = _personal(rules)
        citizen_hash = _citizen_hash(rules)
        uow = SqlUnitOfWork(swq().db, office)
        with uow:
            conn = uow.connection
            store.require_place(conn, office, service, start, rule)
            for limit in _limits(office, phone):
                take(conn, limit, now=now.timestamp())
            _, token = store.add_booking(
                conn,
                office=office,
                service=service,
                start=start,
                day=day,
                now=now,
                name=name,
                phone=phone,
                citizen_hash=citizen_hash,
            )
            uow.commit()
    except LimitReached as reached:
        return _service_page(office, service, _limit_refusal(reached), 429)
    except DomainError as exc:
        return _service_page(office, service, exc, 409 if exc.code != "invalid_request" else 422)
    return redirect(url_for("booking.manage", token=token, new=1))


# ---- the manage link ------------------------------------------------------------------------


def _find(token: str) -> store.Booking:
    try:
        with swq().db.engine.connect() as conn:
            return store.by_manage_token(conn, token)
    except NotFound:
        raise _missing("no such booking; check the link", "ไม่พบการจองนี้ กรุณาตรวจสอบลิงก์") from None


def _manage_page(
    token: str, error: DomainError | None = None, status: int = 200
) -> tuple[str, int]:
    found = _find(token)
    config, rules = _office(found.office)
    service: Service = config.service(found.service)
    rule = rules.slots.get(found.service)
    now = swq().now()
    days = rule.days(config.office.local_day(now)) if rule else []
    day = _chosen_day(days, found.day)
    slots = _slots(config, rule, found.service, day, now) if rule and day else []
    start = found.slot_start.astimezone(config.office.tz)
    return _render(
        "booking_manage.html",
        status,
        config=config,
        settings=rules.settings,
        service=service,
        booking=found,
        token=token,
        when=f"{_day_label(start.date())} {start:%H:%M}",
        qr=qr_svg(found.code),
        days=[(d, _day_label(d)) for d in days],
        day=day,
        slots=slots,
        error=error,
        action=url_for("booking.move", token=token, day=day),
        moving=found,
        new=request.args.get("new") == "1",
    )


@booking.get("/booking/<token>")
def manage(token: str) -> tuple[str, int]:
    return _manage_page(token)


@booking.post("/booking/<token>/cancel")
def cancel(token: str) -> Response | tuple[str, int]:
    _require_csrf()
    found = _find(token)
    try:
        uow = SqlUnitOfWork(swq().db, found.office)
        with uow:
            store.cancel_booking(uow.connection, found, swq().now())
            uow.commit()
    except DomainError as exc:
        return _manage_page(token, exc, 409)
    return redirect(url_for("booking.manage", token=token))


@booking.post("/booking/<token>/move")
def move(token: str) -> Response | tuple[str, int]:
    _require_csrf()
    found = _find(token)
    config, rules = _office(found.office)
    try:
        rule = _rule(rules, found.service)
        start, day = _slot_from_form(config, rule, swq().now())
        uow = SqlUnitOfWork(swq().db, found.office)
        with uow:
            store.move_booking(uow.connection, found, start, day, rule)
            uow.commit()
    except DomainError as exc:
        return _manage_page(token, exc, 409 if exc.code != "invalid_request" else 422)
    return redirect(url_for("booking.manage", token=token))
