"""The SQL adapter of core's ports: one unit of work is one transaction of one office.

A writing unit locks its office first (the office row `FOR UPDATE` on PostgreSQL, the database on
SQLite), so the decisions of core see a stable queue and each office's events commit in id order:
a stream reader that has seen event N of an office can never later find an N-1 appear.
"""

from __future__ import annotations

import copy
import json
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from core.codec import event_to_json
from core.errors import NotFound
from core.events import CounterEvent, Event, TicketEvent
from core.model import Counter, OfficeConfig, Ticket
from core.routing import QueueHead
from queue_server.db import schema as t
from queue_server.db.database import Database
from queue_server.db.engine import WRITE
from queue_server.db.notices import write_notices
from queue_server.db.rate_limits import Limit, take
from queue_server.db.rows import counter_from_row, counter_to_row, ticket_from_row, ticket_to_row

TICKET_COLUMNS = "id, service, priority, target_counter, number, queued_at"


@lru_cache(maxsize=64)
def _heads_query(services: tuple[str, ...], classes: tuple[str, ...]) -> sa.TextClause:
    """One statement: an index seek for the head of every (service, class) queue, then the few
    tickets transferred to a named counter."""
    parts = []
    params: list[sa.BindParameter[Any]] = []
    for i, (service, klass) in enumerate((s, c) for s in services for c in classes):
        parts.append(
            f"SELECT * FROM (SELECT {TICKET_COLUMNS} FROM tickets WHERE office = :office"
            f" AND status = 'waiting' AND service = :s{i} AND priority = :p{i}"
            " AND target_counter IS NULL ORDER BY queued_at, number, id LIMIT 1) AS q" + str(i)
        )
        params += [sa.bindparam(f"s{i}", service), sa.bindparam(f"p{i}", klass)]
    parts.append(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE office = :office AND status = 'waiting'"
        " AND target_counter IS NOT NULL"
    )
    return (
        sa.text(" UNION ALL ".join(parts))
        .bindparams(*params)
        .columns(
            sa.column("id"),
            sa.column("service"),
            sa.column("priority"),
            sa.column("target_counter"),
            sa.column("number"),
            sa.column("queued_at", t.UTCDateTime()),
        )
    )


@dataclass(frozen=True)
class IdempotencyClaim:
    token_id: int
    key: str
    request_hash: str
    ticket_id: str


class SqlTicketRepository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow
        self.added: dict[str, Ticket] = {}
        self.seen: dict[str, Ticket] = {}
        self.snapshots: dict[str, Ticket] = {}
        self.numbers: dict[tuple[str, str, date], int] = {}
        self._at_counters: dict[str, Ticket] | None = None

    @property
    def _conn(self) -> sa.Connection:
        return self._uow.connection

    def add(self, ticket: Ticket) -> None:
        self._uow.require_office(ticket.office)
        self.added[ticket.id] = ticket

    def _track(self, row: Any) -> Ticket:
        ticket_id = row["id"]
        if ticket_id in self.seen:
            return self.seen[ticket_id]
        ticket = ticket_from_row(row)
        self.seen[ticket_id] = ticket
        self.snapshots[ticket_id] = copy.copy(ticket)
        return ticket

    def get(self, ticket_id: str) -> Ticket:
        if ticket_id in self.added:
            return self.added[ticket_id]
        if ticket_id in self.seen:
            return self.seen[ticket_id]
        row = (
            self._conn.execute(
                sa.select(t.tickets).where(
                    t.tickets.c.id == ticket_id, t.tickets.c.office == self._uow.office
                )
            )
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise NotFound("no such ticket here; reload the page", "ไม่พบบัตรคิวนี้ กรุณาโหลดหน้าใหม่")
        return self._track(row)

    def heads(self, office: str) -> list[QueueHead]:
        self._uow.require_office(office)
        config = self._uow.config(office)
        query = _heads_query(tuple(config.services), config.priority.classes)
        rows = self._conn.execute(query, {"office": office}).mappings()
        heads: dict[tuple[str, str, str | None], QueueHead] = {}
        for row in rows:
            head = QueueHead(
                row["service"],
                row["priority"],
                row["id"],
                row["number"],
                row["queued_at"],
                row["target_counter"],
            )
            key = (head.service, head.priority, head.target_counter)
            current = heads.get(key)
            if current is None or (head.queued_at, head.number, head.ticket_id) < (
                current.queued_at,
                current.number,
                current.ticket_id,
            ):
                heads[key] = head
        return list(heads.values())

    def at_counter(self, office: str, counter: str) -> Ticket | None:
        """As committed when the unit began, like every query here: one query for all counters,
        since estimates ask about each counter in turn."""
        self._uow.require_office(office)
        if self._at_counters is None:
            rows = self._conn.execute(
                sa.select(t.tickets).where(
                    t.tickets.c.office == office, t.tickets.c.status.in_(t.AT_COUNTER)
                )
            ).mappings()
            self._at_counters = {row["counter"]: self._track(row) for row in rows}
        return self._at_counters.get(counter)

    def people_ahead(self, ticket: Ticket, shift_s: Mapping[str, float]) -> int:
        c = t.tickets.c
        own_place = sa.tuple_(c.queued_at, c.number, c.id) < sa.tuple_(
            sa.literal(ticket.queued_at, t.UTCDateTime()),
            sa.literal(ticket.number),
            sa.literal(ticket.id),
        )
        goes_first = []
        config = self._uow.config(ticket.office)
        for klass in config.priority.classes:
            shift = shift_s.get(klass, 0.0)
            if shift == -math.inf:
                continue
            if shift == 0:
                goes_first.append(sa.and_(c.priority == klass, own_place))
            elif shift == math.inf:
                goes_first.append(c.priority == klass)
            else:
                cutoff = ticket.queued_at + timedelta(seconds=shift)
                goes_first.append(
                    sa.and_(c.priority == klass, c.queued_at < sa.literal(cutoff, t.UTCDateTime()))
                )
        if not goes_first:
            return 0
        query = sa.select(sa.func.count()).where(
            c.office == ticket.office,
            c.status == t.WAITING,
            c.service == ticket.service,
            sa.or_(*goes_first),
        )
        return int(self._conn.execute(query).scalar_one())

    def waiting_counts(self, office: str) -> dict[str, int]:
        c = t.tickets.c
        query = (
            sa.select(c.service, sa.func.count())
            .where(c.office == office, c.status == t.WAITING)
            .group_by(c.service)
        )
        return {service: int(n) for service, n in self._conn.execute(query)}

    def waiting_before(
        self, office: str, cutoffs: Mapping[tuple[str, str], datetime | None]
    ) -> dict[str, int]:
        if not cutoffs:
            return {}
        c = t.tickets.c
        wanted = []
        for (service, klass), cutoff in cutoffs.items():
            queue = sa.and_(c.service == service, c.priority == klass)
            if cutoff is not None:
                queue = sa.and_(queue, c.queued_at < sa.literal(cutoff, t.UTCDateTime()))
            wanted.append(queue)
        query = (
            sa.select(c.service, sa.func.count())
            .where(c.office == office, c.status == t.WAITING, sa.or_(*wanted))
            .group_by(c.service)
        )
        return {service: int(n) for service, n in self._conn.execute(query)}

    def issued_counts(
        self, office: str, start: datetime, end: datetime
    ) -> dict[tuple[str, str], int]:
        c = t.tickets.c
        # Today's tickets only: the (office, day, number) index keeps this to one day's rows.
        today = self._uow.config(office).office.local_day(end)
        query = (
            sa.select(c.service, c.priority, sa.func.count())
            .where(
                c.office == office,
                c.day == today,
                c.issued_at >= sa.literal(start, t.UTCDateTime()),
                c.issued_at < sa.literal(end, t.UTCDateTime()),
            )
            .group_by(c.service, c.priority)
        )
        return {(service, klass): int(n) for service, klass, n in self._conn.execute(query)}

    def last_number(self, office: str, service: str, day: date) -> int | None:
        key = (office, service, day)
        if key in self.numbers:
            return self.numbers[key]
        c = t.ticket_numbers.c
        return self._conn.execute(
            sa.select(c.last).where(c.office == office, c.service == service, c.day == day)
        ).scalar_one_or_none()

    def set_last_number(self, office: str, service: str, day: date, n: int) -> None:
        self.numbers[(office, service, day)] = n

    def _recent(
        self, office: str, kind: str, column: sa.Column[Any], value: str, limit: int
    ) -> Any:
        c = t.events.c
        return self._conn.execute(
            sa.select(c.data)
            .where(c.office == office, c.type == kind, column == value)
            .order_by(c.id.desc())
            .limit(limit)
        ).scalars()

    def recent_classes(self, office: str, counter: str, limit: int) -> list[str]:
        if limit <= 0:
            return []
        rows = self._recent(office, "ticket.called", t.events.c.counter, counter, limit)
        return [json.loads(data)["priority"] for data in rows][::-1]

    def recent_service_times(
        self, office: str, service: str, limit: int
    ) -> list[tuple[str, float]]:
        c = t.events.c
        rows = self._conn.execute(
            sa.select(c.counter, c.data)
            .where(c.office == office, c.type == "ticket.done", c.service == service)
            .order_by(c.id.desc())
            .limit(limit)
        )
        return [(counter or "", float(json.loads(data)["service_s"])) for counter, data in rows][
            ::-1
        ]


class SqlCounterRepository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow
        self.added: dict[str, Counter] = {}
        self.seen: dict[str, Counter] = {}
        self.snapshots: dict[str, Counter] = {}

    def add(self, counter: Counter) -> None:
        self._uow.require_office(counter.office)
        self.added[counter.code] = counter

    def _track(self, row: Any) -> Counter:
        code = row["code"]
        if code not in self.seen:
            counter = counter_from_row(row)
            self.seen[code] = counter
            self.snapshots[code] = copy.copy(counter)
        return self.seen[code]

    def get(self, office: str, code: str) -> Counter:
        self._uow.require_office(office)
        if code in self.added:
            return self.added[code]
        if code in self.seen:
            return self.seen[code]
        row = (
            self._uow.connection.execute(
                sa.select(t.counters).where(
                    t.counters.c.office == office, t.counters.c.code == code
                )
            )
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise NotFound(f"office {office} has no counter {code!r}", f"ไม่พบช่องบริการ {code!r}")
        return self._track(row)

    def list(self, office: str) -> list[Counter]:
        self._uow.require_office(office)
        rows = self._uow.connection.execute(
            sa.select(t.counters).where(t.counters.c.office == office).order_by("position")
        ).mappings()
        return [*(self._track(row) for row in rows), *self.added.values()]


class SqlUnitOfWork:
    """`with uow:` opens the transaction (and, when writing, takes the office's lock)."""

    def __init__(self, db: Database, office: str, *, write: bool = True) -> None:
        self.db = db
        self.office = office
        self.write = write
        self.claim: IdempotencyClaim | None = None
        self.issued_by: int | None = None  # the kiosk token new tickets are credited to
        # Counted in the commit's own transaction: exact under concurrency, no extra round trip
        # to the disk, and a refused commit counts nothing.
        self.limit: tuple[Limit, float] | None = None  # and the time, in seconds since the epoch
        # Rows of other tables that must commit with this change or not at all (a phone
        # ticket's browser record); each may raise to refuse the whole change.
        self.also: list[Callable[[SqlUnitOfWork], None]] = []
        self._conn: sa.Connection | None = None
        self._gate: threading.Lock | None = None
        self._version: int | None = None
        self._reset()

    def _reset(self) -> None:
        self.tickets = SqlTicketRepository(self)
        self.counters = SqlCounterRepository(self)
        self._pending: list[Event] = []

    @property
    def connection(self) -> sa.Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside `with`")
        return self._conn

    def require_office(self, office: str) -> None:
        if office != self.office:
            raise NotFound(f"no office {office!r} here", f"ไม่พบสำนักงาน {office!r}")

    def __enter__(self) -> SqlUnitOfWork:
        self._reset()
        self._gate = self.db.write_gate if self.write else None
        if self._gate is not None:
            self._gate.acquire()
        try:
            conn = self.db.engine.connect()
        except BaseException:
            self._open_gate()
            raise
        try:
            if self.write:
                conn.execution_options(**{WRITE: True})
            elif not self.db.sqlite:
                # Reads of several tables must agree with each other (board, positions).
                conn.execution_options(isolation_level="REPEATABLE READ")
            conn.begin()
            self._version = self.db.version(conn, self.office, lock=self.write)
        except BaseException:
            conn.close()
            self._open_gate()
            raise
        self._conn = conn
        return self

    def _open_gate(self) -> None:
        if self._gate is not None:
            self._gate.release()
            self._gate = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._conn is not None:
            self._conn.close()  # rolls back whatever was not committed
            self._conn = None
        self._open_gate()
        self.claim = None
        self.also = []
        self._reset()

    def config(self, office: str) -> OfficeConfig:
        self.require_office(office)
        return self.db.config(self.connection, office, self._version)

    def publish(self, event: Event) -> None:
        if not self.write:
            raise RuntimeError("a read-only unit of work cannot change anything")
        self._pending.append(event)

    def commit(self) -> None:
        conn = self.connection
        if self.limit is not None:
            take(conn, self.limit[0], now=self.limit[1])
        self._write_tickets(conn)
        self._write_counters(conn)
        self._write_numbers(conn)
        if self.claim is not None:
            conn.execute(
                sa.insert(t.idempotency_keys).values(
                    token_id=self.claim.token_id,
                    key=self.claim.key,
                    request_hash=self.claim.request_hash,
                    ticket_id=self.claim.ticket_id,
                    created_at=self.tickets.added[self.claim.ticket_id].issued_at,
                )
            )
        for write in self.also:
            write(self)
        if self._pending:
            # Notices for the office's webhook commit with the change that causes them.
            write_notices(self, self.config(self.office), self._pending)
        wrote_events = self._write_events(conn)
        conn.commit()
        self._reset()
        if wrote_events:
            self.db.committed(self.office)

    def rollback(self) -> None:
        if self._conn is not None:
            self._conn.rollback()
        self._reset()

    def _write_tickets(self, conn: sa.Connection) -> None:
        repo = self.tickets
        if repo.added:
            rows = [
                {**ticket_to_row(ticket), "issued_by": self.issued_by}
                for ticket in repo.added.values()
            ]
            conn.execute(sa.insert(t.tickets), rows)
        for ticket_id, ticket in repo.seen.items():
            if ticket != repo.snapshots[ticket_id]:
                row = ticket_to_row(ticket)
                conn.execute(sa.update(t.tickets).where(t.tickets.c.id == ticket_id).values(row))

    def _write_counters(self, conn: sa.Connection) -> None:
        repo = self.counters
        position = len(repo.seen)
        for counter in repo.added.values():
            conn.execute(
                sa.insert(t.counters).values({**counter_to_row(counter), "position": position})
            )
            position += 1
        for code, counter in repo.seen.items():
            if counter != repo.snapshots[code]:
                conn.execute(
                    sa.update(t.counters)
                    .where(t.counters.c.office == self.office, t.counters.c.code == code)
                    .values(counter_to_row(counter))
                )

    def _write_numbers(self, conn: sa.Connection) -> None:
        c = t.ticket_numbers.c
        for (office, service, day), last in self.tickets.numbers.items():
            updated = conn.execute(
                sa.update(t.ticket_numbers)
                .where(c.office == office, c.service == service, c.day == day)
                .values(last=last)
            )
            if updated.rowcount == 0:
                conn.execute(
                    sa.insert(t.ticket_numbers).values(
                        office=office, service=service, day=day, last=last
                    )
                )

    def _write_events(self, conn: sa.Connection) -> bool:
        if not self._pending:
            return False
        tz = self.config(self.office).office.tz
        rows = []
        for event in self._pending:
            rows.append(
                {
                    "office": event.office,
                    "type": event.type,
                    "at": event.at,
                    "ticket_id": event.ticket_id if isinstance(event, TicketEvent) else None,
                    "counter": _counter_of(event),
                    "service": event.service if isinstance(event, TicketEvent) else None,
                    "data": json.dumps(
                        event_to_json(event, tz), ensure_ascii=False, separators=(",", ":")
                    ),
                }
            )
        # One statement per event keeps ids in the order the events happened.
        for row in rows:
            conn.execute(sa.insert(t.events).values(row))
        if not self.db.sqlite:
            conn.execute(sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, self.office)))
        return True


NOTIFY_CHANNEL = "swq_events"


def _counter_of(event: Event) -> str | None:
    if isinstance(event, CounterEvent):
        return event.counter
    value = getattr(event, "counter", None)
    return value or None


def events_after(
    conn: sa.Connection, office: str, after: int, limit: int = 1000
) -> Sequence[tuple[int, str, str]]:
    """Events of an office with id > `after`, oldest first: (id, type, data)."""
    c = t.events.c
    rows = conn.execute(
        sa.select(c.id, c.type, c.data)
        .where(c.office == office, c.id > after)
        .order_by(c.id)
        .limit(limit)
    )
    return [(int(i), kind, data) for i, kind, data in rows]


def last_event_id(conn: sa.Connection, office: str) -> int:
    c = t.events.c
    return int(conn.execute(sa.select(sa.func.max(c.id)).where(c.office == office)).scalar() or 0)
