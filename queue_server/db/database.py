"""One database per app: its engine, a cache of office configurations, commit listeners."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa

from core.errors import NotFound
from core.model import OfficeConfig
from core.phone_settings import PhoneSettings, stored_phone
from queue_server.db import schema as t
from queue_server.db.engine import WRITE, is_sqlite, make_engine
from queue_server.db.finished_days import FinishedDays
from queue_server.db.office_mirror import LATEST_EVENT, OfficeMirrors
from queue_server.db.prepared import Prepared
from queue_server.db.rows import config_from_rows
from queue_server.db.write_queue import WriteQueue

# Asked by every unit of work: built once (see the hot-path statements in uow.py).
_VERSION = sa.select(t.offices.c.version).where(t.offices.c.code == sa.bindparam("office"))
VERSION = Prepared(_VERSION)
VERSION_FOR_UPDATE = Prepared(_VERSION.with_for_update())
# A SQLite writer holds the whole database, so the office's latest event is read in the same
# statement (the copy of the office checks itself against it); a PostgreSQL writer reads it
# only once its lock is granted.
VERSION_AND_LAST_EVENT = Prepared(
    sa.select(t.offices.c.version, LATEST_EVENT.scalar_subquery()).where(
        t.offices.c.code == sa.bindparam("office")
    )
)


def read_config(conn: sa.Connection, office: str) -> OfficeConfig:
    row = conn.execute(sa.select(t.offices).where(t.offices.c.code == office)).mappings().one()
    agencies = conn.execute(
        sa.select(t.agencies).where(t.agencies.c.office == office).order_by("position")
    ).mappings()
    services = conn.execute(
        sa.select(t.services).where(t.services.c.office == office).order_by("position")
    ).mappings()
    return config_from_rows(row, list(agencies), list(services))


def read_phone(conn: sa.Connection, office: str) -> PhoneSettings:
    stored = conn.execute(
        sa.select(t.offices.c.phone).where(t.offices.c.code == office)
    ).scalar_one_or_none()
    return stored_phone(stored)


T = TypeVar("T")


class Database:
    def __init__(self, url: str, *, pool_size: int = 5, max_overflow: int = 5) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        self.sqlite = is_sqlite(self.engine)
        self._configs: dict[str, tuple[int, OfficeConfig]] = {}
        self._phones: dict[str, tuple[int, PhoneSettings]] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str], None]] = []
        # SQLite lets one writer in at a time and makes the others sleep and retry, unfairly
        # (seconds at the tail under load). Threads of this process queue here instead, are
        # let in the moment the writer before them is done, and share its commit.
        self.write_queue = WriteQueue(self.engine) if self.sqlite else None
        self.finished_days = FinishedDays()
        # Each office's copy of what estimates and writers read (`office_mirror`), in this process.
        self.mirrors = OfficeMirrors()

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """A short write outside an office's unit of work (audit rows, heartbeats, secrets),
        queued behind this process's other writers like a unit of work is; committed when
        the `with` ends."""
        if self.write_queue is None:
            with (
                self.engine.connect().execution_options(**{WRITE: True}) as conn,
                conn.begin(),
            ):
                yield conn
            return
        batch = self.write_queue.join()
        try:
            savepoint = batch.savepoint()
            try:
                yield batch.conn
            except BaseException:
                try:
                    savepoint.rollback()
                except BaseException:
                    batch.broken = True  # its part cannot be undone: the batch commits nothing
                    raise
                raise
            savepoint.commit()
        except BaseException:
            self.write_queue.leave()
            raise
        self.write_queue.leave()
        batch.wait()

    def on_commit(self, listener: Callable[[str], None]) -> None:
        """Call `listener(office)` after a transaction that wrote events of that office commits."""
        self._listeners.append(listener)

    def committed(self, office: str) -> None:
        for listener in self._listeners:
            listener(office)

    def config(self, conn: sa.Connection, office: str, version: int | None = None) -> OfficeConfig:
        """The office's configuration, read again only when its version changed."""
        if version is None:
            version = self.version(conn, office)
        return self._of_version(self._configs, office, version, lambda: read_config(conn, office))

    def phone(self, conn: sa.Connection, office: str, version: int) -> PhoneSettings:
        """The office's phone settings, read again only when its version changed (saving them
        makes a new version: `queue_server.offices.write_phone`)."""
        return self._of_version(self._phones, office, version, lambda: read_phone(conn, office))

    def _of_version(
        self, cache: dict[str, tuple[int, T]], office: str, version: int, read: Callable[[], T]
    ) -> T:
        with self._lock:
            cached = cache.get(office)
        if cached is not None and cached[0] == version:
            return cached[1]
        value = read()
        with self._lock:
            cache[office] = (version, value)
        return value

    def version(self, conn: sa.Connection, office: str, *, lock: bool = False) -> int:
        query = VERSION_FOR_UPDATE if lock and not self.sqlite else VERSION
        version = query(conn, {"office": office}).scalar_one_or_none()
        if version is None:
            raise NotFound(f"no office {office!r}", f"ไม่พบสำนักงาน {office!r}")
        return version

    def version_and_last_event(self, conn: sa.Connection, office: str) -> tuple[int, int]:
        """SQLite, in a write: the office's version and its latest event id (0 before any)."""
        row = VERSION_AND_LAST_EVENT(conn, {"office": office}).one_or_none()
        if row is None:
            raise NotFound(f"no office {office!r}", f"ไม่พบสำนักงาน {office!r}")
        return row[0], row[1] or 0

    def cached_config(self, office: str) -> OfficeConfig | None:
        """The configuration last read, for what may lag a change by one request (time zone)."""
        with self._lock:
            cached = self._configs.get(office)
        return cached[1] if cached else None

    def office_codes(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(t.offices.c.code).order_by("code")).scalars())

    def dispose(self) -> None:
        if self.write_queue is not None:
            self.write_queue.close()
        self.engine.dispose()
