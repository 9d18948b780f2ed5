"""What anyone may read: health, services for the kiosk, the board, the event stream, the API
document."""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from core import services
from queue_server.api import bp, spec
from queue_server.api.access import identify, office_for
from queue_server.api.errors import ApiError
from queue_server.api.models import Board, Error, EventsQuery, Health, OfficeQuery, ServiceOut
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq
from queue_server.live.board import board_document
from queue_server.live.budget import Reader, StreamsFull
from queue_server.live.hub import Stream

root = Blueprint("root", __name__)
OFFICE_ERRORS = {400: (Error, "several offices: say which"), 404: (Error, "no such office")}


@spec.route(
    root,
    "GET",
    "/healthz",
    summary="Liveness: the process answers and its database is reachable",
    tag="public",
    responses={200: (Health, "ok"), 503: (Error, "database unreachable")},
)
def healthz() -> Response:
    try:
        swq().db.office_codes()
    except Exception as exc:  # any failure to reach the database is the answer itself
        raise ApiError(
            503,
            "database_unavailable",
            f"database unreachable: {type(exc).__name__}",
            "เชื่อมต่อฐานข้อมูลไม่ได้",
        ) from None
    return jsonify({"status": "ok"})


@spec.route(
    bp,
    "GET",
    "/openapi.json",
    summary="This document",
    tag="public",
    responses={200: (None, "OpenAPI 3.1 document")},
)
def openapi() -> Response:
    return jsonify(_document())


@cache
def _document() -> dict[str, Any]:
    return spec.document()


@spec.route(
    bp,
    "GET",
    "/services",
    summary="The office's services with people waiting and the wait a new ticket can expect",
    tag="public",
    query=OfficeQuery,
    responses={200: (list[ServiceOut], "services in kiosk order"), **OFFICE_ERRORS},
)
def list_services(query: OfficeQuery) -> Response:
    office = office_for()
    now = swq().now()
    with SqlUnitOfWork(swq().db, office, write=False) as uow:
        config = uow.config(office)
        uow.estimate_from_copy(now)
        waiting = uow.tickets.waiting_counts(office)
        positions = services.newcomer_positions(uow, config, now)
    docs = []
    for code, svc in config.services.items():
        agency = config.agencies.get(svc.agency)
        docs.append(
            ServiceOut(
                code=code,
                name_th=svc.name_th,
                name_en=svc.name_en,
                agency=svc.agency,
                agency_name_th=agency.name_th if agency else svc.agency,
                agency_name_en=agency.name_en if agency else svc.agency,
                open=svc.open,
                waiting=waiting.get(code, 0),
                estimated_wait_s=positions[code].estimated_wait_s,
                estimated_wait_range_s=positions[code].wait_range_s,
            ).model_dump(mode="json")
        )
    return jsonify(docs)


@spec.route(
    bp,
    "GET",
    "/board",
    summary="The hall board now: latest calls today and each counter's ticket",
    tag="public",
    query=OfficeQuery,
    responses={200: (Board, "the board"), **OFFICE_ERRORS},
)
def board(query: OfficeQuery) -> Response:
    office = office_for()
    return jsonify(
        board_document(swq().db, office, swq().now(), int(current_app.config["BOARD_CALLS"]))
    )


def _raw_socket() -> tuple[socket.socket | None, bool]:
    """The client's socket, when the server (gunicorn) exposes one we may write to directly,
    and whether the server frames the body in chunks (HTTP/1.1)."""
    raw = request.environ.get("gunicorn.socket")
    if (
        request.method != "GET"
        or not isinstance(raw, socket.socket)
        or isinstance(raw, ssl.SSLSocket)
    ):
        return None, True
    return raw, request.environ.get("SERVER_PROTOCOL", "HTTP/1.1") != "HTTP/1.0"


def _reader(office: str) -> Reader:
    """A device token or a signed-in person of this office reads everything on a budget of its
    own; anyone else reads what a board shows, on the budget of their address."""
    who = identify()
    if who is not None and who.office == office:
        return Reader(f"{who.token_id or 'user'}:{who.office}/{who.name}", public=False)
    return Reader(f"address:{request.remote_addr}", public=True)


@spec.route(
    bp,
    "GET",
    "/events",
    summary="Server-Sent Events; Last-Event-ID (header or ?last_event_id=) resumes",
    tag="public",
    query=EventsQuery,
    content_type="text/event-stream",
    headers=[("Last-Event-ID", "the last event id received: resume right after it")],
    responses={
        200: (str, "the event stream"),
        **OFFICE_ERRORS,
        422: (Error, "last_event_id is not a whole number"),
        503: (Error, "this process holds all the streams it may; retry"),
    },
)
def events(query: EventsQuery) -> Response:
    office = office_for()
    after = query.last_event_id
    header = request.headers.get("Last-Event-ID")
    if header:
        if not re.fullmatch(r"[0-9]{1,18}", header.strip()):
            raise ApiError(
                400,
                "bad_last_event_id",
                "Last-Event-ID must be an event id (a whole number)",
                "Last-Event-ID ต้องเป็นตัวเลข",
            )
        after = int(header)
    return event_stream(
        lambda: swq().hub.open_stream(office, after, _reader(office), *_raw_socket())
    )


def event_stream(open_stream: Callable[[], Stream]) -> Response:
    """A stream the hub opens, sent unbuffered; 503 when this process holds all it may."""
    try:
        stream = open_stream()
    except StreamsFull:
        raise ApiError(
            503,
            "too_many_streams",
            "too many open streams on this server process; retry shortly",
            "มีผู้เชื่อมต่อมากเกินไป กรุณาลองใหม่อีกครั้ง",
            {"Retry-After": "5"},
        ) from None
    return Response(
        stream,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
