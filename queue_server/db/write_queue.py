"""Group commit on SQLite: writers queued behind one another share one transaction and one fsync.

SQLite lets one writer in at a time, and with `synchronous=FULL` every commit waits for the disk
(from one to tens of milliseconds). So the threads of a process queue for the database here, and a
writer that leaves while others are queued does not commit: it releases its savepoint and hands
the open transaction to the next one. The writer that finds nobody behind it commits for all and
wakes them. Each writer is still answered only after the commit that holds its work (`wait`),
its own savepoint keeps a failure its own, and the writes keep their queue order, so an office's
events still commit in id order.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from queue_server.db.engine import WRITE

# A batch's first writer waits for the others' work before it is answered: a bound on that wait.
MAX_BATCH = 16


class CommitFailed(sa.exc.OperationalError):
    """The shared transaction holding this writer's work did not commit; `orig` says why. An
    unavailable database to the caller (503: retry), like a failed commit of its own."""

    def __init__(self, cause: BaseException) -> None:
        orig = cause.orig if isinstance(cause, sa.exc.DBAPIError) else cause
        super().__init__("COMMIT", None, orig)  # type: ignore[arg-type]


class Savepoint:
    """A writer's own part of the shared transaction, as plain SQL: SQLAlchemy's `begin_nested`
    compiles its SAVEPOINT and RELEASE statements anew every time (two compilations per write).
    One writer holds the batch at a time, so one name serves.

    The batch's first writer (`whole`) needs none: its part is the whole transaction so far,
    undone by rolling that back and beginning anew. A writer nobody queued behind (most of an
    office's day) so runs two statements fewer."""

    def __init__(self, conn: sa.Connection, *, whole: bool) -> None:
        if not whole:
            conn.exec_driver_sql("SAVEPOINT swq_writer")
        self._conn = conn
        self.whole = whole
        self.is_active = True

    def commit(self) -> None:
        self.is_active = False
        if not self.whole:
            self._conn.exec_driver_sql("RELEASE SAVEPOINT swq_writer")

    def rollback(self) -> None:
        self.is_active = False
        if self.whole:
            self._conn.rollback()
            self._conn.begin()
            return
        self._conn.exec_driver_sql("ROLLBACK TO SAVEPOINT swq_writer")
        self._conn.exec_driver_sql("RELEASE SAVEPOINT swq_writer")


class WriteBatch:
    """One transaction shared by the writers that followed one another into it."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.size = 0  # writers so far, the one in its turn included
        self.broken = False  # a writer could not undo its own part: commit nothing
        self._done = threading.Event()
        self._error: BaseException | None = None

    def savepoint(self) -> Savepoint:
        """The part of the writer in its turn now."""
        return Savepoint(self.conn, whole=self.size == 1)

    def finish(self, error: BaseException | None) -> None:
        self._error = error
        self._done.set()

    def wait(self) -> None:
        """Return once the batch has committed; raise if it did not."""
        self._done.wait()
        if self._error is not None:
            raise CommitFailed(self._error) from self._error


class WriteQueue:
    """The process's writers of one SQLite database, one at a time, batched."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._turn = threading.Lock()  # held by the writer using the batch's connection
        self._count_lock = threading.Lock()
        self._queued = 0
        self._batch: WriteBatch | None = None
        # Kept from batch to batch: a checkout from the pool and its return cost about as much
        # as one statement, for every write.
        self._conn: sa.Connection | None = None

    def join(self) -> WriteBatch:
        """Wait for this thread's turn; the batch's connection is then its own until `leave`."""
        with self._count_lock:
            self._queued += 1
        self._turn.acquire()
        with self._count_lock:
            self._queued -= 1
        if self._batch is None:
            try:
                self._batch = WriteBatch(self._begin())
            except BaseException:
                self._turn.release()
                raise
        self._batch.size += 1
        return self._batch

    def leave(self) -> None:
        """End this thread's turn: hand the transaction to the next writer, or commit it when
        nobody waits (or the batch is full or broken) and tell every writer in it."""
        batch = self._batch
        assert batch is not None, "leave() without join()"
        with self._count_lock:
            others = self._queued
        if others and batch.size < MAX_BATCH and not batch.broken:
            self._turn.release()
            return
        self._batch = None
        error: BaseException | None = None
        try:
            if batch.broken:
                batch.conn.rollback()
                error = RuntimeError("a writer of this batch could not undo its part")
            else:
                batch.conn.commit()
        except BaseException as exc:  # told to every writer of the batch
            error = exc
        finally:
            if error is not None:
                # Whatever state a failed commit left the connection in, no writer gets it again.
                self._drop_connection(invalidate=True)
            self._turn.release()
            batch.finish(error)

    def close(self) -> None:
        """Give the kept connection back (the database is being disposed of)."""
        with self._turn:
            self._drop_connection()

    def _begin(self) -> sa.Connection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._drop_connection()
            self._conn = self._engine.connect().execution_options(**{WRITE: True})
        try:
            self._conn.begin()
        except BaseException:
            self._drop_connection(invalidate=True)
            raise
        return self._conn

    def _drop_connection(self, *, invalidate: bool = False) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if invalidate and not conn.closed:
            conn.invalidate()
        conn.close()
