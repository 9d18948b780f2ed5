"""The in-memory unit of work behaves like a transaction, and its queues stay in order."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.memory import MemoryUnitOfWork, SortedQueue
from core.model import TicketStatus
from tests.core.conftest import Issue
from tests.core.office import at


def key(minute: int, number: str = "A001") -> tuple[datetime, str, str]:
    return (at(minute), number, number)


def test_sorted_queue_keeps_order_and_counts_ahead() -> None:
    queue = SortedQueue()
    for minute in (5, 1, 3):
        queue.insert(key(minute, f"A{minute:03d}"))
    assert queue.head() == key(1, "A001")
    assert queue.count_before(key(4)) == 2
    queue.remove(key(1, "A001"))
    queue.remove(key(5, "A005"))
    assert (len(queue), queue.head()) == (1, key(3, "A003"))
    with pytest.raises(KeyError):
        queue.remove(key(9))


def test_sorted_queue_survives_many_head_removals() -> None:
    queue = SortedQueue()
    for n in range(3000):
        queue.insert(key(n, f"A{n:04d}"))
    for n in range(2500):
        assert queue.head() == key(n, f"A{n:04d}")
        queue.remove(key(n, f"A{n:04d}"))
    assert len(queue) == 500 and queue.count_before(key(2600, "A2600")) == 100


def test_changes_without_commit_are_rolled_back(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    with uow:
        same = uow.tickets.get(ticket.id)
        same.status = TicketStatus.CANCELLED
        counter = uow.counters.get("udn", "1")
        counter.pause_reason = "changed"
        uow.tickets.set_last_number("udn", "A", ticket.day, 99)
    assert ticket.status is TicketStatus.WAITING
    assert uow.store.counters[("udn", "1")].pause_reason == ""
    assert issue("A", at(1)).number == "A002"


def test_committed_changes_reindex_the_queues(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0))
    assert [h.ticket_id for h in uow.tickets.heads("udn")] == [ticket.id]
    with uow:
        uow.tickets.get(ticket.id).status = TicketStatus.CANCELLED
        uow.commit()
    assert uow.tickets.heads("udn") == []
    assert uow.tickets.waiting_counts("udn") == {"A": 0}


def test_duplicate_ticket_id_is_refused(uow: MemoryUnitOfWork, issue: Issue) -> None:
    issue("A", at(0))
    with pytest.raises(ValueError, match="t1"), uow:
        uow.tickets.add(uow.store.tickets["t1"])


def test_events_get_increasing_ids(uow: MemoryUnitOfWork, issue: Issue) -> None:
    issue("A", at(0))
    issue("B", at(1))
    assert [event_id for event_id, _ in uow.events_after(0)] == [1, 2]
    assert [event_id for event_id, _ in uow.events_after(1)] == [2]
