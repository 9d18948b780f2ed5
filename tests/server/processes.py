"""Real server processes and a real event-stream client for the tests."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from core.sse import ServerSentEvent, SSEDecoder

SWQ = [sys.executable, "-m", "queue_server.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """`swq server` in a process of its own; stop() is polite, kill() is kill -9."""

    database_url: str
    workers: int = 1
    streams: int = 64
    log_path: Path | None = None
    # Extra environment for the server, e.g. SWQ_* settings; the rest comes from os.environ.
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> ServerProcess:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                *SWQ,
                "server",
                "--db",
                self.database_url,
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--streams",
                str(self.streams),
            ],
            stdout=log,
            stderr=log,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
            start_new_session=True,
        )
        if log is not subprocess.DEVNULL:
            log.close()  # the child holds its own copy
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"swq server exited with {self.process.returncode}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or the worker is still booting on a busy machine
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("swq server did not become healthy")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """kill -9 the whole process group: master and workers die mid-request."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


class EventClient:
    """Reads an event stream in a thread, as a display would, collecting every event."""

    def __init__(
        self,
        url: str,
        last_event_id: str | None = None,
        context: ssl.SSLContext | None = None,
        headers: dict[str, str] | None = None,
        source_address: str | None = None,
    ) -> None:
        parts = urlsplit(url)
        # From another loopback address, a proxy's per-address limits see another client.
        source = (source_address, 0) if source_address else None
        self._conn: http.client.HTTPConnection = (
            http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=60, context=context, source_address=source
            )
            if parts.scheme == "https"
            else http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=60, source_address=source
            )
        )
        self._conn.connect()
        self._sock = self._conn.sock
        headers = {"Accept": "text/event-stream", **(headers or {})}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        self._conn.request("GET", target, headers=headers)
        self.response = self._conn.getresponse()
        self.events: list[ServerSentEvent] = []
        self.comments = 0
        self._decoder = SSEDecoder()
        self._arrived = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while True:
                chunk = self.response.read1(65536)
                if not chunk:
                    return
                self.comments += sum(1 for line in chunk.split(b"\n") if line.startswith(b":"))
                events = self._decoder.feed(chunk)
                with self._arrived:
                    self.events.extend(events)
                    self._arrived.notify_all()
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            # close() from the test thread pulls the socket from under a blocked read
            return

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[ServerSentEvent]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.events) >= count, timeout_s)
            return list(self.events)

    @property
    def last_event_id(self) -> str | None:
        return self._decoder.last_event_id

    @property
    def ended(self) -> bool:
        """The stream is over: the server closed it, the connection broke, or close() was called."""
        return not self._thread.is_alive()

    def close(self) -> None:
        # The reader thread sits in a read holding the response's lock, so closing alone would
        # wait for the next keep-alive comment (15 s); shutting the socket down wakes it now.
        with contextlib.suppress(OSError):  # the server may already have gone away
            self._sock.shutdown(socket.SHUT_RDWR)
        self._conn.close()


class SourceAddressAdapter(HTTPAdapter):
    """Requests sent from one loopback address, so per-address limits see distinct clients."""

    def __init__(self, source_address: str, pool_maxsize: int = 10) -> None:
        self.source_address = source_address
        super().__init__(pool_maxsize=pool_maxsize)

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        kwargs["source_address"] = (self.source_address, 0)
        super().init_poolmanager(*args, **kwargs)
