"""The public page of one ticket, reached from the QR code: where it stands, live.

The key in the URL is 144 random bits printed only on the ticket, so the page cannot be found by
guessing ids; a wrong key looks exactly like a missing ticket.
"""

from __future__ import annotations

import hmac
from importlib import resources
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, request

from core import services
from core.codec import iso
from queue_server.api.errors import ApiError
from queue_server.db import schema as t
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq
from queue_server.offices import read_phone
from queue_server.reports.feedback import is_rated
from queue_server.voice_packs.store import STAND_IN, office_pack

pages = Blueprint("pages", __name__)
FONTS = {"Sarabun-Regular.ttf", "Sarabun-Bold.ttf"}


def _not_found(ticket_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no ticket {ticket_id!r}", f"ไม่พบบัตรคิว {ticket_id!r}")


def public_status_document(ticket_id: str, key: str) -> dict[str, Any]:
    db = swq().db
    with db.engine.connect() as conn:
        office = conn.execute(
            sa.select(t.tickets.c.office).where(t.tickets.c.id == ticket_id)
        ).scalar_one_or_none()
    if office is None:
        raise _not_found(ticket_id)
    with SqlUnitOfWork(db, office, write=False) as uow:
        ticket = uow.tickets.get(ticket_id)
        if not hmac.compare_digest(ticket.status_key.encode(), key.encode()):
            raise _not_found(ticket_id)
        config = uow.config(office)
        now = swq().now()
        uow.estimate_from_copy(now)
        where = services.position(uow, config, ticket, now)
        counter = uow.counters.get(office, ticket.counter) if ticket.counter else None
    service = config.service(ticket.service)
    tz = config.office.tz
    return {
        "number": ticket.number,
        "state": ticket.status.value,
        "state_th": ticket.status.th,
        "people_ahead": where.people_ahead,
        "estimated_wait_s": where.estimated_wait_s,
        "estimated_wait_range_s": list(where.wait_range_s) if where.wait_range_s else None,
        "counter": ticket.counter,
        "counter_name_th": counter.name_th if counter else None,
        "counter_name_en": counter.name_en if counter else None,
        "service": service.code,
        "service_name_th": service.name_th,
        "service_name_en": service.name_en,
        "office": office,
        "office_name_th": config.office.name_th,
        "office_name_en": config.office.name_en,
        "issued_at": iso(ticket.issued_at, tz),
        "called_at": iso(ticket.called_at, tz),
    }


@pages.get("/t/<ticket_id>")
def ticket_page(ticket_id: str) -> str:
    key = request.args.get("key", "")
    doc = public_status_document(ticket_id, key)
    lang = "en" if request.args.get("lang") == "en" else "th"
    rated = is_rated(swq().db, ticket_id)
    with swq().db.engine.connect() as conn:
        phone = read_phone(conn, doc["office"])
        pack = office_pack(conn, doc["office"])
    # The page tells its holder (sound, vibration, notification) at the office's number of
    # people ahead, which the citizen may change; a contact is asked only if a webhook sends.
    notify = {"ahead": phone.notify_ahead, "webhook": phone.webhook_url is not None}
    return render_template(
        "status.html",
        ticket_id=ticket_id,
        key=key,
        doc=doc,
        lang=lang,
        rated=rated,
        notify=notify,
        # The office's own chime, the one its boards play.
        chime_pack=pack.version if pack is not None else STAND_IN,
    )


@pages.get("/fonts/<name>")
def font(name: str) -> Response:
    """The Thai font (Sarabun, OFL) the pages use, so phones without one still show Thai."""
    if name not in FONTS:
        raise ApiError(404, "not_found", f"no font {name!r}", "ไม่พบแบบอักษร")
    data = (resources.files("fontpkg_sarabun") / "files" / name).read_bytes()
    response = Response(data, mimetype="font/ttf")
    response.cache_control.public = True
    response.cache_control.max_age = 86400 * 30
    return response
