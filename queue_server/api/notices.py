"""A citizen asks to be told through the office's webhook (an SMS gateway, a messaging account)
when their ticket is near and when it is called: from the status page, with the ticket's key."""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from flask import Response, jsonify

from queue_server.api import bp, spec
from queue_server.api.errors import ApiError
from queue_server.api.models import Error, NoticeOut, NoticeRequest, StatusQuery
from queue_server.db import schema as t
from queue_server.db.notices import subscribe
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq
from queue_server.offices import read_phone


def _not_found(ticket_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no ticket {ticket_id!r}", f"ไม่พบบัตรคิว {ticket_id!r}")


@spec.route(
    bp,
    "POST",
    "/tickets/<ticket_id>/notices",
    summary="Be told through the office's webhook when the ticket is near and when it is called "
    "(the key is the ticket's); again: the contact or the number ahead changes",
    tag="public",
    query=StatusQuery,
    body=NoticeRequest,
    responses={
        200: (NoticeOut, "the citizen will be told"),
        404: (Error, "no such ticket, or a wrong key"),
        409: (Error, "the office sends no notices, or the ticket has left the queue"),
        422: (Error, "invalid contact"),
    },
)
def notices(ticket_id: str, query: StatusQuery, body: NoticeRequest) -> Response:
    db = swq().db
    with db.engine.connect() as conn:
        office = conn.execute(
            sa.select(t.tickets.c.office).where(t.tickets.c.id == ticket_id)
        ).scalar_one_or_none()
    if office is None:
        raise _not_found(ticket_id)
    with SqlUnitOfWork(db, office) as uow:
        ticket = uow.tickets.get(ticket_id)
        if not hmac.compare_digest(ticket.status_key.encode(), query.key.encode()):
            raise _not_found(ticket_id)
        phone = read_phone(uow.connection, office)
        if phone.webhook_url is None:
            raise ApiError(
                409,
                "no_notices",
                "this office sends no notices; keep the status page open to be told",
                "สำนักงานนี้ไม่ได้ส่งการแจ้งเตือน กรุณาเปิดหน้าสถานะคิวไว้เพื่อรับการแจ้งเตือน",
            )
        if ticket.status.value != "waiting":
            raise ApiError(
                409,
                "not_waiting",
                "the ticket is no longer waiting",
                "บัตรคิวนี้ไม่ได้อยู่ระหว่างรอเรียกแล้ว",
            )
        ahead = phone.notify_ahead if body.ahead is None else body.ahead
        subscribe(uow, ticket_id, body.contact, ahead, swq().now())
        uow.commit()
    return jsonify(NoticeOut(ticket_id=ticket_id, ahead=ahead).model_dump())
