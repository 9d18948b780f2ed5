"""The SQL adapter of core's ports: one unit of work is one transaction of one office.

A writing unit locks its office first (the office row `FOR UPDATE` on PostgreSQL, the database on
SQLite), so the decisions of core see a stable queue and each office's events commit in id order:
a stream reader that has seen event N of an office can never later find an N-1 appear.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from core.codec import event_to_json
from core.errors import NotFound, no_such_counter
from core.events import CounterEvent, Event, TicketCalled, TicketEvent
from core.memory import RECENT_CALLS_KEPT
from core.model import Counter, OfficeConfig, Ticket
from core.phone_settings import PhoneSettings
from core.ports import Arrivals
from core.routing import QueueHead
from core.services import ARRIVAL_WINDOW
from queue_server.db import schema as t
from queue_server.db.audit_log import AuditEntry
from queue_server.db.database import Database
from queue_server.db.engine import WRITE
from queue_server.db.notices import write_notices
from queue_server.db.office_mirror import (
    COUNTERS_IN_ORDER,
    MirrorCounterRepository,
    MirrorTicketRepository,
    OfficeMirror,
    Written,
    last_event_id,
    service_time_sample,
)
from queue_server.db.prepared import Prepared
from queue_server.db.rate_limits import Limit, take
from queue_server.db.rows import counter_from_row, counter_to_row, ticket_from_row, ticket_to_row
from queue_server.db.write_queue import CommitFailed, Savepoint, WriteBatch

TICKET_COLUMNS = "id, service, priority, target_counter, number, queued_at"

# The statements of the hot path (issuing, calling, finishing) are built once, here or in a
# cache keyed by their shape, and run with parameters: building a statement and hashing it for
# SQLAlchemy's compiled cache cost more CPU than running it (bench/api.py --measure 5). The
# price is reading `param("office")` where an inline `== office` would do.
param = sa.bindparam
T = t.tickets.c
C = t.counters.c
N = t.ticket_numbers.c
E = t.events.c

GET_TICKET = sa.select(t.tickets).where(T.id == param("ticket_id"), T.office == param("office"))
AT_COUNTERS = sa.select(t.tickets).where(T.office == param("office"), T.status.in_(t.AT_COUNTER))
# A ticket's row as `ticket_to_row` gives it; a new one also says which kiosk issued it.
TICKET_KEYS = [c.key for c in t.tickets.c if c.key != "issued_by"]
INSERT_TICKETS = Prepared(sa.insert(t.tickets), [*TICKET_KEYS, "issued_by"])
# Every column of the row is set ("b_id" names the row).
UPDATE_TICKET = Prepared(sa.update(t.tickets).where(T.id == param("b_id")), TICKET_KEYS)
GET_COUNTER = sa.select(t.counters).where(C.office == param("office"), C.code == param("code"))
INSERT_COUNTER = sa.insert(t.counters)
UPDATE_COUNTER = sa.update(t.counters).where(
    C.office == param("b_office"), C.code == param("b_code")
)
LAST_NUMBER = Prepared(
    sa.select(N.last).where(
        N.office == param("office"), N.service == param("service"), N.day == param("day")
    )
)
UPDATE_NUMBER = Prepared(
    sa.update(t.ticket_numbers).where(
        N.office == param("b_office"), N.service == param("b_service"), N.day == param("b_day")
    ),
    ["last"],
)
INSERT_NUMBER = Prepared(sa.insert(t.ticket_numbers), ["office", "service", "day", "last"])
INSERT_EVENT = Prepared(
    sa.insert(t.events).returning(E.id),
    ["office", "type", "at", "ticket_id", "counter", "service", "data"],
)
INSERT_IDEMPOTENCY_KEY = sa.insert(t.idempotency_keys)
RECENT_AT_COUNTER = (
    sa.select(E.data)
    .where(E.office == param("office"), E.type == param("type"), E.counter == param("counter"))
    .order_by(E.id.desc())
    .limit(param("limit"))
)
RECENT_DONE_OF_SERVICE = (
    sa.select(E.counter, E.data)
    .where(E.office == param("office"), E.type == "ticket.done", E.service == param("service"))
    .order_by(E.id.desc())
    .limit(param("limit"))
)
WAITING_COUNTS = (
    sa.select(T.service, sa.func.count())
    .where(T.office == param("office"), T.status == t.WAITING)
    .group_by(T.service)
)
# Today's latest tickets, newest first down the (office, day, issued_at) index, then counted: a
# busy day costs no more than `limit` rows.
_LATEST_ISSUED = (
    sa.select(T.service, T.priority, T.issued_at)
    .where(
        T.office == param("office"),
        T.day == param("day"),
        T.issued_at >= param("start", type_=t.UTCDateTime()),
        T.issued_at < param("end", type_=t.UTCDateTime()),
    )
    .order_by(T.issued_at.desc())
    .limit(param("limit"))
    .subquery()
)
ARRIVALS = sa.select(
    _LATEST_ISSUED.c.service,
    _LATEST_ISSUED.c.priority,
    sa.func.count(),
    sa.func.min(_LATEST_ISSUED.c.issued_at),
).group_by(_LATEST_ISSUED.c.service, _LATEST_ISSUED.c.priority)
NOTIFY = sa.select(sa.func.pg_notify(param("channel"), param("office")))


@lru_cache(maxsize=256)
def _ahead_query(kinds: tuple[tuple[str, str], ...]) -> sa.Select[Any]:
    """People ahead, for one shape of the policy's shifts: per class, "order" (queue order
    decides), "all" (every ticket of the class) or "before" (queued before `cutoff{i}`)."""
    own_place = sa.tuple_(T.queued_at, T.number, T.id) < sa.tuple_(
        param("queued_at", type_=t.UTCDateTime()), param("number"), param("ticket_id")
    )
    goes_first = []
    for i, (klass, kind) in enumerate(kinds):
        of_class = T.priority == param(f"class{i}", klass)
        if kind == "order":
            goes_first.append(sa.and_(of_class, own_place))
        elif kind == "all":
            goes_first.append(of_class)
        else:
            goes_first.append(
                sa.and_(of_class, T.queued_at < param(f"cutoff{i}", type_=t.UTCDateTime()))
            )
    return sa.select(sa.func.count()).where(
        T.office == param("office"),
        T.status == t.WAITING,
        T.service == param("service"),
        sa.or_(*goes_first),
    )


@lru_cache(maxsize=16)
def _done_between_query(windows: int) -> sa.Select[Any]:
    """The latest finished visits of a service within `windows` time windows
    (`start{i}` <= at < `end{i}`)."""
    within = [
        sa.and_(
            E.at >= param(f"start{i}", type_=t.UTCDateTime()),
            E.at < param(f"end{i}", type_=t.UTCDateTime()),
        )
        for i in range(windows)
    ]
    return (
        sa.select(E.counter, E.data)
        .where(
            E.office == param("office"),
            E.type == "ticket.done",
            E.service == param("service"),
            sa.or_(*within),
        )
        .order_by(E.id.desc())
        .limit(param("limit"))
    )


# Queues counted in one statement at most: SQLite refuses more than 500 parts to a UNION.
WAITING_BEFORE_CHUNK = 100


@lru_cache(maxsize=256)
def _waiting_before_query(queues: tuple[tuple[str, str, bool], ...]) -> sa.CompoundSelect:
    """Per (service, class) queue, numbered in order, its waiting tickets, those with a cutoff
    only when queued before `cutoff{i}`. A count of its own per queue is a seek in the queue
    index; one count over every queue at once tested each waiting ticket against each queue."""
    counts = []
    for i, (service, klass, has_cutoff) in enumerate(queues):
        where = [
            T.office == param("office"),
            T.status == t.WAITING,
            T.service == param(f"service{i}", service),
            T.priority == param(f"class{i}", klass),
        ]
        if has_cutoff:
            where.append(T.queued_at < param(f"cutoff{i}", type_=t.UTCDateTime()))
        counts.append(sa.select(sa.literal_column(str(i)), sa.func.count()).where(*where))
    return sa.union_all(*counts)


# Parts of one heads statement at most: SQLite refuses more than 500 to a UNION. A larger office
# (60 services of 8 classes) takes one more statement per this many queues.
HEADS_CHUNK_PARTS = 400


@lru_cache(maxsize=64)
def _heads_query(
    services: tuple[str, ...], classes: tuple[str, ...], transferred: bool
) -> sa.TextClause:
    """One statement: an index seek for the head of every (service, class) queue, then, if
    `transferred`, the few tickets transferred to a named counter."""
    parts = []
    params: list[sa.BindParameter[Any]] = []
    for i, (service, klass) in enumerate((s, c) for s in services for c in classes):
        parts.append(
            f"SELECT * FROM (SELECT {TICKET_COLUMNS} FROM tickets WHERE office = :office"
            f" AND status = 'waiting' AND service = :s{i} AND priority = :p{i}"
            " AND target_counter IS NULL ORDER BY queued_at, number, id LIMIT 1) AS q" + str(i)
        )
        params += [sa.bindparam(f"s{i}", service), sa.bindparam(f"p{i}", klass)]
    if transferred:
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
        self._service_times: dict[tuple[str, str, int], list[tuple[str, float]]] = {}
        self._history: dict[tuple[Any, ...], list[tuple[str, float]]] = {}

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
        return self._keep(ticket_from_row(row))

    def _keep(self, ticket: Ticket) -> Ticket:
        self.seen[ticket.id] = ticket
        if self._uow.may_change:
            self.snapshots[ticket.id] = copy.copy(ticket)
        return ticket

    def get(self, ticket_id: str) -> Ticket:
        if ticket_id in self.added:
            return self.added[ticket_id]
        if ticket_id in self.seen:
            return self.seen[ticket_id]
        mirror = self._uow.locked_mirror
        if mirror is not None:
            ticket = mirror.ticket(ticket_id)
            if ticket is not None:
                return self._keep(ticket)
        row = (
            self._conn.execute(GET_TICKET, {"ticket_id": ticket_id, "office": self._uow.office})
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise NotFound("no such ticket here; reload the page", "ไม่พบบัตรคิวนี้ กรุณาโหลดหน้าใหม่")
        return self._track(row)

    def heads(self, office: str) -> list[QueueHead]:
        self._uow.require_office(office)
        config = self._uow.config(office)
        mirror = self._uow.locked_mirror
        if mirror is not None:
            return mirror.heads(config.services, config.priority.queue_classes)
        heads: dict[tuple[str, str, str | None], QueueHead] = {}
        for row in self._head_rows(office, tuple(config.services), config.priority.queue_classes):
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

    def _head_rows(
        self, office: str, services: tuple[str, ...], classes: tuple[str, ...]
    ) -> Iterator[Any]:
        """The rows of `_heads_query` for every service, in statements SQLite accepts."""
        step = max(1, HEADS_CHUNK_PARTS // len(classes))
        for first in range(0, max(len(services), 1), step):
            query = _heads_query(
                services[first : first + step], classes, first + step >= len(services)
            )
            yield from self._conn.execute(query, {"office": office}).mappings()

    def at_counter(self, office: str, counter: str) -> Ticket | None:
        """As committed when the unit began, like every query here: one query for all counters,
        since estimates ask about each counter in turn."""
        self._uow.require_office(office)
        mirror = self._uow.locked_mirror
        if mirror is not None:
            ticket_id = mirror.at_counter(counter)
            return None if ticket_id is None else self.get(ticket_id)
        if self._at_counters is None:
            rows = self._conn.execute(AT_COUNTERS, {"office": office}).mappings()
            self._at_counters = {row["counter"]: self._track(row) for row in rows}
        return self._at_counters.get(counter)

    def people_ahead(self, ticket: Ticket, shift_s: Mapping[str, float]) -> int:
        config = self._uow.config(ticket.office)
        kinds: list[tuple[str, str]] = []
        params: dict[str, Any] = {
            "office": ticket.office,
            "service": ticket.service,
            "queued_at": ticket.queued_at,
            "number": ticket.number,
            "ticket_id": ticket.id,
        }
        for klass in config.priority.queue_classes:
            shift = shift_s.get(klass, 0.0)
            if shift == -math.inf:
                continue
            if shift == 0:
                kinds.append((klass, "order"))
            elif shift == math.inf:
                kinds.append((klass, "all"))
            else:
                params[f"cutoff{len(kinds)}"] = ticket.queued_at + timedelta(seconds=shift)
                kinds.append((klass, "before"))
        if not kinds:
            return 0
        return int(self._conn.execute(_ahead_query(tuple(kinds)), params).scalar_one())

    def waiting_counts(self, office: str) -> dict[str, int]:
        rows = self._conn.execute(WAITING_COUNTS, {"office": office})
        return {service: int(n) for service, n in rows}

    def waiting_before(
        self, office: str, cutoffs: Mapping[tuple[str, str], datetime | None]
    ) -> dict[str, int]:
        if not cutoffs:
            return {}
        items = list(cutoffs.items())
        counts: dict[str, int] = {}
        for first in range(0, len(items), WAITING_BEFORE_CHUNK):
            chunk = items[first : first + WAITING_BEFORE_CHUNK]
            params: dict[str, Any] = {"office": office}
            queues = []
            for i, ((service, klass), cutoff) in enumerate(chunk):
                queues.append((service, klass, cutoff is not None))
                if cutoff is not None:
                    params[f"cutoff{i}"] = cutoff
            for i, n in self._conn.execute(_waiting_before_query(tuple(queues)), params):
                if n:
                    service = chunk[int(i)][0][0]
                    counts[service] = counts.get(service, 0) + int(n)
        return counts

    def arrivals(self, office: str, start: datetime, end: datetime, limit: int) -> Arrivals:
        today = self._uow.config(office).office.local_day(end)
        rows = self._conn.execute(
            ARRIVALS, {"office": office, "day": today, "start": start, "end": end, "limit": limit}
        ).all()
        counts = {(service, klass): int(n) for service, klass, n, _oldest in rows}
        if sum(counts.values()) < limit:
            return Arrivals(counts, start)
        return Arrivals(counts, min(oldest for *_, oldest in rows))

    def last_number(self, office: str, service: str, day: date) -> int | None:
        key = (office, service, day)
        if key in self.numbers:
            return self.numbers[key]
        found = LAST_NUMBER(self._conn, {"office": office, "service": service, "day": day})
        return found.scalar_one_or_none()

    def set_last_number(self, office: str, service: str, day: date, n: int) -> None:
        self.numbers[(office, service, day)] = n

    def recent_classes(self, office: str, counter: str, limit: int) -> list[str]:
        if limit <= 0:
            return []
        mirror = self._uow.locked_mirror
        if mirror is not None:
            known = mirror.recent_classes(counter, limit)
            if known is None and limit <= RECENT_CALLS_KEPT:
                mirror.set_calls(counter, self._recent_classes(office, counter, RECENT_CALLS_KEPT))
                known = mirror.recent_classes(counter, limit)
            if known is not None:
                return known
        return self._recent_classes(office, counter, limit)

    def _recent_classes(self, office: str, counter: str, limit: int) -> list[str]:
        rows = self._conn.execute(
            RECENT_AT_COUNTER,
            {"office": office, "type": "ticket.called", "counter": counter, "limit": limit},
        ).scalars()
        return [json.loads(data)["priority"] for data in rows][::-1]

    def last_event_id(self) -> int:
        return last_event_id(self._conn, self._uow.office)

    def recent_service_times(
        self, office: str, service: str, limit: int
    ) -> list[tuple[str, float]]:
        # Asked twice for one ticket's estimate: once read, kept for the unit of work.
        key = (office, service, limit)
        if key not in self._service_times:
            rows = self._conn.execute(
                RECENT_DONE_OF_SERVICE, {"office": office, "service": service, "limit": limit}
            )
            self._service_times[key] = [
                service_time_sample(counter, data) for counter, data in rows
            ][::-1]
        return self._service_times[key]

    def service_times_between(
        self, office: str, service: str, windows: Sequence[tuple[datetime, datetime]], limit: int
    ) -> list[tuple[str, float]]:
        if not windows or limit <= 0:
            return []
        # Asked twice for one ticket's estimate, like the recent times: read once per unit,
        # and once per process while the windows lie in days that are over.
        key = (office, service, tuple(windows), limit)
        if key not in self._history:

            def read() -> list[tuple[str, float]]:
                params: dict[str, Any] = {"office": office, "service": service, "limit": limit}
                for i, (start, end) in enumerate(windows):
                    params[f"start{i}"], params[f"end{i}"] = start, end
                rows = self._conn.execute(_done_between_query(len(windows)), params)
                return [service_time_sample(counter, data) for counter, data in rows][::-1]

            over = max(end for _, end in windows) < datetime.now(UTC)
            self._history[key] = self._uow.db.finished_days.get(key, read) if over else read()
        return self._history[key]


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
        if code in self.seen:
            return self.seen[code]
        return self._keep(counter_from_row(row))

    def _keep(self, counter: Counter) -> Counter:
        self.seen[counter.code] = counter
        if self._uow.may_change:
            self.snapshots[counter.code] = copy.copy(counter)
        return counter

    def _from_copy(self, counter: Counter) -> Counter:
        """A counter of the office's copy as this unit's own: the copy changes only when a unit
        commits, so the unit changes a copy of it."""
        return self.seen.get(counter.code) or self._keep(copy.copy(counter))

    def get(self, office: str, code: str) -> Counter:
        self._uow.require_office(office)
        if code in self.added:
            return self.added[code]
        if code in self.seen:
            return self.seen[code]
        mirror = self._uow.locked_mirror
        if mirror is not None:
            counter = mirror.counter(code)
            if counter is None:
                raise no_such_counter(office, code)
            return self._from_copy(counter)
        row = (
            self._uow.connection.execute(GET_COUNTER, {"office": office, "code": code})
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise no_such_counter(office, code)
        return self._track(row)

    def list(self, office: str) -> list[Counter]:
        self._uow.require_office(office)
        mirror = self._uow.locked_mirror
        if mirror is not None:
            return [*(self._from_copy(c) for c in mirror.counters()), *self.added.values()]
        rows = self._uow.connection.execute(COUNTERS_IN_ORDER, {"office": office}).mappings()
        return [*(self._track(row) for row in rows), *self.added.values()]


class SqlUnitOfWork:
    """`with uow:` opens the transaction (and, when writing, takes the office's lock).

    On SQLite a writing unit waits for its turn at the database (`WriteQueue`) and runs in a
    savepoint of the transaction it may share with the writers queued before and after it; its
    `commit` returns once that transaction has committed."""

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
        # The officer's action this unit carries out: its audit row commits with it or not at
        # all (one transaction, where a row of its own would take another turn at the disk).
        self.audit: AuditEntry | None = None
        self._conn: sa.Connection | None = None
        self._batch: WriteBatch | None = None  # SQLite: the shared transaction, in our turn
        self._savepoint: Savepoint | None = None
        self._version: int | None = None
        self._last_event: int | None = None  # the office's latest, when read with the version
        self._mirror: OfficeMirror | None = None  # brought up to date in the office's lock
        self._committed = False
        self._reset()

    def _reset(self) -> None:
        self.tickets = SqlTicketRepository(self)
        self.counters = SqlCounterRepository(self)
        self._pending: list[Event] = []

    @property
    def connection(self) -> sa.Connection:
        if self._conn is None and self._committed:
            # Read after a shared (SQLite) commit: a connection of its own, only if asked.
            self._conn = self.db.engine.connect()
        if self._conn is None:
            raise RuntimeError("unit of work used outside `with`")
        return self._conn

    @property
    def locked_mirror(self) -> OfficeMirror | None:
        """The office's copy while this unit holds the office's lock and may still write; the
        copy then agrees with the tables (`office_mirror`)."""
        return self._mirror if self.may_change else None

    @property
    def may_change(self) -> bool:
        """Whether rows read now may still be written: only then is a copy kept to tell what
        changed (about 14 us per counter or ticket read, eight counters for every estimate)."""
        return self.write and not self._committed

    def require_office(self, office: str) -> None:
        if office != self.office:
            raise NotFound(f"no office {office!r} here", f"ไม่พบสำนักงาน {office!r}")

    def __enter__(self) -> SqlUnitOfWork:
        self._reset()
        self._committed = False
        self._last_event = None
        if self.write and self.db.write_queue is not None:
            self._batch = self.db.write_queue.join()
            try:
                self._savepoint = self._batch.savepoint()
                self._read_office(self._batch.conn)
            except BaseException:
                self._end_turn(failed=True)
                raise
            self._conn = self._batch.conn
            return self
        conn = self.db.engine.connect()
        try:
            if self.write:
                conn.execution_options(**{WRITE: True})
            elif not self.db.sqlite:
                # Reads of several tables must agree with each other (board, positions).
                conn.execution_options(isolation_level="REPEATABLE READ")
            conn.begin()
            self._version = self.db.version(conn, self.office, lock=self.write)
            if self.write:
                self._mirror = self._synced_mirror(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return self

    def _end_turn(self, *, failed: bool) -> None:
        """SQLite: undo this unit's part when `failed`, hand the shared transaction on, and wait
        for its commit (which must have happened before a caller is answered either way: a
        retry that lost a race must find the winner committed)."""
        batch, savepoint = self._batch, self._savepoint
        assert batch is not None and self.db.write_queue is not None
        self._batch = self._savepoint = None
        self._conn = None
        if failed and savepoint is not None and savepoint.is_active:
            try:
                savepoint.rollback()
            except BaseException:
                batch.broken = True
                raise
            finally:
                self.db.write_queue.leave()
        else:
            self.db.write_queue.leave()
        try:
            batch.wait()
        except CommitFailed:
            if not failed:
                raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._batch is not None:
            self._end_turn(failed=True)
        if self._conn is not None:
            self._conn.close()  # rolls back whatever was not committed
            self._conn = None
        self._committed = False
        self._mirror = None
        self.claim = None
        self.also = []
        self._reset()

    def config(self, office: str) -> OfficeConfig:
        self.require_office(office)
        return self.db.config(self.connection, office, self._version)

    def phone(self) -> PhoneSettings:
        """The office's phone tickets and notices settings."""
        assert self._version is not None
        return self.db.phone(self.connection, self.office, self._version)

    def publish(self, event: Event) -> None:
        if not self.write or self._committed:
            raise RuntimeError("a read-only or committed unit of work cannot change anything")
        self._pending.append(event)

    def commit(self) -> None:
        """Write everything in one transaction, then go on as a reader: the office's lock is
        released at once, so what the caller still reads for its answer (a new ticket's wait)
        no longer holds up the office's next writer."""
        if self._committed:
            raise RuntimeError("a unit of work commits once")
        conn = self.connection
        if self.limit is not None:
            take(conn, self.limit[0], now=self.limit[1])
        mirror, self._mirror = self._mirror, None
        before = mirror.event_id if mirror is not None else 0
        issued = next(iter(self.tickets.added.values()), None)
        written = self._written()
        self._write_tickets(conn, written)
        self._write_counters(conn, written)
        self._write_numbers(conn)
        if self.claim is not None:
            conn.execute(
                INSERT_IDEMPOTENCY_KEY,
                {
                    "token_id": self.claim.token_id,
                    "key": self.claim.key,
                    "request_hash": self.claim.request_hash,
                    "ticket_id": self.claim.ticket_id,
                    "created_at": self.tickets.added[self.claim.ticket_id].issued_at,
                },
            )
        for write in self.also:
            write(self)
        if self._pending:
            # Notices for the office's webhook commit with the change that causes them.
            write_notices(self, self.config(self.office), self._pending)
        if self.audit is not None and not self.audit.written and self._pending:
            self._write_audit(conn)
        last_event = self._write_events(conn)
        after = last_event if last_event is not None else before
        if self._batch is not None:
            assert self._savepoint is not None
            try:
                self._savepoint.commit()
            except BaseException:
                self._batch.broken = True
                raise
            # In this unit's turn, so that the copy takes the batch's changes in their order.
            if mirror is not None:
                self.db.mirrors.apply(mirror, before, after, written, self._pending)
            try:
                self._end_turn(failed=False)  # the shared connection is no longer ours
            except CommitFailed:
                self.db.mirrors.drop(self.office)
                raise
        else:
            conn.commit()
            if mirror is not None:
                self.db.mirrors.apply(mirror, before, after, written, self._pending)
            # Later reads begin a plain transaction, one snapshot throughout.
            conn.execution_options(**{WRITE: False})
            if not self.db.sqlite:
                conn.execution_options(isolation_level="REPEATABLE READ")
        self._committed = True
        self._reset()
        if last_event is not None:
            self.db.committed(self.office)
        if issued is not None:
            # A copy the next writers have already taken further still answers for this
            # ticket: they came after it, and the policy decides whether they go first.
            fresh = (
                mirror is not None
                and mirror.event_id >= after
                and self.db.mirrors.get(self.office) is mirror
            )
            since = issued.issued_at - ARRIVAL_WINDOW
            self._estimate_from(mirror if fresh else None, issued.day, since)

    def _read_office(self, conn: sa.Connection) -> None:
        """SQLite, once this unit holds the write lock: the office's version and latest event,
        and its copy brought up to that event."""
        self._version, self._last_event = self.db.version_and_last_event(conn, self.office)
        self._mirror = self._synced_mirror(conn)

    def _synced_mirror(self, conn: sa.Connection) -> OfficeMirror | None:
        """This process's copy of the office, if it has one, brought up to the office's latest
        event as this unit starts (in the office's lock: nobody else writes until it is done)."""
        assert self._version is not None
        return self.db.mirrors.caught_up(conn, self.office, self._version, self._last_event)

    def _written(self) -> Written:
        """What this unit writes: what it added, and what it read and changed."""
        tickets, counters = self.tickets, self.counters
        return Written(
            list(tickets.added.values()),
            [x for i, x in tickets.seen.items() if x != tickets.snapshots[i]],
            list(counters.added.values()),
            [x for c, x in counters.seen.items() if x != counters.snapshots[c]],
        )

    def estimate_from_copy(self, now: datetime) -> None:
        """Let the estimates this read makes (a kiosk's services, a waiting ticket's status)
        read the office's copy, brought up to this transaction's view of the office first."""
        if self.may_change:
            raise RuntimeError("a writer reads the copy in its lock already")
        day = self.config(self.office).office.local_day(now)
        self._estimate_from(None, day, now - ARRIVAL_WINDOW)

    def _estimate_from(self, mirror: OfficeMirror | None, day: date, since: datetime) -> None:
        """Estimates read `mirror` (as this commit left it) or else the office's copy made or
        brought up to date now, for `day`, with arrivals known from `since`."""
        if mirror is None or mirror.day != day:
            assert self._version is not None
            mirror = self.db.mirrors.synced(self.connection, self.office, self._version, day, since)
        self.tickets = MirrorTicketRepository(mirror, self.tickets)
        self.counters = MirrorCounterRepository(mirror)

    def _write_audit(self, conn: sa.Connection) -> None:
        """About the ticket the action began with, at the action's own time; a ticket it then
        called (a finish that calls the next) is named in the row's detail."""
        assert self.audit is not None
        events = [event for event in self._pending if isinstance(event, TicketEvent)]
        if events:
            self.audit.about(events[0].number, getattr(events[0], "counter", None))
            called = [e.number for e in events[1:] if isinstance(e, TicketCalled)]
            if called:
                self.audit.detail = {**(self.audit.detail or {}), "called": called[-1]}
        self.audit.write(conn, self._pending[-1].at)

    def rollback(self) -> None:
        if self._savepoint is not None:
            self._savepoint.rollback()
            self._savepoint = Savepoint(self.connection, whole=self._savepoint.whole)
            if self._savepoint.whole:
                # A transaction begun anew: others may have written in between.
                self._read_office(self.connection)
        elif self._conn is not None:
            self._conn.rollback()
        self._reset()

    def _write_tickets(self, conn: sa.Connection, written: Written) -> None:
        if written.added:
            rows = [
                {**ticket_to_row(ticket), "issued_by": self.issued_by} for ticket in written.added
            ]
            INSERT_TICKETS.many(conn, rows)
        for ticket in written.changed:
            UPDATE_TICKET(conn, {**ticket_to_row(ticket), "b_id": ticket.id})

    def _write_counters(self, conn: sa.Connection, written: Written) -> None:
        position = len(self.counters.seen)
        for counter in written.new_counters:
            conn.execute(INSERT_COUNTER, {**counter_to_row(counter), "position": position})
            position += 1
        for counter in written.changed_counters:
            row = {**counter_to_row(counter), "b_office": self.office, "b_code": counter.code}
            conn.execute(UPDATE_COUNTER, row)

    def _write_numbers(self, conn: sa.Connection) -> None:
        for (office, service, day), last in self.tickets.numbers.items():
            where = {"b_office": office, "b_service": service, "b_day": day}
            if UPDATE_NUMBER(conn, {**where, "last": last}).rowcount == 0:
                INSERT_NUMBER(
                    conn, {"office": office, "service": service, "day": day, "last": last}
                )

    def _write_events(self, conn: sa.Connection) -> int | None:
        """The id of the last event written, None when there were none."""
        if not self._pending:
            return None
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
            last = INSERT_EVENT(conn, row).scalar_one()
        if not self.db.sqlite:
            conn.execute(NOTIFY, {"channel": NOTIFY_CHANNEL, "office": self.office})
        return int(last)


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
