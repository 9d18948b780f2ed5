"""The board's line to the server: the event stream, kept alive for days, and board resyncs.

One thread reads `GET /api/v1/events`. When the connection drops (server restart, network cut,
a read timeout longer than the server's 15 s keep-alive) it waits with a growing, jittered
backoff, reconnects with `Last-Event-ID` so the server replays what was missed, then reads
`/api/v1/board` and `/api/v1/office` so the screen is right even after a long outage. It also
resyncs every few minutes (a new day empties the board) and re-reads the office document every
half minute (the notice line, the sound settings, the office's colours and logo may change),
with, for a board that has a token, its own layout (`/api/v1/board/layout`).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from core.sse import SSEDecoder

log = logging.getLogger(__name__)
READ_TIMEOUT_S = 40.0  # the server sends a keep-alive at least every 15 s
RESYNC_EVERY_S = 300.0
OFFICE_EVERY_S = 30.0  # an admin's change of the notice or the sound shows within this
HEARTBEAT_EVERY_S = 60.0


class FeedListener(Protocol):
    """Called from the feed's thread, in the order things happened."""

    def on_event(self, event_id: int, event_type: str, data: dict[str, Any]) -> None: ...
    def on_board(self, doc: dict[str, Any]) -> None: ...
    def on_office(self, doc: dict[str, Any]) -> None: ...
    def on_layout(self, doc: dict[str, Any]) -> None: ...
    def on_logo(self, png: bytes | None) -> None: ...
    def on_services(self, services: list[dict[str, Any]]) -> None: ...
    def on_connection(self, connected: bool, detail: str) -> None: ...


class FeedError(Exception):
    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass
class Backoff:
    first_s: float = 0.5
    cap_s: float = 15.0
    jitter: float = 0.2
    _next_s: float = 0.0

    def next(self) -> float:
        self._next_s = self.first_s if self._next_s == 0 else min(self.cap_s, self._next_s * 2)
        return self._next_s * random.uniform(1 - self.jitter, 1 + self.jitter)

    def reset(self) -> None:
        self._next_s = 0.0


class BoardFeed:
    def __init__(
        self,
        server: str,
        listener: FeedListener,
        *,
        office: str | None = None,
        token: str | None = None,
        version: str = "",
        resync_every_s: float = RESYNC_EVERY_S,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        parts = urlsplit(server.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"server URL must be http://host:port, got {server!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path
        self._listener = listener
        self._office = office
        self._token = token
        self._version = version
        self._resync_every_s = resync_every_s
        self._backoff = backoff or Backoff()
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stream: http.client.HTTPConnection | None = None
        self._resynced_at = 0.0
        self._office_at = 0.0
        self._logo_url: str | None = None
        self.waiting_counts = False  # the board shows people waiting per service
        self.last_event_id: int | None = None
        self.connects = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="board-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        stream = self._stream
        if stream is not None and stream.sock is not None:
            # Wakes a read that would otherwise wait for the next keep-alive (closing alone
            # does not wake a read blocked in another thread).
            with contextlib.suppress(OSError):
                stream.sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _connection(self, timeout_s: float) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=timeout_s)

    def _path(self, path: str, **query: str) -> str:
        if self._office:
            query["office"] = self._office
        return f"{self._prefix}{path}" + (f"?{urlencode(query)}" if query else "")

    def _headers(self, accept: str) -> dict[str, str]:
        """The token, when the board has one, tells the server the board's office: a board
        started without --office stays on its office when the server gains others."""
        headers = {"Accept": accept}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def get_json(self, path: str) -> Any:
        return json.loads(self.get_bytes(path, "application/json"))

    def get_bytes(self, path: str, accept: str = "*/*", timeout_s: float = 10.0) -> bytes:
        """One GET with the board's token and office; FeedError unless 200. Safe from any
        thread: each call has its own connection."""
        conn = self._connection(timeout_s)
        try:
            conn.request("GET", self._path(path), headers=self._headers(accept))
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise FeedError(f"GET {path}: HTTP {response.status} {_error_message(body)}")
        return body

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._session()
                detail = "stream ended"
                wait = self._backoff.next()
            except FeedError as exc:
                detail = str(exc)
                wait = exc.retry_after_s or self._backoff.next()
            except (OSError, http.client.HTTPException, ValueError) as exc:
                detail = f"{type(exc).__name__}: {exc}"
                wait = self._backoff.next()
            if self._stop.is_set():
                return
            log.warning("board feed: %s; reconnecting in %.1f s", detail, wait)
            self._listener.on_connection(False, detail)
            self._stop.wait(wait)

    def _session(self) -> None:
        conn = self._connection(READ_TIMEOUT_S)
        self._stream = conn
        try:
            headers = self._headers("text/event-stream")
            if self.last_event_id is not None:
                headers["Last-Event-ID"] = str(self.last_event_id)
            conn.request("GET", self._path("/api/v1/events"), headers=headers)
            response = conn.getresponse()
            if response.status != 200:
                retry = response.getheader("Retry-After")
                raise FeedError(
                    f"event stream: HTTP {response.status} {_error_message(response.read())}",
                    float(retry) if retry and retry.isdigit() else None,
                )
            self.connects += 1
            # The stream is open, so nothing after the board document can be lost: read it now.
            self._resync()
            self._listener.on_connection(True, "")
            self._backoff.reset()
            self._read(response)
        finally:
            self._stream = None
            conn.close()

    def _read_office(self) -> None:
        office = self.get_json("/api/v1/office")
        self._listener.on_office(office)
        branding = office.get("branding")
        logo_url = branding.get("logo_url") if isinstance(branding, dict) else None
        if logo_url != self._logo_url:  # its address names its version: fetched once each
            self._logo_url = logo_url
            png = self._optional(lambda: self.get_logo(logo_url), "logo") if logo_url else None
            self._listener.on_logo(png)
        if self._token:  # the layout is the token's: a board without one keeps the defaults
            layout = self._optional(lambda: self.get_json("/api/v1/board/layout"), "layout")
            if isinstance(layout, dict):
                self._listener.on_layout(layout)
                self.waiting_counts = bool(layout.get("waiting_counts"))
        if self.waiting_counts:
            self._listener.on_services(self.get_json("/api/v1/services"))

    def _optional(self, read: Callable[[], Any], what: str) -> Any:
        """What the board can do without (its logo; its layout, refused to a token that is not
        a display's or unknown to an older server): a failure is logged, never a reconnect."""
        try:
            return read()
        except FeedError as exc:
            log.warning("board %s: %s; going on without it", what, exc)
            return None

    def get_logo(self, path: str) -> bytes:
        """A picture the office document names (its logo), at the address it gives."""
        conn = self._connection(10.0)
        try:
            conn.request("GET", f"{self._prefix}{path}", headers=self._headers("image/png"))
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise FeedError(f"GET {path}: HTTP {response.status}")
        return body

    def _resync(self) -> None:
        self._read_office()
        board = self.get_json("/api/v1/board")
        if self.last_event_id is None and board.get("last_event_id") is not None:
            self.last_event_id = int(board["last_event_id"])
        self._listener.on_board(board)
        self._resynced_at = self._office_at = self._clock()

    def _read(self, response: http.client.HTTPResponse) -> None:
        decoder = SSEDecoder()
        heartbeat_at = 0.0
        while not self._stop.is_set():
            chunk = response.read1(65536)
            if not chunk:
                return
            for message in decoder.feed(chunk):
                if message.id is None or not message.id.isdigit():
                    continue
                event_id = int(message.id)
                self._listener.on_event(event_id, message.event, message.json())
                self.last_event_id = event_id
                if self.waiting_counts and message.event.startswith("ticket."):
                    self._listener.on_services(self.get_json("/api/v1/services"))
            now = self._clock()
            if now - self._resynced_at >= self._resync_every_s:
                self._resync()
            elif now - self._office_at >= OFFICE_EVERY_S:
                self._office_at = now
                self._read_office()
            if self._token and now - heartbeat_at >= HEARTBEAT_EVERY_S:
                heartbeat_at = now
                self._heartbeat()

    def _heartbeat(self) -> None:
        """Tells the admin page this board is alive; a failure here is no reason to reconnect."""
        body = json.dumps({"printer": "none", "version": self._version})
        conn = self._connection(5.0)
        try:
            conn.request(
                "POST",
                f"{self._prefix}/api/v1/devices/heartbeat",
                body=body,
                headers={
                    "Authorization": f"Bearer {self._token}",
                    "Content-Type": "application/json",
                },
            )
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                log.warning("heartbeat refused: HTTP %s", response.status)
        except (OSError, http.client.HTTPException) as exc:
            log.warning("heartbeat failed: %s", exc)
        finally:
            conn.close()


def _error_message(body: bytes) -> str:
    try:
        error = json.loads(body)["error"]
        return f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return body[:200].decode("utf-8", errors="replace")
