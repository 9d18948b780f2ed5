"""The live event stream of one server process.

One feeder thread per process learns of new events - woken by this process's own commits, by
PostgreSQL NOTIFY from other processes, or else by polling - reads them from the events table in
id order and encodes them once. A commit or a NOTIFY names its office, and only that office is
read then; every office is read on the polling interval (the safety net), so a province of a
hundred offices costs one query per event, not a hundred.

Under gunicorn the feeder also writes them: once a stream has sent its headers and caught up, its
socket is handed to the feeder, which writes every stream's news with non-blocking sends, while
the request's thread sleeps until the client goes. Two hundred boards then cost two hundred
sleeping threads and one thread's writes, instead of two hundred threads waking for every event
and fighting kiosks and officers for the interpreter lock. Elsewhere (the Flask test client) a
stream's own thread waits for news and writes it.
"""

from __future__ import annotations

import bisect
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from core.sse import encode_comment, encode_data, encode_event, encode_retry
from queue_server.db.database import Database
from queue_server.db.office_mirror import last_event_id
from queue_server.db.uow import NOTIFY_CHANNEL, events_after
from queue_server.live.budget import Reader, StreamBudget

log = logging.getLogger(__name__)
RECENT_KEPT = 4096
RETRY_MS = 3000
# With PostgreSQL, NOTIFY wakes the feed; polling then only covers a lost LISTEN connection.
NOTIFIED_POLL_S = 1.0
# How often the feeder retries a client that could not take everything at once.
FLUSH_RETRY_S = 0.05
# A client this far behind is cut off; it reconnects with Last-Event-ID and misses nothing.
MAX_PENDING_BYTES = 1 << 20


# What anonymous readers see of an event: what a hall board shows, never a ticket's priority
# class (pregnant, disabled...), its transactions or a pause's reason.
PUBLIC_FIELDS = frozenset(
    {
        "office",
        "at",
        "ticket_id",
        "number",
        "service",
        "counter",
        "from_service",
        "from_counter",
        "to_counter",
        "recalls",
        "voice_pack",
    }
)


def encode_public(event_id: int, kind: str, data: str) -> bytes:
    shown = {k: v for k, v in json.loads(data).items() if k in PUBLIC_FIELDS}
    return encode_data(event_id, kind, json.dumps(shown, ensure_ascii=False))


class OfficeFeed:
    """Every event of one office with id in (floor, last_id], oldest first, already encoded,
    in full and for the public.

    Each office has its own condition, so a call in one office wakes only that office's boards.
    """

    def __init__(self, last_id: int) -> None:
        self.last_id = last_id
        self.floor = last_id
        self.ids: list[int] = []
        self.messages: list[bytes] = []
        self.public: list[bytes] = []
        self.changed = threading.Condition()

    def append(self, event_id: int, message: bytes, public: bytes) -> None:
        """Call with `changed` held."""
        self.ids.append(event_id)
        self.messages.append(message)
        self.public.append(public)
        self.last_id = event_id
        if len(self.ids) > 2 * RECENT_KEPT:
            # Trimming in halves keeps appends O(1) amortised.
            self.floor = self.ids[-RECENT_KEPT - 1]
            del self.ids[:-RECENT_KEPT]
            del self.messages[:-RECENT_KEPT]
            del self.public[:-RECENT_KEPT]

    def after(self, event_id: int, public: bool) -> tuple[int, bytes] | None:
        """The id of the newest event and every message after `event_id` as one chunk (empty when
        there is nothing new), or None when `event_id` is older than the feed remembers."""
        if event_id < self.floor:
            return None
        start = bisect.bisect_right(self.ids, event_id)
        if start == len(self.ids):
            return event_id, b""
        return self.ids[-1], b"".join((self.public if public else self.messages)[start:])


@dataclass
class HandedStream:
    """A stream whose socket the feeder writes to; `gone` tells its request thread to finish."""

    sock: socket.socket
    chunked: bool
    last: int
    public: bool
    pending: bytearray = field(default_factory=bytearray)
    written_at: float = field(default_factory=time.monotonic)
    gone: threading.Event = field(default_factory=threading.Event)

    def queue(self, data: bytes) -> None:
        if self.chunked:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        self.pending += data

    def flush(self) -> None:
        """Send what the socket takes now; a broken or hopelessly slow client is let go."""
        try:
            while self.pending:
                sent = self.sock.send(self.pending, socket.MSG_DONTWAIT)
                del self.pending[:sent]
                self.written_at = time.monotonic()
        except BlockingIOError:
            if len(self.pending) > MAX_PENDING_BYTES:
                self.gone.set()
        except OSError:
            self.gone.set()


class EventHub:
    def __init__(
        self, db: Database, *, poll_interval_s: float, keepalive_s: float, budget: StreamBudget
    ) -> None:
        self.db = db
        self.poll_interval_s = poll_interval_s if db.sqlite else NOTIFIED_POLL_S
        self.keepalive_s = keepalive_s
        self.budget = budget
        self._feeds: dict[str, OfficeFeed] = {}
        self._lock = threading.Lock()  # the feeds table
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._started = False
        self._threads: list[threading.Thread] = []
        self._handed: dict[str, list[HandedStream]] = {}
        self._handed_lock = threading.Lock()
        # Notified after each read of new events, whichever office they belong to (for watchers
        # of several offices, such as a province dashboard).
        self._news = threading.Condition()
        self._notified: set[str] = set()  # offices with news since the last read (under _lock)
        self._sweep_at = 0.0  # when every office is read next (time.monotonic())
        db.on_commit(self._news_of)

    # --- feeding -------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        self._threads = [threading.Thread(target=self._feed_loop, name="swq-feed", daemon=True)]
        if not self.db.sqlite:
            self._threads.append(
                threading.Thread(target=self._listen_loop, name="swq-listen", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def _news_of(self, office: str) -> None:
        """This process committed events of `office`, or another one said so by NOTIFY."""
        with self._lock:
            self._notified.add(office)
        self._wake.set()

    def _due(self) -> set[str] | None:
        """The offices to read now: those with news, or None (all of them) when a sweep is due."""
        with self._lock:
            notified, self._notified = self._notified, set()
            now = time.monotonic()
            if now < self._sweep_at:
                return notified
            self._sweep_at = now + self.poll_interval_s
            return None

    def _feed_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(FLUSH_RETRY_S if self._backlog() else self.poll_interval_s)
            self._wake.clear()
            try:
                self.catch_up(self._due())
            except sa.exc.SQLAlchemyError as exc:
                log.warning("event feed: database unavailable, retrying: %s", exc)
                with self._lock:
                    self._sweep_at = 0.0  # the offices it was reading are read again
                self._stop.wait(1.0)
            self._tend_handed()

    def catch_up(self, offices: set[str] | None = None) -> None:
        """Read new events of these offices (None: of every office watched) and wake the
        streams waiting for them."""
        with self._lock:
            feeds = [
                (office, feed)
                for office, feed in self._feeds.items()
                if offices is None or office in offices
            ]
        if not feeds:
            return
        news = False
        with self.db.engine.connect() as conn:
            for office, feed in feeds:
                rows = events_after(conn, office, feed.last_id, limit=RECENT_KEPT)
                if not rows:
                    continue
                news = True
                if len(rows) == RECENT_KEPT:
                    self._news_of(office)  # the rest of them on the next round
                with feed.changed:
                    for event_id, kind, data in rows:
                        if event_id > feed.last_id:
                            feed.append(
                                event_id,
                                encode_data(event_id, kind, data),
                                encode_public(event_id, kind, data),
                            )
                    feed.changed.notify_all()
                self._deliver(office, feed)
        if news:
            with self._news:
                self._news.notify_all()

    def _deliver(self, office: str, feed: OfficeFeed) -> None:
        with self._handed_lock:
            for stream in self._handed.get(office, ()):
                self._send_news(stream, feed)

    def _send_news(self, stream: HandedStream, feed: OfficeFeed) -> None:
        """Call with `_handed_lock` held."""
        if stream.gone.is_set():
            return  # its socket may be closed by the server already
        with feed.changed:
            news = feed.after(stream.last, stream.public)
        if news is None:
            stream.gone.set()  # fell out of memory: it reconnects and replays from the table
            return
        stream.last, chunk = news
        if chunk:
            stream.queue(chunk)
        stream.flush()

    def _tend_handed(self) -> None:
        """Keep-alives, retries of unsent bytes, and letting go of clients that left."""
        now = time.monotonic()
        with self._handed_lock:
            for office, streams in list(self._handed.items()):
                for stream in streams:
                    if not stream.pending and now - stream.written_at >= self.keepalive_s:
                        stream.queue(encode_comment())
                    if stream.pending:
                        stream.flush()
                alive = [s for s in streams if not s.gone.is_set()]
                if alive:
                    self._handed[office] = alive
                else:
                    del self._handed[office]

    def _backlog(self) -> bool:
        with self._handed_lock:
            return any(s.pending for streams in self._handed.values() for s in streams)

    def _listen_loop(self) -> None:
        import psycopg

        url = self.db.engine.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    with self._lock:
                        self._sweep_at = 0.0  # anything committed while we were not listening
                    self._wake.set()
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=1.0, stop_after=1):
                            self._news_of(notice.payload)
            except psycopg.Error as exc:
                log.warning("event feed: LISTEN connection lost, polling meanwhile: %s", exc)
                self._stop.wait(1.0)

    def _feed(self, office: str) -> OfficeFeed:
        with self._lock:
            feed = self._feeds.get(office)
        if feed is not None:
            return feed
        with self.db.engine.connect() as conn:
            last = last_event_id(conn, office)
        with self._lock:
            return self._feeds.setdefault(office, OfficeFeed(last))

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        with self._lock:
            feeds = list(self._feeds.values())
        for feed in feeds:
            with feed.changed:
                feed.changed.notify_all()
        with self._news:
            self._news.notify_all()
        with self._handed_lock:
            for streams in self._handed.values():
                for stream in streams:
                    stream.gone.set()

    def join(self, timeout_s: float = 5.0) -> None:
        """Wait for the feeder to let go of its connections (before the engine is disposed)."""
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout_s)

    # --- streaming -----------------------------------------------------------------------
    def open_stream(
        self,
        office: str,
        after: int | None,
        reader: Reader,
        raw: socket.socket | None = None,
        chunked: bool = True,
    ) -> Stream:
        """The stream for one client; raises StreamsFull (this reader's or the process's budget
        is spent) before anything is sent.

        `raw` is the client's socket when the server lets us write to it (gunicorn); the feeder
        then writes the stream once the headers are out, framing chunks itself when `chunked`.
        """
        self._ensure_started()
        feed = self._feed(office)
        self.budget.take(reader)
        last = feed.last_id if after is None else after
        if raw is not None:
            messages = self._handed_stream(office, feed, last, reader.public, raw, chunked)
            return Stream(self, reader, messages)
        return Stream(self, reader, self._stream(office, feed, last, reader.public))

    def _stream(self, office: str, feed: OfficeFeed, last: int, public: bool) -> Iterator[bytes]:
        yield encode_retry(RETRY_MS)
        while not self._stop.is_set():
            with feed.changed:
                news = feed.after(last, public)
                if news is not None and not news[1]:
                    feed.changed.wait_for(
                        lambda last=last: feed.last_id > last or self._stop.is_set(),
                        self.keepalive_s,
                    )
                    news = feed.after(last, public)
            if news is None:
                news = self._replay(office, last, public)
            last, chunk = news
            yield chunk or encode_comment()

    def _handed_stream(
        self,
        office: str,
        feed: OfficeFeed,
        last: int,
        public: bool,
        raw: socket.socket,
        chunked: bool,
    ) -> Iterator[bytes]:
        yield encode_retry(RETRY_MS)  # the server sends the headers with it
        while not self._stop.is_set():
            with feed.changed:
                behind = feed.after(last, public) is None
            if not behind:
                break
            last, chunk = self._replay(office, last, public)
            if chunk:
                yield chunk
        stream = HandedStream(raw, chunked, last, public)
        with self._handed_lock:
            if self._stop.is_set():
                return
            self._handed.setdefault(office, []).append(stream)
            self._send_news(stream, feed)
        stream.gone.wait()

    def watch(self, offices: list[str], reader: Reader) -> Stream:
        """A stream that says which of several offices had news (`office.changed`, data
        {"office": code}), at most once per office per read of the events table, never the
        events themselves: a page watching a whole province redraws what changed. It carries no
        ids; after a reconnect the page redraws everything."""
        self._ensure_started()
        feeds = {office: self._feed(office) for office in offices}
        self.budget.take(reader)
        return Stream(self, reader, self._watch(feeds))

    def _watch(self, feeds: dict[str, OfficeFeed]) -> Iterator[bytes]:
        # Taken before the first byte: news between opening and the first read is news.
        seen = {office: feed.last_id for office, feed in feeds.items()}
        yield encode_retry(RETRY_MS)

        def changed() -> list[str]:
            return [office for office, feed in feeds.items() if feed.last_id > seen[office]]

        while not self._stop.is_set():
            with self._news:
                self._news.wait_for(
                    lambda: bool(changed()) or self._stop.is_set(), self.keepalive_s
                )
            news = changed()
            for office in news:
                seen[office] = feeds[office].last_id
            yield b"".join(encode_event("office.changed", {"office": o}) for o in news) or (
                encode_comment()
            )

    def _replay(self, office: str, after: int, public: bool) -> tuple[int, bytes]:
        """Older events than the feed remembers, straight from the table."""
        with self.db.engine.connect() as conn:
            rows = events_after(conn, office, after, limit=1000)
        if not rows:
            return after, b""
        encode = encode_public if public else encode_data
        return rows[-1][0], b"".join(encode(i, kind, data) for i, kind, data in rows)


class Stream:
    """The WSGI body of one stream; the server's `close()` frees its place even if the client
    left before the first byte (a generator that never started would run no `finally`)."""

    def __init__(self, hub: EventHub, reader: Reader, messages: Iterator[bytes]) -> None:
        self._hub = hub
        self._reader = reader
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
            self._hub.budget.give_back(self._reader)
