"""The hot path's plain-SQL statements (`queue_server/db/prepared.py`) store exactly what
SQLAlchemy Core stores: the same text for times and JSON on SQLite, the same values on
PostgreSQL, so the queries that compare and order them see no difference."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from queue_server.db import schema as t
from queue_server.db.engine import make_engine
from queue_server.db.prepared import Prepared
from queue_server.db.uow import INSERT_TICKETS, TICKET_KEYS, UPDATE_TICKET
from tests.server.conftest import Office


def ticket_row(ticket_id: str, office: str) -> dict[str, object]:
    # A whole second: Python's own text for such a time drops the microseconds, SQLAlchemy's
    # keeps them, and SQLite compares the text.
    at = datetime(2026, 11, 30, 2, 15, 0, tzinfo=UTC)
    return {
        "id": ticket_id,
        "office": office,
        "service": "A",
        "number": "A" + str(len(ticket_id)),
        "priority": "normal",
        "issued_at": at,
        "day": date(2026, 11, 30),
        "status_key": "k" + ticket_id,
        "queued_at": at,
        "status": "waiting",
        "transactions": [{"service": "A", "done": False}],
        "counter": None,
        "target_counter": None,
        "called_at": None,
        "serving_at": None,
        "finished_at": None,
        "recalls": 0,
        "issued_by": None,
    }


def stored(conn: sa.Connection, ticket_id: str) -> tuple[object, ...]:
    """The row as the database holds it (on SQLite: the driver's own values, the text)."""
    # The counter first, as it differs: two tickets cannot be at one counter.
    columns = ["counter"] + [
        c.key for c in t.tickets.c if c.key not in ("id", "status_key", "number", "counter")
    ]
    sql = f"SELECT {', '.join(columns)} FROM tickets WHERE id = :id"
    return tuple(conn.execute(sa.text(sql), {"id": ticket_id}).one())


def test_plain_sql_stores_what_core_stores(database_url: str, office: Office) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(t.tickets), ticket_row("core-sql", office.code))
            INSERT_TICKETS.many(conn, [ticket_row("plain", office.code)])
            assert stored(conn, "plain") == stored(conn, "core-sql")
            called = {"status": "called", "called_at": datetime(2026, 11, 30, 2, 20, tzinfo=UTC)}
            core = {**ticket_row("core-sql", office.code), **called, "counter": "1"}
            conn.execute(
                sa.update(t.tickets).where(t.tickets.c.id == "core-sql"),
                {k: v for k, v in core.items() if k in TICKET_KEYS and k != "id"},
            )
            plain = {**ticket_row("plain", office.code), **called, "counter": "2"}
            UPDATE_TICKET(conn, {**plain, "b_id": "plain"})
            assert stored(conn, "plain")[1:] == stored(conn, "core-sql")[1:]
            # Times compare in the database as in Python: none was called after 02:20:00.
            later = Prepared(
                sa.select(sa.func.count())
                .select_from(t.tickets)
                .where(t.tickets.c.called_at > sa.bindparam("at", type_=t.UTCDateTime))
            )
            at = datetime(2026, 11, 30, 2, 20, 0, tzinfo=UTC)
            assert later(conn, {"at": at}).scalar_one() == 0
    finally:
        engine.dispose()
