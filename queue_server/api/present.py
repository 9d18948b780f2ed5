"""Tickets as the API shows them: contract JSON in the office's own UTC offset."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from core import services
from core.codec import ticket_to_json
from core.model import OfficeConfig, Ticket, TicketStatus
from core.services import Position
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq


def status_url(ticket: Ticket, *, with_key: bool = True) -> str:
    """The ticket's status page; without the key (which only its holder may have) for readers
    that must not follow one ticket, such as display tokens."""
    base = current_app.config["PUBLIC_URL"] or request.host_url
    page = f"{base.rstrip('/')}/t/{ticket.id}"
    return f"{page}?key={ticket.status_key}" if with_key else page


def ticket_document(
    config: OfficeConfig, ticket: Ticket, where: Position, *, with_key: bool = True
) -> dict[str, Any]:
    return ticket_to_json(
        ticket,
        people_ahead=where.people_ahead,
        estimated_wait_s=where.estimated_wait_s,
        wait_range_s=where.wait_range_s,
        status_url=status_url(ticket, with_key=with_key),
        tz=config.office.tz,
    )


def office_config(office: str) -> OfficeConfig:
    """The office's configuration, from the cache when a request has read it already."""
    config = swq().db.cached_config(office)
    if config is None:
        with SqlUnitOfWork(swq().db, office, write=False) as uow:
            config = uow.config(office)
    return config


def ticket_response(
    office: str, ticket: Ticket, status: int = 200, *, with_key: bool = True
) -> Response:
    """The ticket with where it stands now (a waiting ticket needs a fresh look at its queue)."""
    config = swq().db.cached_config(office)
    if config is None or ticket.status is TicketStatus.WAITING:
        now = swq().now()
        with SqlUnitOfWork(swq().db, office, write=False) as uow:
            config = uow.config(office)
            uow.estimate_from_copy(now)
            where = services.position(uow, config, ticket, now)
    else:
        where = services.settled_position(ticket)
    response = jsonify(ticket_document(config, ticket, where, with_key=with_key))
    response.status_code = status
    return response


def close_earlier_days(office: str) -> None:
    """Before the first ticket of a new day is issued or called: yesterday's leftovers go."""
    swq().rollover.close_earlier_days(swq().db, office_config(office), swq().now())
