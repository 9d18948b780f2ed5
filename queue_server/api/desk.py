"""The officer console's view of one counter, and calling a chosen ticket out of turn."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from statistics import fmean

import sqlalchemy as sa
from flask import Response, jsonify

from core import services
from core.model import OfficeConfig, TicketStatus
from queue_server.api import bp, spec
from queue_server.api.access import office_for, own_counter
from queue_server.api.acting import action_unit
from queue_server.api.counters import ERRORS, counter_out
from queue_server.api.models import (
    CallTicketRequest,
    Desk,
    DeskQueue,
    DeskService,
    DeskTicket,
    DeskToday,
    DeskUndo,
    DeskWaiting,
    PauseReasonOut,
    TicketOut,
)
from queue_server.api.present import ticket_document, ticket_response
from queue_server.auth import Principal, Role
from queue_server.db import schema as t
from queue_server.db.office_mirror import last_event_id
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq

WAITING_SHOWN = 30


def _seconds(start: datetime | None, end: datetime) -> int:
    return max(0, int((end - start).total_seconds())) if start is not None else 0


def _today(conn: sa.Connection, config: OfficeConfig, code: str, now: datetime) -> DeskToday:
    tz = config.office.tz
    midnight = datetime.combine(now.astimezone(tz).date(), time(), tz)
    c = t.tickets.c
    rows = conn.execute(
        sa.select(c.status, c.called_at, c.serving_at, c.finished_at).where(
            c.office == config.office.code, c.counter == code, c.finished_at >= midnight
        )
    ).all()
    served = [r for r in rows if r.status == TicketStatus.DONE.value]
    durations = [
        (r.finished_at - (r.serving_at or r.called_at)).total_seconds()
        for r in served
        if r.called_at is not None
    ]
    # A transfer names the counter it left only in its data (its counter column is empty).
    transfers = conn.execute(
        sa.select(t.events.c.data).where(
            t.events.c.office == config.office.code,
            t.events.c.type == "ticket.transferred",
            t.events.c.at >= midnight,
        )
    ).scalars()
    return DeskToday(
        served=len(served),
        no_shows=sum(r.status == TicketStatus.NO_SHOW.value for r in rows),
        transferred=sum(json.loads(data).get("from_counter") == code for data in transfers),
        mean_service_s=round(fmean(durations)) if durations else None,
    )


def _undo(conn: sa.Connection, config: OfficeConfig, code: str, now: datetime) -> DeskUndo | None:
    """The counter's latest no-show, while its grace period lasts."""
    c = t.tickets.c
    since = now - timedelta(seconds=config.no_show_grace_s)
    row = conn.execute(
        sa.select(c.id, c.number, c.finished_at)
        .where(
            c.office == config.office.code,
            c.counter == code,
            c.status == TicketStatus.NO_SHOW.value,
            c.finished_at >= since,
        )
        .order_by(c.finished_at.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    left = config.no_show_grace_s - _seconds(row.finished_at, now)
    return DeskUndo(ticket_id=row.id, number=row.number, seconds_left=max(0, left))


@spec.route(
    bp,
    "GET",
    "/counters/<code>",
    summary="The counter as its officer's console shows it: ticket, queues, today's figures",
    tag="counters",
    roles=[Role.OFFICER],
    responses={200: (Desk, "the counter"), **ERRORS},
)
def desk(who: Principal, code: str) -> Response:
    office = office_for(who)
    own_counter(who, code)
    return jsonify(desk_document(office, code).model_dump(mode="json"))


def desk_document(office: str, code: str) -> Desk:
    """Everything an officer's console shows about one counter, read in one transaction."""
    now = swq().now()
    with SqlUnitOfWork(swq().db, office, write=False) as uow:
        config = uow.config(office)
        counter = uow.counters.get(office, code)
        counters = uow.counters.list(office)
        ticket = uow.tickets.at_counter(office, code)
        current = None
        if ticket is not None:
            where = services.settled_position(ticket)
            name_th, name_en = config.priority.name(ticket.priority)
            current = DeskTicket(
                **ticket_document(config, ticket, where),
                waited_s=_seconds(ticket.issued_at, ticket.called_at or now),
                recalls=ticket.recalls,
                priority_name_th=name_th,
                priority_name_en=name_en,
            )
        conn = uow.connection
        served = list(counter.profile.weights)
        c = t.tickets.c
        oldest = dict(
            conn.execute(
                sa.select(c.service, sa.func.min(c.queued_at))
                .where(c.office == office, c.status == "waiting", c.service.in_(served))
                .group_by(c.service)
            ).all()
        )
        waiting_counts = uow.tickets.waiting_counts(office)
        waiting_rows = conn.execute(
            sa.select(c.id, c.number, c.service, c.priority, c.issued_at)
            .where(c.office == office, c.status == "waiting", c.service.in_(served))
            .order_by(c.queued_at, c.number)
            .limit(WAITING_SHOWN)
        ).all()
        today = _today(conn, config, code, now)
        undo = _undo(conn, config, code, now)
        last_event = last_event_id(conn, office)
    queues = [
        DeskQueue(
            service=s,
            name_th=config.services[s].name_th if s in config.services else s,
            name_en=config.services[s].name_en if s in config.services else s,
            weight=weight,
            waiting=waiting_counts.get(s, 0),
            longest_wait_s=_seconds(oldest[s], now) if s in oldest else None,
        )
        for s, weight in counter.profile.weights.items()
    ]
    return Desk(
        last_event_id=last_event,
        pause_reasons=[
            PauseReasonOut(code=r.code, name_th=r.name_th, name_en=r.name_en)
            for r in config.pause_reasons
        ],
        undo=undo,
        counter=counter_out(counter),
        ticket=current,
        queues=queues,
        waiting=[
            DeskWaiting(
                id=r.id,
                number=r.number,
                service=r.service,
                priority=r.priority,
                waited_s=_seconds(r.issued_at, now),
            )
            for r in waiting_rows
        ],
        today=today,
        services=[
            DeskService(code=s.code, name_th=s.name_th, name_en=s.name_en, open=s.open)
            for s in config.services.values()
        ],
        counters=[counter_out(k) for k in counters],
    )


@spec.route(
    bp,
    "POST",
    "/counters/<code>/call",
    summary="Call one chosen waiting ticket out of turn; the reason goes to the audit log",
    tag="counters",
    roles=[Role.OFFICER],
    body=CallTicketRequest,
    responses={200: (TicketOut, "the ticket now called"), **ERRORS},
)
def call_ticket(who: Principal, code: str, body: CallTicketRequest) -> Response:
    office = office_for(who)
    own_counter(who, code)
    ticket = services.call_ticket(
        action_unit(office),
        office=office,
        counter=code,
        ticket_id=body.ticket_id,
        now=swq().now(),
    )
    return ticket_response(office, ticket)
