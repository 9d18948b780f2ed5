"""Group commit on SQLite (queue_server/db/write_queue.py): writers queued together share one
commit, a failing writer loses only its own part, and nobody is answered before its commit."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from core import lifecycle, services
from queue_server.db import rate_limits
from queue_server.db import schema as t
from queue_server.db.database import Database
from queue_server.db.engine import make_engine
from queue_server.db.uow import SqlUnitOfWork
from queue_server.db.write_queue import CommitFailed
from tests.server.conftest import load_test_office
from tests.server.test_reports import DAY, app_with_clock

WRITERS = 24
WINDOW_S = 3600.0


class Refused(Exception):
    """A writer changing its mind after writing, inside the shared transaction."""


def test_queued_writers_share_one_commit_and_each_is_answered_after_it(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    assert db.write_queue is not None
    commits: list[int] = []
    sa.event.listen(db.engine, "commit", lambda _conn: commits.append(1))
    observer = make_engine(sqlite_url)  # another connection: sees only what was committed
    not_yet_committed: list[int] = []
    refused = {i for i in range(WRITERS) if i % 4 == 0}
    holding = threading.Event()
    release = threading.Event()

    def writer(i: int) -> None:
        try:
            with db.writing() as conn:
                rate_limits.hit(conn, f"w{i}", window_s=WINDOW_S, now=0.0)
                if i == 0:
                    holding.set()
                    release.wait(timeout=30)  # the others queue behind this turn meanwhile
                if i in refused:
                    raise Refused
        except Refused:
            return
        with observer.connect() as conn:
            if rate_limits.hits(conn, f"w{i}", window_s=WINDOW_S, now=1.0) != 1:
                not_yet_committed.append(i)

    first = threading.Thread(target=writer, args=(0,))
    first.start()
    assert holding.wait(timeout=30)
    others = [threading.Thread(target=writer, args=(i,)) for i in range(1, WRITERS)]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 30
    while db.write_queue._queued < WRITERS - 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    release.set()
    for thread in [first, *others]:
        thread.join(timeout=60)

    assert not_yet_committed == []
    with observer.connect() as conn:
        keys = set(conn.execute(sa.select(t.rate_limits.c.key)).scalars())
    assert keys == {f"w{i}" for i in range(WRITERS) if i not in refused}
    # All queued behind the first writer's turn: one or two commits (a batch holds at most
    # MAX_BATCH writers), not one per writer.
    assert 1 <= len(commits) <= 2, len(commits)
    db.dispose()
    observer.dispose()


def test_writers_keep_one_connection_and_give_it_up_when_a_commit_fails(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    checkouts: list[int] = []
    sa.event.listen(db.engine, "checkout", lambda *_: checkouts.append(1))

    def write(key: str) -> None:
        with db.writing() as conn:
            rate_limits.hit(conn, key, window_s=WINDOW_S, now=0.0)

    for key in ("w0", "w1", "w2"):
        write(key)
    assert len(checkouts) == 1
    failing = [True]

    def refuse_once(_conn: sa.Connection) -> None:
        if failing:
            failing.clear()
            raise sa.exc.OperationalError("COMMIT", None, OSError("disk I/O error"))

    sa.event.listen(db.engine, "commit", refuse_once)
    with pytest.raises(CommitFailed):
        write("lost")
    write("after")  # on a connection of its own: the failed one may be in any state
    assert len(checkouts) == 2
    db.dispose()
    observer = make_engine(sqlite_url)
    with observer.connect() as conn:
        keys = set(conn.execute(sa.select(t.rate_limits.c.key)).scalars())
    assert keys == {"w0", "w1", "w2", "after"}
    observer.dispose()


def test_a_lone_writer_needs_no_savepoint_and_undoes_its_part_holding_the_lock(
    sqlite_url: str,
) -> None:
    office = load_test_office(sqlite_url)
    with app_with_clock(sqlite_url, office) as day:
        day.clock.set("09:00", DAY)
        statements: list[str] = []
        sa.event.listen(day.db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

        def issue(db: Database, key: str) -> str:
            ticket, _ = services.issue_ticket(
                SqlUnitOfWork(db, office.code), office=office.code, service="A",
                now=day.clock.now, ticket_id=key, status_key=key,
            )  # fmt: skip
            return ticket.number

        assert issue(day.db, "first") == "A001"
        # Nobody queued behind it: the writer's part is the whole transaction.
        assert statements and not any("SAVEPOINT" in s for s in statements)
        with SqlUnitOfWork(day.db, office.code) as unit:
            counter = unit.counters.get(office.code, "1")
            unit.publish(lifecycle.pause_after_ticket(counter, "lunch", day.clock.now))
            unit.rollback()
            # Undone by beginning anew at once: the write lock is held again, so nobody else
            # wrote in between.
            assert unit.connection.connection.driver_connection.in_transaction
            assert not unit.counters.get(office.code, "1").pause_pending
            desk = unit.counters.get(office.code, "2")
            unit.publish(lifecycle.pause_after_ticket(desk, "lunch", day.clock.now))
            unit.commit()
        with SqlUnitOfWork(day.db, office.code, write=False) as unit:
            assert not unit.counters.get(office.code, "1").pause_pending
            assert unit.counters.get(office.code, "2").pause_pending
        assert issue(day.db, "second") == "A002"


def test_an_issue_whose_batch_moved_the_copy_on_answers_from_the_copy(sqlite_url: str) -> None:
    office = load_test_office(sqlite_url)
    with app_with_clock(sqlite_url, office) as day:
        day.clock.set("09:00", DAY)
        read_after_commit: list[str] = []
        commits: list[str] = []

        def note(conn: sa.Connection, _cursor: object, statement: str, *_: object) -> None:
            if commits and threading.current_thread().name == "held":
                read_after_commit.append(statement)

        def issue(key: str, wait_for_next: bool = False) -> int | None:
            unit = SqlUnitOfWork(day.db, office.code)
            if wait_for_next:  # holds its turn until the next writer queues behind it
                queue = day.db.write_queue
                assert queue is not None

                def hold(_unit: SqlUnitOfWork) -> None:
                    deadline = time.monotonic() + 30
                    while queue._queued < 1 and time.monotonic() < deadline:
                        time.sleep(0.001)

                unit.also.append(hold)
            _, where = services.issue_ticket(
                unit, office=office.code, service="A", now=day.clock.now,
                ticket_id=key, status_key=key,
            )  # fmt: skip
            answers[key] = where.people_ahead
            return where.people_ahead

        answers: dict[str, int | None] = {}
        issue("first")  # makes the office's copy
        sa.event.listen(day.db.engine, "before_cursor_execute", note)
        sa.event.listen(day.db.engine, "commit", lambda _conn: commits.append("batch"))
        first = threading.Thread(target=issue, args=("held", True), name="held")
        second = threading.Thread(target=issue, args=("next",), name="next")
        first.start()
        time.sleep(0.05)
        second.start()
        for thread in (first, second):
            thread.join(timeout=60)

        assert answers == {"first": 0, "held": 1, "next": 2}
        # The batch committed both; the held writer's copy already holds the next one's
        # ticket, which is no reason to read the office from the database again.
        assert commits == ["batch"]
        assert read_after_commit == []
