"""What the core needs from the outside world; adapters (memory, SQL) implement these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol

from core.events import Event
from core.model import Counter, OfficeConfig, Ticket
from core.notices import Delivery, Notice
from core.routing import QueueHead


@dataclass(frozen=True)
class Arrivals:
    """Tickets issued from `since` on, by (service, priority class)."""

    counts: Mapping[tuple[str, str], int]
    since: datetime


class Clock(Protocol):
    def now(self) -> datetime: ...


class TicketRepository(Protocol):
    def add(self, ticket: Ticket) -> None: ...

    def get(self, ticket_id: str) -> Ticket:
        """The ticket, tracked for this unit of work; raises NotFound."""
        ...

    def heads(self, office: str) -> Sequence[QueueHead]:
        """The first waiting ticket of every non-empty (service, class, target counter) queue."""
        ...

    def at_counter(self, office: str, counter: str) -> Ticket | None:
        """The ticket called to or being served at the counter, if any."""
        ...

    def people_ahead(self, ticket: Ticket, shift_s: Mapping[str, float]) -> int:
        """Waiting tickets of the same service that go before this one.

        A ticket of class k goes before it if it was queued before this one's `queued_at` plus
        `shift_s[k]` seconds (+inf: every ticket of k, -inf: none); with a shift of 0 the queue
        order decides (`Ticket.queue_key`). A class missing from `shift_s` counts as 0.
        """
        ...

    def waiting_counts(self, office: str) -> dict[str, int]: ...

    def waiting_before(
        self, office: str, cutoffs: Mapping[tuple[str, str], datetime | None]
    ) -> dict[str, int]:
        """Per service, the waiting tickets of each (service, class) in `cutoffs` queued before
        its cutoff (None: all of them); queues not in `cutoffs` count nothing."""
        ...

    def arrivals(self, office: str, start: datetime, end: datetime, limit: int) -> Arrivals:
        """The latest `limit` tickets issued in [start, end): `since` is `start`, or the oldest
        counted ticket's issue time when there were more."""
        ...

    def last_number(self, office: str, service: str, day: date) -> int | None:
        """The highest sequence number issued for service on day; reserves it for this unit."""
        ...

    def set_last_number(self, office: str, service: str, day: date, n: int) -> None: ...

    def recent_classes(self, office: str, counter: str, limit: int) -> Sequence[str]:
        """Priority classes of the last `limit` calls at the counter, oldest first."""
        ...

    def recent_service_times(
        self, office: str, service: str, limit: int
    ) -> Sequence[tuple[str, float]]:
        """(counter, seconds at the counter) of the last `limit` finished tickets of the service,
        oldest first."""
        ...

    def service_times_between(
        self, office: str, service: str, windows: Sequence[tuple[datetime, datetime]], limit: int
    ) -> Sequence[tuple[str, float]]:
        """Like `recent_service_times`, only of tickets finished within one of the windows
        (start inclusive, end exclusive): the same weekday in earlier weeks."""
        ...


class Notifier(Protocol):
    """Tells a citizen who left the hall about their ticket (an SMS gateway, a messaging
    account). One call is one try: it never raises for the receiver's failures, it says them."""

    def send(self, notice: Notice) -> Delivery: ...


class CounterRepository(Protocol):
    def add(self, counter: Counter) -> None: ...

    def get(self, office: str, code: str) -> Counter:
        """The counter, tracked for this unit of work; raises NotFound."""
        ...

    def list(self, office: str) -> Sequence[Counter]: ...


class UnitOfWork(Protocol):
    """One transaction: everything read and changed inside commits together with its events."""

    tickets: TicketRepository
    counters: CounterRepository

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def config(self, office: str) -> OfficeConfig: ...

    def publish(self, event: Event) -> None:
        """Record an event to be written in the same transaction as the state it describes."""
        ...

    def commit(self) -> None:
        """Write what changed, once; the unit may still be read from (what was committed, and
        what others commit since), but without holding anyone else up."""
        ...

    def rollback(self) -> None: ...
