"""Earlier days' service times, read once per process (queue_server/db/finished_days.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from queue_server.db.database import Database
from queue_server.db.finished_days import FinishedDays
from queue_server.db.uow import SqlUnitOfWork
from tests.server.conftest import Office


def _statements(db: Database) -> list[str]:
    seen: list[str] = []
    sa.event.listen(
        db.engine, "before_cursor_execute", lambda _c, _cur, sql, *_rest: seen.append(sql)
    )
    return seen


def _history_reads(seen: list[str]) -> int:
    return sum("ticket.done" in sql or "FROM events" in sql for sql in seen)


def test_windows_of_days_that_are_over_are_read_once_per_process(
    database_url: str, office: Office
) -> None:
    db = Database(database_url)
    seen = _statements(db)
    now = datetime.now(UTC)
    past = [(now - timedelta(days=7 * w, hours=10), now - timedelta(days=7 * w)) for w in (1, 2)]
    still_open = [(now - timedelta(hours=1), now + timedelta(hours=1))]
    for _ in range(3):
        with SqlUnitOfWork(db, office.code, write=False) as uow:
            assert uow.tickets.service_times_between(office.code, "A", past, 40) == []
            assert uow.tickets.service_times_between(office.code, "A", still_open, 40) == []
    # Three units of work: the finished windows once, the open one every time.
    assert _history_reads(seen) == 1 + 3
    db.engine.dispose()


def test_the_oldest_read_is_forgotten_first() -> None:
    days = FinishedDays()
    days.SIZE = 2
    reads: list[str] = []

    def read(key: str) -> str:
        reads.append(key)
        return key.upper()

    assert days.get("a", lambda: read("a")) == "A"
    assert days.get("b", lambda: read("b")) == "B"
    assert days.get("a", lambda: read("a")) == "A"  # kept; now the latest used
    assert days.get("c", lambda: read("c")) == "C"  # forgets b
    assert days.get("a", lambda: read("a")) == "A"
    assert days.get("b", lambda: read("b")) == "B"
    assert reads == ["a", "b", "c", "b"]
