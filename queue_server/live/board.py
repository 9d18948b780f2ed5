"""What a hall board shows right now: today's latest calls and every counter's ticket."""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

import sqlalchemy as sa

from core.codec import iso
from queue_server.db import schema as t
from queue_server.db.database import Database
from queue_server.db.office_mirror import last_event_id
from queue_server.db.uow import SqlUnitOfWork

CALL_TYPES = ("ticket.called", "ticket.recalled")


def board_document(db: Database, office: str, now: datetime, calls: int) -> dict[str, Any]:
    with SqlUnitOfWork(db, office, write=False) as uow:
        conn = uow.connection
        # Read first: state read after it may be newer, which a client replaying events
        # after this id absorbs; the other order could hide an event for good.
        last = last_event_id(conn, office)
        config = uow.config(office)
        tz = config.office.tz
        midnight = datetime.combine(config.office.local_day(now), time(0), tz)
        c = t.events.c
        rows = conn.execute(
            sa.select(c.data)
            .where(c.office == office, c.type.in_(CALL_TYPES), c.at >= midnight)
            .order_by(c.id.desc())
            .limit(calls * 3)
        ).scalars()
        recent = []
        shown: set[str] = set()
        for data in rows:
            doc = json.loads(data)
            if doc["ticket_id"] in shown:
                continue  # a recall moves the call to the top rather than listing it twice
            shown.add(doc["ticket_id"])
            recent.append(
                {
                    "ticket_id": doc["ticket_id"],
                    "number": doc["number"],
                    "counter": doc["counter"],
                    "service": doc["service"],
                    "called_at": doc["at"],
                }
            )
            if len(recent) == calls:
                break
        counters = []
        for counter in uow.counters.list(office):
            ticket = uow.tickets.at_counter(office, counter.code)
            counters.append(
                {
                    "code": counter.code,
                    "name": counter.name_th,
                    "name_en": counter.name_en,
                    "status": counter.state.value,
                    "number": ticket.number if ticket else None,
                }
            )
    return {
        "last_event_id": last,
        "office_name_th": config.office.name_th,
        "office_name_en": config.office.name_en,
        "generated_at": iso(now, tz),
        "calls": recent,
        "counters": counters,
    }
