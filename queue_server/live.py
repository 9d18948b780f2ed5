"""The live event stream of one server process.

One feeder thread per process learns of new events - woken by this process's own commits, by
PostgreSQL NOTIFY from other processes, or else by polling - reads them from the events table in
id order and hands them to the open streams. Streams never query the database while live, so a
hundred boards cost a hundred sleeping threads and one query per batch of events.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from core.sse import encode_comment, encode_data, encode_retry
from queue_server.db.database import Database
from queue_server.db.uow import NOTIFY_CHANNEL, events_after, last_event_id

log = logging.getLogger(__name__)
RECENT_KEPT = 4096
RETRY_MS = 3000
# With PostgreSQL, NOTIFY wakes the feed; polling then only covers a lost LISTEN connection.
NOTIFIED_POLL_S = 1.0


@dataclass
class OfficeFeed:
    """Every event of one office with id in (floor, last_id], oldest first, already encoded."""

    last_id: int
    floor: int
    ids: deque[int] = field(default_factory=deque)
    messages: deque[bytes] = field(default_factory=deque)

    def append(self, event_id: int, message: bytes) -> None:
        self.ids.append(event_id)
        self.messages.append(message)
        self.last_id = event_id
        if len(self.ids) > RECENT_KEPT:
            self.floor = self.ids.popleft()
            self.messages.popleft()

    def after(self, event_id: int) -> list[tuple[int, bytes]] | None:
        """What follows `event_id`, or None when that is older than the feed remembers."""
        if event_id < self.floor:
            return None
        start = bisect.bisect_right(self.ids, event_id)
        return [(self.ids[i], self.messages[i]) for i in range(start, len(self.ids))]


class StreamsFull(Exception):
    """This process already holds as many streams as it may."""


class EventHub:
    def __init__(
        self, db: Database, *, poll_interval_s: float, keepalive_s: float, max_streams: int
    ) -> None:
        self.db = db
        self.poll_interval_s = poll_interval_s if db.sqlite else NOTIFIED_POLL_S
        self.keepalive_s = keepalive_s
        self.max_streams = max_streams
        self._feeds: dict[str, OfficeFeed] = {}
        self._changed = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._started = False
        self._start_lock = threading.Lock()
        self.open_streams = 0
        db.on_commit(lambda _office: self._wake.set())

    # --- feeding -------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._started:
                return
            self._started = True
            threading.Thread(target=self._feed_loop, name="swq-feed", daemon=True).start()
            if not self.db.sqlite:
                threading.Thread(target=self._listen_loop, name="swq-listen", daemon=True).start()

    def _feed_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_interval_s)
            self._wake.clear()
            try:
                self.catch_up()
            except sa.exc.SQLAlchemyError as exc:
                log.warning("event feed: database unavailable, retrying: %s", exc)
                self._stop.wait(1.0)

    def catch_up(self) -> None:
        """Read every office's new events and wake the streams waiting for them."""
        with self._changed:
            offices = {code: feed.last_id for code, feed in self._feeds.items()}
        if not offices:
            return
        fresh: dict[str, list[tuple[int, str, str]]] = {}
        with self.db.engine.connect() as conn:
            for office, last in offices.items():
                rows = events_after(conn, office, last, limit=RECENT_KEPT)
                if rows:
                    fresh[office] = list(rows)
        if not fresh:
            return
        with self._changed:
            for office, rows in fresh.items():
                feed = self._feeds[office]
                for event_id, kind, data in rows:
                    if event_id > feed.last_id:
                        feed.append(event_id, encode_data(event_id, kind, data))
            self._changed.notify_all()
        if any(len(rows) == RECENT_KEPT for rows in fresh.values()):
            self._wake.set()

    def _listen_loop(self) -> None:
        import psycopg

        url = self.db.engine.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._wake.set()  # anything committed while we were not listening
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=5.0, stop_after=1):
                            self._wake.set()
            except psycopg.Error as exc:
                log.warning("event feed: LISTEN connection lost, polling meanwhile: %s", exc)
                self._stop.wait(1.0)

    def _feed(self, office: str) -> OfficeFeed:
        with self._changed:
            feed = self._feeds.get(office)
        if feed is not None:
            return feed
        with self.db.engine.connect() as conn:
            last = last_event_id(conn, office)
        with self._changed:
            return self._feeds.setdefault(office, OfficeFeed(last_id=last, floor=last))

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        with self._changed:
            self._changed.notify_all()

    # --- streaming -----------------------------------------------------------------------
    def current_id(self, office: str) -> int:
        self._ensure_started()
        return self._feed(office).last_id

    def open_stream(self, office: str, after: int | None) -> Iterator[bytes]:
        """The stream for one client; raises StreamsFull before anything is sent."""
        self._ensure_started()
        feed = self._feed(office)
        with self._changed:
            if self.open_streams >= self.max_streams:
                raise StreamsFull
            self.open_streams += 1
        return Stream(self, self._stream(office, feed, feed.last_id if after is None else after))

    def release_stream(self) -> None:
        with self._changed:
            self.open_streams -= 1

    def _stream(self, office: str, feed: OfficeFeed, last: int) -> Iterator[bytes]:
        yield encode_retry(RETRY_MS)
        while not self._stop.is_set():
            with self._changed:
                batch = feed.after(last)
                idle = batch == [] and not self._changed.wait_for(
                    lambda last=last: feed.last_id > last or self._stop.is_set(),
                    self.keepalive_s,
                )
                if batch == []:
                    batch = feed.after(last)
            if idle:
                yield encode_comment()
                continue
            if batch is None:
                batch = self._replay(office, last)
            for event_id, message in batch:
                yield message
                last = event_id

    def _replay(self, office: str, after: int) -> list[tuple[int, bytes]]:
        """Older events than the feed remembers, straight from the table."""
        with self.db.engine.connect() as conn:
            rows = events_after(conn, office, after, limit=1000)
        return [(event_id, encode_data(event_id, kind, data)) for event_id, kind, data in rows]


class Stream:
    """The WSGI body of one stream; the server's `close()` frees its place even if the client
    left before the first byte (a generator that never started would run no `finally`)."""

    def __init__(self, hub: EventHub, messages: Iterator[bytes]) -> None:
        self._hub = hub
        self._messages = messages
        self._closed = False

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> bytes:
        return next(self._messages)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            close = getattr(self._messages, "close", None)
            if close is not None:
                close()
            self._hub.release_stream()
