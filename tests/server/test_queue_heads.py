"""The SQL store finds what the routing policy sees, as the in-memory store the simulator uses
does: each queue's head, its oldest ticket, and the tickets transferred to a named counter."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from core import services
from core.memory import MemoryStore, MemoryUnitOfWork
from core.model import APPOINTMENT
from queue_server.db import uow as uow_module
from queue_server.db.uow import SqlUnitOfWork
from tests.server.conftest import Office
from tests.server.test_reports import DAY, app_with_clock
from tests.server.test_reports import Day as ClockDay


def when(day: ClockDay, hhmm: str) -> datetime:
    day.clock.set(hhmm, DAY)
    return day.clock.now


def test_sql_heads_are_each_queues_oldest_ticket_however_many_statements_it_takes(
    database_url: str, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_with_clock(database_url, office) as day:

        def sql() -> SqlUnitOfWork:
            return SqlUnitOfWork(day.db, office.code)

        def issue(hhmm: str, klass: str = "normal") -> str:
            ticket, _ = services.issue_ticket(
                sql(), office=office.code, service="A", now=when(day, hhmm),
                ticket_id=uuid.uuid4().hex, status_key=uuid.uuid4().hex, priority=klass,
            )  # fmt: skip
            return ticket.id

        def book(hhmm: str) -> str:
            ticket, _ = services.check_in_appointment(
                sql(), office=office.code, service="A", now=when(day, "08:55"),
                ticket_id=uuid.uuid4().hex, status_key=uuid.uuid4().hex,
                slot_start=when(day, hhmm), grace_s=600,
            )  # fmt: skip
            return ticket.id

        def sent_to_counter_2(hhmm: str) -> str:
            ticket_id = issue(hhmm)
            now = when(day, hhmm)
            services.call_ticket(
                sql(), office=office.code, counter="1", ticket_id=ticket_id, now=now
            )
            services.transfer(
                sql(), office=office.code, ticket_id=ticket_id, now=now, to_counter="2"
            )
            return ticket_id

        first_slot, _ = book("09:00"), book("09:20")
        oldest, sent = issue("09:00"), sent_to_counter_2("09:00")
        elderly, _ = issue("09:01", "elderly"), issue("09:02")
        later_sent = sent_to_counter_2("09:20")
        issue("09:25")
        with SqlUnitOfWork(day.db, office.code, write=False) as unit:
            config = unit.config(office.code)
            counters = unit.counters.list(office.code)
            heads = unit.tickets.heads(office.code)
            # An office too large for one statement (SQLite: 500 parts) is asked in several.
            monkeypatch.setattr(uow_module, "HEADS_CHUNK_PARTS", 6)
            one_service_each = unit.tickets.heads(office.code)
            waiting = [unit.tickets.get(h.ticket_id) for h in heads]
            waiting += [unit.tickets.get(later_sent)]

    by_queue = {(h.priority, h.target_counter): h for h in heads}
    assert by_queue["normal", None].ticket_id == oldest
    assert by_queue["elderly", None].ticket_id == elderly
    assert by_queue[APPOINTMENT, None].ticket_id == first_slot
    assert by_queue["normal", "2"].ticket_id == sent
    assert len(heads) == len(by_queue) == 4
    assert sorted(one_service_each, key=str) == sorted(heads, key=str)

    # The in-memory store, holding the same tickets, sees the same.
    store = MemoryStore()
    store.install(config, counters)
    for ticket in waiting:
        store.tickets[ticket.id] = ticket
        store.reindex(ticket)
    memory = MemoryUnitOfWork(store).tickets.heads(office.code)
    assert sorted(memory, key=str) == sorted(heads, key=str)
