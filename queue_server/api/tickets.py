"""Issuing tickets (kiosks) and acting on one ticket (officers)."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid

import sqlalchemy as sa
from flask import Response, current_app, jsonify, request

from core import services
from core.errors import NotFound
from queue_server.api import bp, spec
from queue_server.api.access import office_for
from queue_server.api.acting import action_unit
from queue_server.api.errors import ApiError
from queue_server.api.models import (
    DoneRequest,
    Error,
    IssueRequest,
    NoBody,
    NoShowRequest,
    PublicStatus,
    StatusQuery,
    TicketOut,
    TransferRequest,
)
from queue_server.api.present import (
    close_earlier_days,
    office_config,
    ticket_document,
    ticket_response,
)
from queue_server.auth import Principal, Role
from queue_server.db import schema as t
from queue_server.db.rate_limits import Limit, LimitReached
from queue_server.db.uow import IdempotencyClaim, SqlUnitOfWork
from queue_server.extension import swq
from queue_server.web.status_page import public_status_document

ERRORS = {
    400: (Error, "bad request"),
    401: (Error, "no or unknown token"),
    403: (Error, "not allowed for this token"),
    404: (Error, "no such ticket"),
    409: (Error, "not possible in the ticket's state"),
    422: (Error, "invalid body"),
}
MAX_KEY = 200


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ApiError(
            400,
            "bad_idempotency_key",
            f"Idempotency-Key must be 1-{MAX_KEY} printable characters",
            f"Idempotency-Key ต้องเป็นตัวอักษร 1-{MAX_KEY} ตัว",
        )
    return key


def _replay(who: Principal, key: str, request_hash: str) -> Response | None:
    """The ticket this kiosk already got for this key, if it asked before."""
    c = t.idempotency_keys.c
    with swq().db.engine.connect() as conn:
        row = conn.execute(
            sa.select(c.request_hash, c.ticket_id).where(c.token_id == who.token_id, c.key == key)
        ).one_or_none()
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was already used for a different request",
            "Idempotency-Key นี้ถูกใช้กับคำขออื่นไปแล้ว",
        )
    with SqlUnitOfWork(swq().db, who.office, write=False) as uow:
        ticket = uow.tickets.get(row.ticket_id)
    response = ticket_response(who.office, ticket, 201)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _kiosk_limit(who: Principal) -> Limit | None:
    if who.role is not Role.KIOSK:
        return None
    return Limit(
        f"kiosk:{who.token_id}",
        int(current_app.config["KIOSK_RATE_LIMIT"]),
        float(current_app.config["KIOSK_RATE_WINDOW_S"]),
    )


def _rate_limited(reached: LimitReached) -> ApiError:
    limit = reached.limit
    return ApiError(
        429,
        "rate_limited",
        f"this kiosk issued {limit.limit} tickets within {limit.window_s:.0f} s; wait a moment",
        "ตู้นี้ออกบัตรคิวถี่เกินไป กรุณารอสักครู่ หรือแจ้งเจ้าหน้าที่",
        {"Retry-After": str(max(1, round(limit.window_s / limit.limit)))},
    )


@spec.route(
    bp,
    "POST",
    "/tickets",
    summary="Issue a ticket (kiosk). Same Idempotency-Key again: the same ticket.",
    tag="tickets",
    roles=[Role.KIOSK],
    body=IssueRequest,
    headers=[("Idempotency-Key", "the kiosk's key for this tap: a retry gets the same ticket")],
    responses={201: (TicketOut, "the ticket"), 429: (Error, "too many from this kiosk"), **ERRORS},
)
def issue(who: Principal, body: IssueRequest) -> Response:
    office = office_for(who)
    key = _idempotency_key()
    if key is not None and who.token_id is None:
        raise ApiError(
            400,
            "bad_idempotency_key",
            "Idempotency-Key needs a device token (kiosks retry; browsers do not)",
            "Idempotency-Key ใช้ได้กับโทเคนของอุปกรณ์เท่านั้น",
        )
    request_hash = hashlib.sha256(
        json.dumps(body.model_dump(), sort_keys=True).encode()
    ).hexdigest()
    if key is not None:
        replay = _replay(who, key, request_hash)
        if replay is not None:
            return replay
    close_earlier_days(office)
    ticket_id = uuid.uuid4().hex
    uow = SqlUnitOfWork(swq().db, office)
    uow.issued_by = who.token_id
    limit = _kiosk_limit(who)
    if limit is not None:
        uow.limit = (limit, swq().now().timestamp())
    if key is not None:
        uow.claim = IdempotencyClaim(who.token_id, key, request_hash, ticket_id)
    try:
        ticket, where = services.issue_ticket(
            uow,
            office=office,
            service=body.service,
            priority=body.priority,
            extra_services=body.extra_services,
            now=swq().now(),
            ticket_id=ticket_id,
            status_key=secrets.token_urlsafe(18),
        )
    except LimitReached as reached:
        raise _rate_limited(reached) from None
    except sa.exc.IntegrityError:
        # The same key raced in from a retry on another connection: that one won, answer with it.
        replay = _replay(who, key, request_hash) if key is not None else None
        if replay is None:
            raise
        return replay
    response = jsonify(ticket_document(office_config(office), ticket, where))
    response.status_code = 201
    return response


@spec.route(
    bp,
    "GET",
    "/tickets/<ticket_id>",
    summary="One ticket of the token's office",
    tag="tickets",
    roles=list(Role),
    responses={200: (TicketOut, "the ticket"), **ERRORS},
)
def get_ticket(who: Principal, ticket_id: str) -> Response:
    office = office_for(who)
    with SqlUnitOfWork(swq().db, office, write=False) as uow:
        ticket = uow.tickets.get(ticket_id)
    return ticket_response(office, ticket, with_key=who.role is not Role.DISPLAY)


@spec.route(
    bp,
    "GET",
    "/tickets/<ticket_id>/status",
    summary="Public status of a ticket (the QR code on the ticket); the key is on the ticket",
    tag="public",
    query=StatusQuery,
    responses={
        200: (PublicStatus, "where the ticket stands"),
        404: ERRORS[404],
        422: (Error, "no key given"),
    },
)
def public_status(ticket_id: str, query: StatusQuery) -> Response:
    return jsonify(public_status_document(ticket_id, query.key))


def _officer_counter(who: Principal) -> str | None:
    return who.counter if who.role is Role.OFFICER else None


def _act(who: Principal, ticket_id: str, action: str, **kwargs: object) -> Response:
    office = office_for(who)
    use_case = getattr(services, action)
    ticket = use_case(
        action_unit(office),
        office=office,
        ticket_id=ticket_id,
        now=swq().now(),
        counter=_officer_counter(who),
        **kwargs,
    )
    return ticket_response(office, ticket)


@spec.route(
    bp,
    "POST",
    "/tickets/<ticket_id>/serving",
    summary="The citizen has arrived at the counter: service starts",
    tag="tickets",
    roles=[Role.OFFICER],
    body=NoBody,
    responses={200: (TicketOut, "the ticket"), **ERRORS},
)
def start_serving(who: Principal, ticket_id: str, body: NoBody) -> Response:
    return _act(who, ticket_id, "start_serving")


@spec.route(
    bp,
    "POST",
    "/tickets/<ticket_id>/done",
    summary="Finish a visit with the transactions actually performed",
    tag="tickets",
    roles=[Role.OFFICER],
    body=DoneRequest,
    responses={200: (TicketOut, "the ticket"), **ERRORS},
)
def done(who: Principal, ticket_id: str, body: DoneRequest) -> Response:
    return _act(who, ticket_id, "finish", transactions=body.transactions)


@spec.route(
    bp,
    "POST",
    "/tickets/<ticket_id>/done-and-next",
    summary="Finish a visit and call the next ticket to the same counter, in one step",
    tag="tickets",
    roles=[Role.OFFICER],
    body=DoneRequest,
    responses={
        200: (TicketOut, "the ticket now called (the one given is finished)"),
        204: (None, "the ticket is finished; nobody waits, or the pause asked for has begun"),
        **ERRORS,
    },
)
def done_and_next(who: Principal, ticket_id: str, body: DoneRequest) -> Response:
    office = office_for(who)
    close_earlier_days(office)
    called = services.finish_and_call_next(
        action_unit(office),
        office=office,
        ticket_id=ticket_id,
        now=swq().now(),
        transactions=body.transactions,
        counter=_officer_counter(who),
    )
    if called is None:
        return Response(status=204)
    return ticket_response(office, called)


@spec.route(
    bp,
    "POST",
    "/tickets/<ticket_id>/no-show",
    summary="The citizen did not come to the counter",
    tag="tickets",
    roles=[Role.OFFICER],
    body=NoShowRequest,
    responses={200: (TicketOut, "the ticket"), **ERRORS},
)
def no_show(who: Principal, ticket_id: str, body: NoShowRequest) -> Response:
    return _act(who, ticket_id, "no_show", confirmed=body.confirm)


@spec.route(
    bp,
    "POST",
    "/tickets/<ticket_id>/undo-no-show",
    summary="The citizen came after all: within the office's grace period, back to the counter",
    tag="tickets",
    roles=[Role.OFFICER],
    body=NoBody,
    responses={200: (TicketOut, "the ticket, called at its counter again"), **ERRORS},
)
def undo_no_show(who: Principal, ticket_id: str, body: NoBody) -> Response:
    return _act(who, ticket_id, "undo_no_show")


@spec.route(
    bp,
    "POST",
    "/tickets/<ticket_id>/transfer",
    summary="Send a ticket to another service's queue or to a named counter",
    tag="tickets",
    roles=[Role.OFFICER],
    body=TransferRequest,
    responses={200: (TicketOut, "the ticket, waiting again"), **ERRORS},
)
def transfer(who: Principal, ticket_id: str, body: TransferRequest) -> Response:
    return _act(who, ticket_id, "transfer", service=body.service, to_counter=body.counter)


@spec.route(
    bp,
    "POST",
    "/tickets/<ticket_id>/cancel",
    summary="Cancel a ticket (an officer at its counter or any waiting one; a kiosk its own)",
    tag="tickets",
    roles=[Role.OFFICER, Role.KIOSK],
    body=NoBody,
    responses={200: (TicketOut, "the ticket"), **ERRORS},
)
def cancel(who: Principal, ticket_id: str, body: NoBody) -> Response:
    if who.role is Role.KIOSK:
        c = t.tickets.c
        with swq().db.engine.connect() as conn:
            issued_by = conn.execute(
                sa.select(c.issued_by).where(c.id == ticket_id, c.office == who.office)
            ).one_or_none()
        if issued_by is None:
            raise NotFound("no such ticket here; reload the page", "ไม่พบบัตรคิวนี้ กรุณาโหลดหน้าใหม่")
        if issued_by[0] != who.token_id:
            raise ApiError(
                403,
                "forbidden",
                "a kiosk can cancel only the tickets it issued",
                "ตู้ออกบัตรยกเลิกได้เฉพาะบัตรที่ตู้นี้ออกเท่านั้น",
            )
    return _act(who, ticket_id, "cancel")
