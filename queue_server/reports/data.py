"""What a report reads: an office's tickets of some local days, their events, the counters' pauses
and the citizens' ratings, as the plain records core/reports.py computes from.

Everything is read in one snapshot (REPEATABLE READ on PostgreSQL, one transaction on SQLite), so
a report made while officers work adds up.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa

from core.reports import (
    CounterInfo,
    CounterStep,
    NamedItem,
    Rating,
    ReportInput,
    ServiceInfo,
    TicketStep,
    Visit,
    local_window,
)
from queue_server.db import schema as t
from queue_server.db.database import Database

COUNTER_KINDS = ("counter.opened", "counter.paused", "counter.resumed", "counter.closed")
# A recall changes no figure; an issue is the ticket row itself (its number's letters are the
# service it was issued for: a transfer changes the service, never the number).
SKIPPED_KINDS = ("ticket.issued", "ticket.recalled")
ISSUED_FOR = re.compile(r"[A-Z]{1,2}")


def read_report_input(
    db: Database, office: str, first: date, last: date, now: datetime
) -> ReportInput:
    with db.engine.connect() as conn:
        if not db.sqlite:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            return _read(conn, db, office, first, last, now)


def _read(
    conn: sa.Connection, db: Database, office: str, first: date, last: date, now: datetime
) -> ReportInput:
    config = db.config(conn, office)
    tz = config.office.tz
    tk, ev = t.tickets.c, t.events.c
    in_range = sa.and_(tk.office == office, tk.day >= first, tk.day <= last)

    closed: set[str] = set()
    dc = t.day_closes.c
    for ids in conn.execute(
        sa.select(dc.ticket_ids).where(dc.office == office, dc.day >= first, dc.day <= last)
    ).scalars():
        closed.update(ids)

    visits = [
        Visit(ticket_id, day, _issued_for(number, service), issued_at, ticket_id in closed)
        for ticket_id, day, issued_at, number, service in conn.execute(
            sa.select(tk.id, tk.day, tk.issued_at, tk.number, tk.service).where(in_range)
        )
    ]
    steps: list[TicketStep] = []
    query = (
        sa.select(ev.ticket_id, ev.type, ev.at, ev.counter, ev.service, ev.data)
        .join_from(t.events, t.tickets, ev.ticket_id == tk.id)
        # The ticket's office is the event's: no second office filter, which a planner with
        # stale statistics might answer by scanning the office's whole event index per ticket.
        .where(in_range, ev.type.not_in(SKIPPED_KINDS))
        .order_by(ev.id)
    )
    for ticket_id, kind, at, counter, service, data in conn.execute(query):
        extra: dict[str, object] = {}
        if kind == "ticket.done":
            extra["transactions"] = tuple(json.loads(data).get("transactions", ()))
        elif kind == "ticket.transferred":
            doc = json.loads(data)
            extra["from_service"] = doc.get("from_service")
            extra["from_counter"] = doc.get("from_counter")
        steps.append(TicketStep(ticket_id, kind, at, service, counter, **extra))  # type: ignore[arg-type]

    start, end = local_window(first, last, tz)
    counter_steps = [
        CounterStep(
            counter,
            kind,
            at,
            json.loads(data).get("reason", "") if kind == COUNTER_KINDS[1] else "",
        )
        for counter, kind, at, data in conn.execute(
            sa.select(ev.counter, ev.type, ev.at, ev.data)
            .where(ev.office == office, ev.type.in_(COUNTER_KINDS), ev.at >= start, ev.at < end)
            .order_by(ev.id)
        )
    ]

    fb = t.feedback.c
    ratings = [
        Rating(ticket_id, service, counter, rating)
        for ticket_id, service, counter, rating in conn.execute(
            sa.select(fb.ticket_id, fb.service, fb.counter, fb.rating).where(
                fb.office == office, fb.day >= first, fb.day <= last
            )
        )
    ]

    officers: dict[str, list[str]] = defaultdict(list)
    us = t.users.c
    for username, counter in conn.execute(
        sa.select(us.username, us.counter)
        .where(us.office == office, us.counter.is_not(None))
        .order_by(us.username)
    ):
        officers[counter].append(username)
    ct = t.counters.c
    counters = [
        CounterInfo(code, name_th, name_en, tuple(officers.get(code, ())))
        for code, name_th, name_en in conn.execute(
            sa.select(ct.code, ct.name_th, ct.name_en)
            .where(ct.office == office)
            .order_by(ct.position)
        )
    ]

    return ReportInput(
        office=NamedItem(office, config.office.name_th, config.office.name_en),
        timezone=tz,
        first=first,
        last=last,
        agencies=[NamedItem(a.code, a.name_th, a.name_en) for a in config.agencies.values()],
        services=[
            ServiceInfo(s.code, s.name_th, s.name_en, s.agency, s.target_wait_s)
            for s in config.services.values()
        ],
        counters=counters,
        visits=visits,
        steps=steps,
        counter_steps=counter_steps,
        ratings=ratings,
        now=now,
    )


def _reason(kind: str, data: str) -> str:
    return str(json.loads(data).get("reason", "")) if kind == "counter.paused" else ""


def _issued_for(number: str, service: str) -> str:
    match = ISSUED_FOR.match(number)
    return match[0] if match else service
