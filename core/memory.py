"""In-memory adapter of the ports, for unit tests and the simulator.

It behaves like a database where it matters to callers: changes become visible on commit, a unit
that is not committed leaves nothing behind, and queue heads cost O(number of queues).
"""

from __future__ import annotations

import copy
import math
from bisect import bisect_left, insort
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import TracebackType

from core.errors import NotFound, no_such_counter
from core.events import Event, TicketCalled, TicketDone
from core.model import Counter, OfficeConfig, Ticket, TicketStatus
from core.ports import Arrivals
from core.routing import QueueHead

QueueKey = tuple[str, str, "str | None"]  # service, priority class, target counter
SortKey = tuple[datetime, str, str]  # Ticket.queue_key
RECENT_CALLS_KEPT = 32
SERVICE_TIMES_KEPT = 50


class SortedQueue:
    """Sort keys in order; removing the head is O(1) amortised, counting those ahead O(log n)."""

    def __init__(self) -> None:
        self._items: list[SortKey] = []
        self._start = 0

    def __len__(self) -> int:
        return len(self._items) - self._start

    def head(self) -> SortKey | None:
        return self._items[self._start] if self._start < len(self._items) else None

    def insert(self, key: SortKey) -> None:
        insort(self._items, key, lo=self._start)

    def remove(self, key: SortKey) -> None:
        i = bisect_left(self._items, key, lo=self._start)
        if i == len(self._items) or self._items[i] != key:
            raise KeyError(key)
        if i == self._start:
            self._start += 1
            if self._start > 1024 and self._start * 2 > len(self._items):
                del self._items[: self._start]
                self._start = 0
        else:
            del self._items[i]

    def count_before(self, key: SortKey) -> int:
        return bisect_left(self._items, key, lo=self._start) - self._start


@dataclass
class MemoryStore:
    """The committed state: what a database would hold, plus the indexes a database would keep."""

    configs: dict[str, OfficeConfig] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    counters: dict[tuple[str, str], Counter] = field(default_factory=dict)
    numbers: dict[tuple[str, str, date], int] = field(default_factory=dict)
    events: list[tuple[int, Event]] = field(default_factory=list)
    queues: dict[str, dict[QueueKey, SortedQueue]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    queued: dict[str, tuple[QueueKey, SortKey]] = field(default_factory=dict)
    at_counter: dict[tuple[str, str], str] = field(default_factory=dict)
    counter_of: dict[str, tuple[str, str]] = field(default_factory=dict)
    recent_calls: dict[tuple[str, str], deque[str]] = field(
        default_factory=lambda: defaultdict(lambda: deque(maxlen=RECENT_CALLS_KEPT))
    )
    service_times: dict[tuple[str, str], deque[tuple[str, float]]] = field(
        default_factory=lambda: defaultdict(lambda: deque(maxlen=SERVICE_TIMES_KEPT))
    )

    # (finished at, counter, seconds) of every finished ticket per (office, service), in order.
    done_log: dict[tuple[str, str], list[tuple[datetime, str, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    # (issued_at, service, class) of every ticket, in the order they were committed.
    issued: dict[str, list[tuple[datetime, str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def install(self, config: OfficeConfig, counters: Sequence[Counter]) -> None:
        """Set up (or replace) an office's configuration and counters."""
        self.configs[config.office.code] = config
        for counter in counters:
            self.counters[(counter.office, counter.code)] = counter

    def unindex(self, ticket: Ticket) -> None:
        """Take the ticket out of its queue and off its counter, as it was last indexed."""
        old = self.queued.pop(ticket.id, None)
        if old is not None:
            self.queues[ticket.office][old[0]].remove(old[1])
        held = self.counter_of.pop(ticket.id, None)
        if held is not None:
            del self.at_counter[held]

    def reindex(self, ticket: Ticket) -> None:
        self.unindex(ticket)
        if ticket.status is TicketStatus.WAITING:
            qkey: QueueKey = (ticket.service, ticket.priority, ticket.target_counter)
            self.queues[ticket.office].setdefault(qkey, SortedQueue()).insert(ticket.queue_key)
            self.queued[ticket.id] = (qkey, ticket.queue_key)
        if ticket.status.at_counter and ticket.counter is not None:
            desk = (ticket.office, ticket.counter)
            self.at_counter[desk] = ticket.id
            self.counter_of[ticket.id] = desk

    def record(self, event: Event) -> None:
        self.events.append((len(self.events) + 1, event))
        if isinstance(event, TicketCalled):
            self.recent_calls[(event.office, event.counter)].append(event.priority)
        elif isinstance(event, TicketDone):
            self.service_times[(event.office, event.service)].append(
                (event.counter, float(event.service_s))
            )
            self.done_log[(event.office, event.service)].append(
                (event.at, event.counter, float(event.service_s))
            )


class MemoryTicketRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.added: dict[str, Ticket] = {}
        self.seen: dict[str, Ticket] = {}
        self.snapshots: dict[str, Ticket] = {}
        self.numbers: dict[tuple[str, str, date], int] = {}

    def add(self, ticket: Ticket) -> None:
        if ticket.id in self._store.tickets or ticket.id in self.added:
            raise ValueError(f"ticket id {ticket.id} already exists")
        self.added[ticket.id] = ticket

    def get(self, ticket_id: str) -> Ticket:
        if ticket_id in self.added:
            return self.added[ticket_id]
        try:
            ticket = self._store.tickets[ticket_id]
        except KeyError:
            raise NotFound(
                "no such ticket here; reload the page", "ไม่พบบัตรคิวนี้ กรุณาโหลดหน้าใหม่"
            ) from None
        if ticket_id not in self.seen:
            self.seen[ticket_id] = ticket
            self.snapshots[ticket_id] = copy.copy(ticket)
        return ticket

    def heads(self, office: str) -> list[QueueHead]:
        heads = []
        for (service, priority, target), queue in self._store.queues[office].items():
            key = queue.head()
            if key is not None:
                queued_at, number, ticket_id = key
                heads.append(QueueHead(service, priority, ticket_id, number, queued_at, target))
        return heads

    def at_counter(self, office: str, counter: str) -> Ticket | None:
        ticket_id = self._store.at_counter.get((office, counter))
        return self.get(ticket_id) if ticket_id is not None else None

    def people_ahead(self, ticket: Ticket, shift_s: Mapping[str, float]) -> int:
        ahead = 0
        for (service, klass, _), queue in self._store.queues[ticket.office].items():
            if service != ticket.service:
                continue
            shift = shift_s.get(klass, 0.0)
            if shift == 0:
                ahead += queue.count_before(ticket.queue_key)
            elif shift == math.inf:
                ahead += len(queue)
            elif shift != -math.inf:
                cutoff = ticket.queued_at + timedelta(seconds=shift)
                ahead += queue.count_before((cutoff, "", ""))
        return ahead

    def waiting_counts(self, office: str) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for (service, _, _), queue in self._store.queues[office].items():
            counts[service] += len(queue)
        return dict(counts)

    def waiting_before(
        self, office: str, cutoffs: Mapping[tuple[str, str], datetime | None]
    ) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for (service, klass, _), queue in self._store.queues[office].items():
            if (service, klass) not in cutoffs:
                continue
            cutoff = cutoffs[(service, klass)]
            counts[service] += (
                len(queue) if cutoff is None else queue.count_before((cutoff, "", ""))
            )
        return dict(counts)

    def arrivals(self, office: str, start: datetime, end: datetime, limit: int) -> Arrivals:
        log = self._store.issued[office]
        first, last = bisect_left(log, (start, "", "")), bisect_left(log, (end, "", ""))
        counted = log[max(first, last - limit) : last]
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for _at, service, klass in counted:
            counts[(service, klass)] += 1
        since = counted[0][0] if len(counted) == limit else start
        return Arrivals(dict(counts), since)

    def last_number(self, office: str, service: str, day: date) -> int | None:
        key = (office, service, day)
        return self.numbers.get(key, self._store.numbers.get(key))

    def set_last_number(self, office: str, service: str, day: date, n: int) -> None:
        self.numbers[(office, service, day)] = n

    def recent_classes(self, office: str, counter: str, limit: int) -> list[str]:
        calls = self._store.recent_calls[(office, counter)]
        return list(calls)[-limit:] if limit > 0 else []

    def recent_service_times(
        self, office: str, service: str, limit: int
    ) -> list[tuple[str, float]]:
        return list(self._store.service_times[(office, service)])[-limit:]

    def service_times_between(
        self, office: str, service: str, windows: Sequence[tuple[datetime, datetime]], limit: int
    ) -> list[tuple[str, float]]:
        found = [
            (counter, seconds)
            for at, counter, seconds in self._store.done_log[(office, service)]
            if any(start <= at < end for start, end in windows)
        ]
        return found[-limit:] if limit > 0 else []


class MemoryCounterRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.added: dict[tuple[str, str], Counter] = {}
        self.snapshots: dict[tuple[str, str], tuple[Counter, Counter]] = {}

    def add(self, counter: Counter) -> None:
        self.added[(counter.office, counter.code)] = counter

    def get(self, office: str, code: str) -> Counter:
        key = (office, code)
        if key in self.added:
            return self.added[key]
        try:
            counter = self._store.counters[key]
        except KeyError:
            raise no_such_counter(office, code) from None
        if key not in self.snapshots:
            self.snapshots[key] = (counter, copy.copy(counter))
        return counter

    def list(self, office: str) -> list[Counter]:
        codes = dict.fromkeys(
            code for (o, code) in (*self._store.counters, *self.added) if o == office
        )
        return [self.get(office, code) for code in codes]


class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store if store is not None else MemoryStore()
        self._begin()

    def _begin(self) -> None:
        self.tickets = MemoryTicketRepository(self.store)
        self.counters = MemoryCounterRepository(self.store)
        self._pending: list[Event] = []

    def __enter__(self) -> MemoryUnitOfWork:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def config(self, office: str) -> OfficeConfig:
        try:
            return self.store.configs[office]
        except KeyError:
            raise NotFound(f"no office {office!r}", f"ไม่พบสำนักงาน {office!r}") from None

    def publish(self, event: Event) -> None:
        self._pending.append(event)

    def commit(self) -> None:
        store, tickets = self.store, self.tickets
        for ticket in tickets.added.values():
            store.tickets[ticket.id] = ticket
            insort(store.issued[ticket.office], (ticket.issued_at, ticket.service, ticket.priority))
        for ticket in (*tickets.added.values(), *tickets.seen.values()):
            store.reindex(ticket)
        store.counters.update(self.counters.added)
        store.numbers.update(tickets.numbers)
        for event in self._pending:
            store.record(event)
        self._begin()

    def rollback(self) -> None:
        for ticket_id, snapshot in self.tickets.snapshots.items():
            self.tickets.seen[ticket_id].__dict__.update(snapshot.__dict__)
        for counter, snapshot in self.counters.snapshots.values():
            counter.__dict__.update(snapshot.__dict__)
        self._begin()

    def events_after(self, last_id: int) -> Sequence[tuple[int, Event]]:
        return self.store.events[last_id:]
