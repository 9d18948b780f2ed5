"""Engines for SQLite (one writer at a time, WAL) and PostgreSQL (row locks), tuned alike.

Writers on SQLite take the database lock when their transaction begins (`BEGIN IMMEDIATE`), so two
writers never both read, then both try to upgrade and one fails with "database is locked".
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

WRITE = "swq_write"
BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here, the driver we install."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: sa.Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 5) -> sa.Engine:
    """PostgreSQL connections per process are capped at `pool_size + max_overflow`: a thread
    beyond that waits for one rather than pushing the server past its `max_connections`."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = sa.create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            # The connection used last has the pages the next unit needs in its cache; the one
            # idle longest has had its cache voided by every commit since (about 29 page reads
            # a request under load, 1.5 with this).
            pool_use_lifo=True,
        )
        _drive_sqlite_transactions(engine)
        return engine
    return sa.create_engine(
        url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=30
    )


def _drive_sqlite_transactions(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling would defer BEGIN; we issue it ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a ticket a kiosk was told about survives a power cut, not only a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        # Sorting and grouping (an estimate's counts) in memory: on disk each such statement
        # created, wrote and deleted a file of its own.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
