"""Each server process's copy of what a wait estimate reads about an office: its waiting tickets
and those at counters, its counters, today's latest arrivals and each service's latest service
times. An estimate is then worked out in memory, where it took six statements (half of a new
ticket's cost, `bench/ticket_cost.py`).

The copy follows the database by two paths. This process's own commits apply what they wrote.
Inside every write, first, the office's latest event id is compared with the copy's: what others
wrote since (another worker, a command-line tool) is read again from the tickets their events
name. A read brings it up to date the same way, to its own transaction's view. Every change an
estimate reads comes with an event (a ticket's move; a counter's opening, pause, closing, or a
pause set to wait for its ticket or called off); a change of the office's configuration changes
its version, and the copy is then built again. So is a copy that fell far behind or into
another day.

Estimates read the copy (`MirrorTicketRepository`: a new ticket's, a kiosk's service list, a
waiting ticket's page), and so does a writer, in the office's lock once the copy is brought up
to date: a ticket or counter it will change (a copy of it), the counters, the queues' heads, the
ticket at a counter, a counter's latest calls.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from bisect import bisect_left, insort
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

import sqlalchemy as sa

from core.errors import no_such_counter
from core.events import Event, TicketCalled, TicketDone
from core.memory import RECENT_CALLS_KEPT, SERVICE_TIMES_KEPT, MemoryStore, MemoryTicketRepository
from core.model import Counter, Ticket
from core.ports import Arrivals, TicketRepository
from core.routing import QueueHead
from queue_server.db import schema as t
from queue_server.db.prepared import Prepared
from queue_server.db.rows import counter_from_row, ticket_from_row

log = logging.getLogger(__name__)
param = sa.bindparam
T = t.tickets.c
E = t.events.c

LATEST_EVENT = sa.select(sa.func.max(E.id)).where(E.office == param("office"))
LAST_EVENT_ID = Prepared(LATEST_EVENT)
LIVE_TICKETS = sa.select(t.tickets).where(
    T.office == param("office"), T.status.in_((t.WAITING, *t.AT_COUNTER))
)
COUNTERS_IN_ORDER = (
    sa.select(t.counters)
    .where(t.counters.c.office == param("office"))
    .order_by(t.counters.c.position)
)
ISSUED_SINCE = sa.select(T.id, T.issued_at, T.service, T.priority).where(
    T.office == param("office"), T.day == param("day"), T.issued_at >= param("since")
)
EVENTS_SINCE = (
    sa.select(E.id, E.type, E.ticket_id, E.service, E.counter, E.data)
    .where(E.office == param("office"), E.id > param("after"))
    .order_by(E.id)
    .limit(param("limit"))
)
TICKETS_BY_ID = sa.select(t.tickets).where(
    T.office == param("office"), T.id.in_(param("ids", expanding=True))
)

# Further behind than this many events, reading the copy again whole is cheaper.
CATCH_UP_MAX = 500
# Today's arrivals kept; past this the oldest half goes (an estimate counts the latest 200).
ISSUED_KEPT = 4000


@dataclass(frozen=True)
class Written:
    """What one unit of work writes: its new tickets and counters, and those it changed."""

    added: list[Ticket]
    changed: list[Ticket]
    new_counters: list[Counter]
    changed_counters: list[Counter]


def service_time_sample(counter: str | None, data: str) -> tuple[str, float]:
    """(counter, seconds) of a `ticket.done` event's row."""
    return counter or "", float(json.loads(data)["service_s"])


@dataclass
class OfficeMirror:
    """One office's copy, as of its event `event_id` and configuration `version`.

    `issued_since`: arrivals are known from then on; an estimate counting from earlier (a
    status page for an old ticket) asks the database."""

    office: str
    version: int
    event_id: int
    day: date
    issued_since: datetime
    store: MemoryStore = field(default_factory=MemoryStore)
    # Services whose latest times were read; the others are read when first asked for.
    timed: set[str] = field(default_factory=set)
    # Today's arrivals by ticket id, as `store.issued` holds them.
    arrivals: dict[str, tuple[datetime, str, str]] = field(default_factory=dict)
    # Counters whose latest calls were read; the others are read when first asked for.
    calls_read: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @classmethod
    def read(
        cls, conn: sa.Connection, office: str, version: int, day: date, since: datetime
    ) -> OfficeMirror:
        """The office as `conn`'s transaction sees it, arrivals from `since` on."""
        mirror = cls(office, version, last_event_id(conn, office), day, since)
        rows = conn.execute(LIVE_TICKETS, {"office": office}).mappings()
        mirror._put([ticket_from_row(row) for row in rows])
        mirror._read_counters(conn)
        rows = conn.execute(ISSUED_SINCE, {"office": office, "day": day, "since": since})
        mirror.arrivals = {i: (at, service, klass) for i, at, service, klass in rows}
        mirror.store.issued[office] = sorted(mirror.arrivals.values())
        return mirror

    def _read_counters(self, conn: sa.Connection) -> None:
        rows = conn.execute(COUNTERS_IN_ORDER, {"office": self.office}).mappings()
        self.store.counters = {(self.office, row["code"]): counter_from_row(row) for row in rows}

    def _put(self, tickets: Sequence[Ticket]) -> None:
        """Tickets as they are now: all are taken out of their old places first, since one may
        take the counter another left."""
        store = self.store
        for ticket in tickets:
            store.unindex(ticket)
        for ticket in tickets:
            store.tickets[ticket.id] = ticket
            store.reindex(ticket)
            if not (ticket.status.at_counter or ticket.id in store.queued):
                del store.tickets[ticket.id]  # finished: nothing an estimate reads
            self._arrived(ticket)

    def _arrived(self, ticket: Ticket) -> None:
        """Today's arrivals count a ticket under its service and class as they are now, as the
        database's count does (a transfer moves it)."""
        if ticket.day != self.day or ticket.issued_at < self.issued_since:
            return
        issued = self.store.issued[self.office]
        entry = (ticket.issued_at, ticket.service, ticket.priority)
        old = self.arrivals.get(ticket.id)
        if old == entry:
            return
        if old is not None:
            del issued[bisect_left(issued, old)]
        insort(issued, entry)
        self.arrivals[ticket.id] = entry
        if len(issued) > ISSUED_KEPT:
            keep = bisect_left(issued, (issued[len(issued) // 2][0], "", ""))
            if keep:
                self.issued_since = issued[keep][0]
                del issued[:keep]
                since = self.issued_since
                self.arrivals = {i: e for i, e in self.arrivals.items() if e[0] >= since}

    def _timed(self, service: str, sample: tuple[str, float]) -> None:
        if service in self.timed:
            self.store.service_times[(self.office, service)].append(sample)

    def _called(self, counter: str, klass: str) -> None:
        if counter in self.calls_read:
            self.store.recent_calls[(self.office, counter)].append(klass)

    def catch_up(self, conn: sa.Connection, latest: int | None = None) -> bool:
        """Read again what other writers changed since `event_id`, up to the office's `latest`
        event (read now if not given); False when too much did (the copy is then to be read
        whole)."""
        if latest is None:
            latest = last_event_id(conn, self.office)
        if latest <= self.event_id:
            return True
        rows = conn.execute(
            EVENTS_SINCE,
            {"office": self.office, "after": self.event_id, "limit": CATCH_UP_MAX + 1},
        ).all()
        if len(rows) > CATCH_UP_MAX:
            return False
        touched = dict.fromkeys(row.ticket_id for row in rows if row.ticket_id)
        if any(row.type.startswith("counter.") for row in rows):
            self._read_counters(conn)
        if touched:
            found = conn.execute(
                TICKETS_BY_ID, {"office": self.office, "ids": list(touched)}
            ).mappings()
            self._put([ticket_from_row(row) for row in found])
        for row in rows:
            if row.type == TicketDone.type and row.service:
                self._timed(row.service, service_time_sample(row.counter, row.data))
            elif row.type == TicketCalled.type and row.counter:
                self._called(row.counter, json.loads(row.data)["priority"])
        self.event_id = latest
        return True

    def apply(self, before: int, after: int, written: Written, events: Sequence[Event]) -> None:
        """What one unit of work committed, its events numbered up to `after`; nothing when
        the copy is no longer at `before` (another writer read it in since)."""
        if self.event_id != before:
            return
        self._put([copy.copy(ticket) for ticket in (*written.added, *written.changed)])
        for counter in (*written.new_counters, *written.changed_counters):
            self.store.counters[(self.office, counter.code)] = copy.copy(counter)
        for event in events:
            if isinstance(event, TicketDone):
                self._timed(event.service, (event.counter or "", float(event.service_s)))
            elif isinstance(event, TicketCalled):
                self._called(event.counter, event.priority)
        self.event_id = after

    def set_times(self, service: str, samples: Sequence[tuple[str, float]], as_of: int) -> bool:
        """The service's latest times as of event `as_of`, read once: from then on its finished
        tickets add to them. Refused (False) unless the copy too stands at `as_of`: a reader's
        view may be older or newer than the copy, and a time it lacks would never be added."""
        with self.lock:
            if self.event_id != as_of:
                return False
            if service not in self.timed:
                kept = self.store.service_times[(self.office, service)]
                kept.clear()
                kept.extend(samples)
                self.timed.add(service)
            return True

    def set_calls(self, counter: str, classes: Sequence[str]) -> None:
        """The counter's latest calls' classes, oldest first, read once (in the office's lock):
        from then on its calls add to them."""
        with self.lock:
            if counter not in self.calls_read:
                kept = self.store.recent_calls[(self.office, counter)]
                kept.clear()
                kept.extend(classes)
                self.calls_read.add(counter)

    def recent_classes(self, counter: str, limit: int) -> list[str] | None:
        """The classes of the counter's latest `limit` calls, oldest first; None when the copy
        does not know them (not read yet, or more than it keeps)."""
        with self.lock:
            if counter not in self.calls_read or limit > RECENT_CALLS_KEPT:
                return None
            return list(self.store.recent_calls[(self.office, counter)])[-limit:] if limit else []

    def counter(self, code: str) -> Counter | None:
        with self.lock:
            return self.store.counters.get((self.office, code))

    def counters(self) -> list[Counter]:
        """In the office's order."""
        with self.lock:
            return list(self.store.counters.values())

    def ticket(self, ticket_id: str) -> Ticket | None:
        """A waiting or called ticket as committed, a copy the caller may change; None for the
        others."""
        with self.lock:
            ticket = self.store.tickets.get(ticket_id)
            return None if ticket is None else copy.copy(ticket)

    def at_counter(self, counter: str) -> str | None:
        """The id of the ticket at the counter."""
        with self.lock:
            return self.store.at_counter.get((self.office, counter))

    def heads(self, services: Collection[str], classes: Collection[str]) -> list[QueueHead]:
        """As the database's: the head of each queue of the configuration's services and
        classes, and of each queue of tickets transferred to a named counter."""
        with self.lock:
            return [
                head
                for head in MemoryTicketRepository(self.store).heads(self.office)
                if head.target_counter is not None
                or (head.service in services and head.priority in classes)
            ]


def last_event_id(conn: sa.Connection, office: str) -> int:
    """The id of the office's latest event, 0 before its first."""
    return int(LAST_EVENT_ID(conn, {"office": office}).scalar() or 0)


class OfficeMirrors:
    """A process's copies, one per office, made on first use."""

    def __init__(self) -> None:
        self._mirrors: dict[str, OfficeMirror] = {}
        self._lock = threading.Lock()

    def get(self, office: str) -> OfficeMirror | None:
        with self._lock:
            return self._mirrors.get(office)

    def drop(self, office: str) -> None:
        with self._lock:
            self._mirrors.pop(office, None)

    def keep(self, mirror: OfficeMirror) -> None:
        with self._lock:
            self._mirrors[mirror.office] = mirror

    def caught_up(
        self, conn: sa.Connection, office: str, version: int, latest: int | None = None
    ) -> OfficeMirror | None:
        """The office's copy brought up to its `latest` event (else to `conn`'s view); None,
        and the copy dropped, when there is none of this configuration or it cannot catch up.
        A fault of the copy's own is logged, never the request's error: the tables answer."""
        mirror = self.get(office)
        if mirror is None:
            return None
        try:
            with mirror.lock:
                if mirror.version == version and mirror.catch_up(conn, latest):
                    return mirror
        except sa.exc.SQLAlchemyError:
            raise
        except Exception:
            log.exception("office %s: its copy could not catch up; it is read again", office)
        self.drop(office)
        return None

    def synced(
        self, conn: sa.Connection, office: str, version: int, day: date, since: datetime
    ) -> OfficeMirror:
        """The office's copy brought up to `conn`'s view of it (made or read again whole if
        need be)."""
        mirror = self.caught_up(conn, office, version)
        if mirror is not None and mirror.day == day:
            return mirror
        mirror = OfficeMirror.read(conn, office, version, day, since)
        self.keep(mirror)
        return mirror

    def apply(
        self,
        mirror: OfficeMirror,
        before: int,
        after: int,
        written: Written,
        events: Sequence[Event],
    ) -> None:
        """`OfficeMirror.apply` for a change already committed: a copy that cannot take it is
        dropped (and read again when next needed), never an error for the change."""
        try:
            with mirror.lock:
                mirror.apply(before, after, written, events)
        except Exception:
            log.exception(
                "office %s: its copy could not take a change; it is read again", mirror.office
            )
            self.drop(mirror.office)


class DatabaseTickets(TicketRepository, Protocol):
    """The unit of work's own repository, asked what the copy does not hold."""

    def last_event_id(self) -> int:
        """The office's latest event as the unit's transaction sees it."""
        ...


class MirrorTicketRepository(MemoryTicketRepository):
    """The estimate's questions answered from an office's copy; the rest asked of `database`
    (a repository of the same unit of work). Each answer holds the copy's lock while it reads,
    so it is of one moment; an estimate's several answers may straddle another thread's commit,
    which moves a wait by one ticket at most."""

    def __init__(self, mirror: OfficeMirror, database: DatabaseTickets) -> None:
        super().__init__(mirror.store)
        self._mirror = mirror
        self._database = database

    def add(self, ticket: Ticket) -> None:
        raise RuntimeError("a committed unit of work cannot change anything")

    def get(self, ticket_id: str) -> Ticket:
        return self._database.get(ticket_id)

    def heads(self, office: str) -> Sequence[QueueHead]:
        return self._database.heads(office)

    def at_counter(self, office: str, counter: str) -> Ticket | None:
        with self._mirror.lock:
            ticket_id = self._mirror.store.at_counter.get((office, counter))
            return None if ticket_id is None else self._mirror.store.tickets[ticket_id]

    def people_ahead(self, ticket: Ticket, shift_s: Mapping[str, float]) -> int:
        with self._mirror.lock:
            return super().people_ahead(ticket, shift_s)

    def waiting_counts(self, office: str) -> dict[str, int]:
        with self._mirror.lock:
            return super().waiting_counts(office)

    def waiting_before(
        self, office: str, cutoffs: Mapping[tuple[str, str], datetime | None]
    ) -> dict[str, int]:
        with self._mirror.lock:
            return super().waiting_before(office, cutoffs)

    def arrivals(self, office: str, start: datetime, end: datetime, limit: int) -> Arrivals:
        with self._mirror.lock:
            if start >= self._mirror.issued_since:
                return super().arrivals(office, start, end, limit)
        return self._database.arrivals(office, start, end, limit)

    def last_number(self, office: str, service: str, day: date) -> int | None:
        return self._database.last_number(office, service, day)

    def set_last_number(self, office: str, service: str, day: date, n: int) -> None:
        raise RuntimeError("a committed unit of work cannot change anything")

    def recent_classes(self, office: str, counter: str, limit: int) -> Sequence[str]:
        return self._database.recent_classes(office, counter, limit)

    def recent_service_times(
        self, office: str, service: str, limit: int
    ) -> list[tuple[str, float]]:
        if service not in self._mirror.timed:
            as_of = self._database.last_event_id()
            samples = self._database.recent_service_times(office, service, SERVICE_TIMES_KEPT)
            if not self._mirror.set_times(service, samples, as_of):
                return list(samples)[-limit:] if limit > 0 else []
        with self._mirror.lock:
            return super().recent_service_times(office, service, limit)

    def service_times_between(
        self, office: str, service: str, windows: Sequence[tuple[datetime, datetime]], limit: int
    ) -> list[tuple[str, float]]:
        return self._database.service_times_between(office, service, windows, limit)


class MirrorCounterRepository:
    """An office's counters from its copy, read-only."""

    def __init__(self, mirror: OfficeMirror) -> None:
        self._mirror = mirror

    def add(self, counter: Counter) -> None:
        raise RuntimeError("a committed unit of work cannot change anything")

    def get(self, office: str, code: str) -> Counter:
        counter = self._mirror.counter(code) if office == self._mirror.office else None
        if counter is None:
            raise no_such_counter(office, code)
        return counter

    def list(self, office: str) -> list[Counter]:
        return self._mirror.counters() if office == self._mirror.office else []
