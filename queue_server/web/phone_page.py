"""A walk-in ticket taken on a phone: the citizen scans the QR at the door or on the board, picks
a service and a priority class as at the kiosk, and lands on the ticket's status page, which is
the ticket (no paper).

The QR's token is today's (queue_server.web.phone_qr). A browser holds one phone ticket at a
time: an HttpOnly cookie carries a random id whose SHA-256 names the ticket in `phone_tickets`,
checked and written in the ticket's own transaction, so two taps at once still make one ticket.
Taking is counted per address (PHONE_RATE_LIMIT per PHONE_RATE_WINDOW_S).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, redirect, render_template, request

from core import services
from core.model import OfficeConfig
from core.phone_settings import PhoneSettings
from queue_server.api.errors import ApiError
from queue_server.api.office import kiosk_layout
from queue_server.api.present import close_earlier_days, status_url
from queue_server.db import schema as t
from queue_server.db.notices import subscribe
from queue_server.db.rate_limits import Limit, LimitReached
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq
from queue_server.offices import read_phone
from queue_server.web.phone_qr import phone_url, qr_svg, today_token
from queue_server.web.session import csrf_ok

phone_page = Blueprint("phone_page", __name__)
COOKIE = "swq_phone"
ACTIVE = ("waiting", "called", "serving")
# What an SMS gateway or messaging account needs: a phone number or an account name, no more.
CONTACT = re.compile(r"[0-9A-Za-z+@._\- ]{3,100}")


class PhoneTicketHeld(Exception):
    """This browser's earlier phone ticket is still in the queue."""


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "th"


def _office(office: str) -> tuple[OfficeConfig, PhoneSettings]:
    if office not in swq().db.office_codes():
        raise ApiError(404, "not_found", f"no office {office!r}", f"ไม่พบสำนักงาน {office!r}")
    with SqlUnitOfWork(swq().db, office, write=False) as uow:
        config = uow.config(office)
        phone = read_phone(uow.connection, office)
    return config, phone


def _check_door(config: OfficeConfig, phone: PhoneSettings, token: str) -> None:
    if not phone.tickets:
        raise ApiError(
            403,
            "phone_tickets_off",
            "This office does not give tickets by phone now; please take one at the kiosk.",
            "สำนักงานนี้ปิดการรับบัตรคิวทางโทรศัพท์ กรุณากดรับบัตรคิวที่ตู้",
        )
    if not hmac.compare_digest(token.encode(), today_token(config).encode()):
        raise ApiError(
            403,
            "qr_expired",
            "This QR code is not today's. Please scan the QR code at the office today.",
            "คิวอาร์โค้ดนี้ไม่ใช่ของวันนี้ กรุณาสแกนคิวอาร์โค้ดที่สำนักงานในวันนี้",
        )


def _browser_hash() -> str | None:
    cookie = request.cookies.get(COOKIE)
    return hashlib.sha256(cookie.encode()).hexdigest() if cookie else None


def _held(conn: sa.Connection, browser: str | None) -> tuple[str, str] | None:
    """(ticket id, status key) of this browser's phone ticket still in the queue, if any."""
    if browser is None:
        return None
    p, k = t.phone_tickets.c, t.tickets.c
    row = conn.execute(
        sa.select(k.id, k.status_key)
        .join_from(t.phone_tickets, t.tickets, p.ticket_id == k.id)
        .where(p.browser_hash == browser, k.status.in_(ACTIVE))
    ).first()
    return (row.id, row.status_key) if row else None


def _held_url(held: tuple[str, str] | None) -> str | None:
    if held is None:
        return None
    base = current_app.config["PUBLIC_URL"] or request.host_url
    return f"{base.rstrip('/')}/t/{held[0]}?key={held[1]}"


def _choices(config: OfficeConfig) -> dict[str, Any]:
    with swq().db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.offices.c.kiosk).where(t.offices.c.code == config.office.code)
        ).scalar_one()
    layout = kiosk_layout(config, stored)
    open_services = [config.services[c] for c in layout.services if config.services[c].open]
    classes = [(k, *config.priority.name(k)) for k in config.priority.classes]
    return {"services": open_services, "classes": classes if layout.ask_priority else classes[:1]}


def _page(config: OfficeConfig, phone: PhoneSettings, status: int = 200, **extra: Any) -> Any:
    with swq().db.engine.connect() as conn:
        held = _held(conn, _browser_hash())
    html = render_template(
        "phone.html",
        office=config.office,
        lang=_lang(),
        ask_contact=phone.webhook_url is not None,
        held_url=_held_url(held),
        **_choices(config),
        **extra,
    )
    return html, status


class ContactRefused(Exception):
    th = "ช่องทางติดต่อ: หมายเลขโทรศัพท์หรือชื่อบัญชี 3 ถึง 100 ตัว (ตัวเลข ตัวอักษร หรือ + @ . _ -)"
    en = "Contact: a phone number or account name of 3 to 100 letters, digits or + @ . _ -"


def _contact() -> str | None:
    """The contact the citizen typed (None: none); ContactRefused says what is wrong."""
    contact = " ".join(request.form.get("contact", "").split())
    if not contact:
        return None
    if not CONTACT.fullmatch(contact):
        raise ContactRefused()
    return contact


def _record(
    office: str, browser: str, ticket_id: str, contact: str | None, ahead: int
) -> Callable[[SqlUnitOfWork], None]:
    """The browser's record (and the citizen's contact), written in the ticket's transaction."""

    def write(uow: SqlUnitOfWork) -> None:
        conn = uow.connection
        # Under the office's write lock: of two taps at once, the second sees the first.
        if _held(conn, browser) is not None:
            raise PhoneTicketHeld()
        now = swq().now()
        conn.execute(sa.delete(t.phone_tickets).where(t.phone_tickets.c.browser_hash == browser))
        conn.execute(
            sa.insert(t.phone_tickets).values(
                browser_hash=browser, office=office, ticket_id=ticket_id, taken_at=now
            )
        )
        if contact is not None:
            subscribe(uow, ticket_id, contact, ahead, now)

    return write


@phone_page.route("/phone/<office>/<token>", methods=["GET", "POST"])
def phone(office: str, token: str) -> Any:
    config, settings = _office(office)
    _check_door(config, settings, token)
    if request.method == "GET":
        return _page(config, settings)
    if not csrf_ok():
        return _page(
            config,
            settings,
            400,
            error=(
                "หน้านี้เปิดไว้นานเกินไป กรุณาลองอีกครั้ง",
                "This page was open too long; please try again.",
            ),
        )
    try:
        contact = _contact() if settings.webhook_url else None
    except ContactRefused:
        return _page(config, settings, 422, error=(ContactRefused.th, ContactRefused.en))
    cookie = request.cookies.get(COOKIE) or secrets.token_urlsafe(24)
    browser = hashlib.sha256(cookie.encode()).hexdigest()
    ticket_id = uuid.uuid4().hex
    close_earlier_days(office)
    uow = SqlUnitOfWork(swq().db, office)
    now = swq().now()
    address = request.remote_addr or "unknown"
    uow.limit = (
        Limit(
            f"phone:{address}",
            int(current_app.config["PHONE_RATE_LIMIT"]),
            float(current_app.config["PHONE_RATE_WINDOW_S"]),
        ),
        now.timestamp(),
    )
    uow.also.append(_record(office, browser, ticket_id, contact, settings.notify_ahead))
    try:
        ticket, _ = services.issue_ticket(
            uow,
            office=office,
            service=request.form.get("service", ""),
            priority=request.form.get("priority") or None,
            now=now,
            ticket_id=ticket_id,
            status_key=secrets.token_urlsafe(18),
        )
    except PhoneTicketHeld:
        return _page(
            config,
            settings,
            409,
            error=(
                "ท่านมีบัตรคิวจากโทรศัพท์เครื่องนี้ที่ยังรอเรียกอยู่แล้ว รับได้ครั้งละหนึ่งใบ",
                "You already have a ticket from this phone that is still waiting; one at a time.",
            ),
        )
    except LimitReached as reached:
        raise ApiError(
            429,
            "rate_limited",
            "Too many tickets from this network; please wait or take one at the kiosk.",
            "มีการรับบัตรคิวจากเครือข่ายนี้ถี่เกินไป กรุณารอสักครู่ หรือกดรับบัตรคิวที่ตู้",
            {"Retry-After": str(round(reached.limit.window_s))},
        ) from None
    response: Response = redirect(status_url(ticket), 303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=86400,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


@phone_page.get("/phone-qr/<office>")
def phone_qr(office: str) -> Response:
    """Today's QR as an image, for the board (`/board?phone_qr=1`) which reloads it now and then."""
    config, settings = _office(office)
    if not settings.tickets:
        raise ApiError(404, "not_found", "phone tickets are off", "ปิดการรับบัตรคิวทางโทรศัพท์")
    response = Response(str(qr_svg(phone_url(config))), mimetype="image/svg+xml")
    response.cache_control.no_store = True
    return response
