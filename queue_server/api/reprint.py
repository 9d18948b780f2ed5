"""Printing a ticket again: the same number on new paper, never a new place in the queue.

A kiosk may reprint only what it issued itself, for a short while and while the citizen still
waits (a jam or a torn slip right after the tap); an officer at a counter or an admin reprints
any live ticket of the office for the citizen in front of them. Every reprint is audited.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Response, current_app

from core.errors import NotFound
from core.model import TicketStatus
from queue_server.api import bp, spec
from queue_server.api.access import office_for
from queue_server.api.errors import ApiError
from queue_server.api.models import Error, NoBody, TicketOut
from queue_server.api.present import ticket_response
from queue_server.auth import Principal, Role
from queue_server.db import schema as t
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq
from queue_server.web import audit

REPRINTABLE = (TicketStatus.WAITING, TicketStatus.CALLED)


@spec.route(
    bp,
    "POST",
    "/tickets/<ticket_id>/reprint",
    summary=(
        "Print a ticket again: the same ticket, audited. A kiosk: only its own, within"
        " KIOSK_REPRINT_WINDOW_S of issuing, while waiting or called; an officer with a"
        " counter or an admin: any waiting or called ticket of the office"
    ),
    tag="tickets",
    roles=[Role.KIOSK, Role.OFFICER],
    body=NoBody,
    audited=False,  # written below as "reprint" for every role, kiosks included
    responses={
        200: (TicketOut, "the same ticket, to print again"),
        400: (Error, "bad request"),
        401: (Error, "no or unknown token"),
        403: (Error, "another kiosk's ticket, or an officer without a counter"),
        404: (Error, "no such ticket"),
        409: (Error, "no longer waiting or called, or the kiosk's reprint time is over"),
        422: (Error, "invalid body"),
    },
)
def reprint(who: Principal, ticket_id: str, body: NoBody) -> Response:
    office = office_for(who)
    c = t.tickets.c
    with swq().db.engine.connect() as conn:
        row = conn.execute(
            sa.select(c.issued_by).where(c.id == ticket_id, c.office == office)
        ).one_or_none()
    if row is None:
        raise NotFound(f"no ticket {ticket_id!r}", f"ไม่พบบัตรคิว {ticket_id!r}")
    with SqlUnitOfWork(swq().db, office, write=False) as uow:
        ticket = uow.tickets.get(ticket_id)
    if who.role is Role.OFFICER and not who.counter:
        raise ApiError(
            403,
            "forbidden",
            "an officer reprints from a counter: this token or account has none",
            "เจ้าหน้าที่ต้องประจำช่องบริการจึงจะพิมพ์บัตรคิวซ้ำได้",
        )
    if who.role is Role.KIOSK:
        if row.issued_by != who.token_id:
            raise ApiError(
                403,
                "forbidden",
                "a kiosk can reprint only the tickets it issued",
                "ตู้ออกบัตรพิมพ์ซ้ำได้เฉพาะบัตรที่ตู้นี้ออกเท่านั้น",
            )
        window = float(current_app.config["KIOSK_REPRINT_WINDOW_S"])
        if swq().now() - ticket.issued_at > timedelta(seconds=window):
            raise ApiError(
                409,
                "reprint_too_late",
                f"a kiosk reprints within {window / 60:.0f} min of issuing; ask staff",
                f"พิมพ์ซ้ำที่ตู้ได้ภายใน {window / 60:.0f} นาทีหลังรับบัตร กรุณาติดต่อเจ้าหน้าที่",
            )
    if ticket.status not in REPRINTABLE:
        raise ApiError(
            409,
            "not_reprintable",
            f"ticket {ticket.number} is {ticket.status.value}: only a waiting or called ticket"
            " is printed again",
            f"บัตรคิว {ticket.number} ไม่ได้อยู่ระหว่างรอ จึงพิมพ์ซ้ำไม่ได้",
        )
    audit.record(office, who.name, who.role.value, "reprint", ticket_id, {"number": ticket.number})
    return ticket_response(office, ticket)
