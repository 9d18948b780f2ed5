"""The daily close: end what a local day left open, keep everything, and say what was done.

Ticket numbers already restart each office-local day and nothing is ever deleted. What a day can
leave behind are tickets still waiting, called or being served when the office went home; left
alone they would sit in tomorrow's queues. The close ends each through core's own transitions, so
their events are written and `swq check` stays clean:

- waiting or called (the citizen never reached the counter): cancelled;
- being served: done with its current service (the officer was serving it; no service time is
  counted in reports, since nobody measured it).

The events are dated at the close, or at the last second of that day when closing a day already
past. A `day_closes` row records each run, who ran it and the tickets it ended, so reports show
them as "closed unserved" rather than as the officers' own cancellations. Run it from cron after
hours (`swq day close`), or the next morning: without `--date` it closes every earlier day that
still has open tickets.

Each close also deletes the names and phone numbers of bookings older than the office's retention
period (`erase_expired_bookings`; the rollover runs it once a day even when nothing was left open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from core import lifecycle
from core.errors import InvalidRequest
from core.model import TicketStatus
from core.reports import local_window, thai_date
from queue_server.db import schema as t
from queue_server.db.bookings import erase_personal_data
from queue_server.db.database import Database
from queue_server.db.uow import SqlUnitOfWork

OPEN = (TicketStatus.WAITING.value, *t.AT_COUNTER)


@dataclass(frozen=True)
class Closed:
    day: date
    cancelled: int
    finished: int

    def line(self) -> str:
        return (
            f"{thai_date(self.day)}: ยกเลิก {self.cancelled} ใบ ปิดงาน {self.finished} ใบ / "
            f"{self.day.isoformat()}: {self.cancelled} cancelled, {self.finished} finished"
        )


def close_day(db: Database, office: str, day: date, now: datetime, closed_by: str) -> Closed:
    """End every open ticket of the office's local `day` in one transaction, recorded."""
    uow = SqlUnitOfWork(db, office)
    with uow:
        config = uow.config(office)
        tz = config.office.tz
        today = config.office.local_day(now)
        if day > today:
            raise InvalidRequest(
                f"{day} has not ended yet (today is {today} in {config.office.timezone})",
                f"วันที่ {thai_date(day)} ยังไม่ถึง (วันนี้คือ {thai_date(today)})",
            )
        at = min(now, local_window(day, day, tz)[1] - timedelta(seconds=1))
        c = t.tickets.c
        ids = uow.connection.execute(
            sa.select(c.id)
            .where(c.office == office, c.day == day, c.status.in_(OPEN))
            .order_by(c.queued_at, c.number)
        ).scalars()
        cancelled = finished = 0
        ended: list[str] = []
        for ticket_id in list(ids):
            ticket = uow.tickets.get(ticket_id)
            if ticket.status is TicketStatus.SERVING:
                uow.publish(lifecycle.done(config, ticket, (), at))
                finished += 1
            else:
                uow.publish(lifecycle.cancel(ticket, at))
                cancelled += 1
            ended.append(ticket_id)
        uow.connection.execute(
            sa.insert(t.day_closes).values(
                office=office,
                day=day,
                closed_at=now,
                closed_by=closed_by,
                cancelled=cancelled,
                finished=finished,
                ticket_ids=ended,
            )
        )
        erase_personal_data(uow.connection, office, today, now)
        uow.commit()
    return Closed(day, cancelled, finished)


def days_left_open(db: Database, office: str, now: datetime) -> list[date]:
    """The office's earlier local days that still have open tickets."""
    with SqlUnitOfWork(db, office, write=False) as uow:
        today = uow.config(office).office.local_day(now)
        c = t.tickets.c
        return list(
            uow.connection.execute(
                sa.select(c.day)
                .where(c.office == office, c.status.in_(OPEN), c.day < today)
                .distinct()
                .order_by(c.day)
            ).scalars()
        )


def erase_expired_bookings(db: Database, office: str, now: datetime) -> int:
    """Delete the personal data of bookings past the office's retention period."""
    uow = SqlUnitOfWork(db, office)
    with uow:
        today = uow.config(office).office.local_day(now)
        erased = erase_personal_data(uow.connection, office, today, now)
        uow.commit()
    return erased
