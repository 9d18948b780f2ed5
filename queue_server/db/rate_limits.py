"""Counters shared by every worker and process: one row per key, bumped by a single upsert.

The upsert both counts and answers (`RETURNING hits`), so requests arriving together are counted
one by one by the database itself (SQLite's writer lock, PostgreSQL's row lock): of 100 at once
against a limit of 30, exactly 30 pass. A window starts at its first hit and ends `window_s`
later; the next hit after that starts a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from queue_server.db import schema as t
from queue_server.db.prepared import Prepared


@dataclass(frozen=True)
class Limit:
    key: str
    limit: int
    window_s: float


class LimitReached(Exception):
    def __init__(self, limit: Limit, hits: int) -> None:
        super().__init__(f"{limit.key}: {hits} hits in {limit.window_s} s (limit {limit.limit})")
        self.limit = limit
        self.hits = hits


@lru_cache(maxsize=2)
def _upsert(dialect_name: str) -> Prepared:
    """The counting upsert, built once per dialect (every kiosk ticket runs it)."""
    c = t.rate_limits.c
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    insert = dialect.insert(t.rate_limits).values(
        key=sa.bindparam("key"), window_start=sa.bindparam("now"), hits=sa.bindparam("first")
    )
    expired = insert.excluded.window_start - c.window_start >= sa.bindparam("window_s")
    return Prepared(
        insert.on_conflict_do_update(
            index_elements=[c.key],
            set_={
                "hits": sa.case(
                    (expired, sa.bindparam("first")), else_=c.hits + sa.bindparam("by")
                ),
                "window_start": sa.case(
                    (expired, insert.excluded.window_start), else_=c.window_start
                ),
            },
        ).returning(c.hits)
    )


def hit(conn: sa.Connection, key: str, *, window_s: float, now: float, by: int = 1) -> int:
    """Count `by` hits on `key` (-1 gives one back) and return the window's count."""
    params = {"key": key, "now": now, "first": max(by, 0), "by": by, "window_s": window_s}
    return int(_upsert(conn.dialect.name)(conn, params).scalar_one())


def hits(conn: sa.Connection, key: str, *, window_s: float, now: float) -> int:
    """The count of `key`'s current window, without counting."""
    c = t.rate_limits.c
    found = conn.execute(
        sa.select(c.hits).where(c.key == key, c.window_start > now - window_s)
    ).scalar_one_or_none()
    return int(found or 0)


def forget(conn: sa.Connection, *keys: str) -> None:
    conn.execute(sa.delete(t.rate_limits).where(t.rate_limits.c.key.in_(keys)))


def forget_before(conn: sa.Connection, prefix: str, before: float) -> None:
    """Drop the counters under `prefix` whose window started before `before`."""
    c = t.rate_limits.c
    conn.execute(sa.delete(t.rate_limits).where(c.key.startswith(prefix), c.window_start < before))


def take(conn: sa.Connection, limit: Limit, *, now: float) -> None:
    """Count one hit, raising `LimitReached` past the limit (the caller's rollback undoes it)."""
    count = hit(conn, limit.key, window_s=limit.window_s, now=now)
    if count > limit.limit:
        raise LimitReached(limit, count)
