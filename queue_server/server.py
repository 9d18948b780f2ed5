"""`swq server`: gunicorn with threaded workers underneath.

An open event stream holds a worker thread for as long as a board or phone listens (gunicorn's
gthread worker keeps idle keep-alive connections off the threads, a stream it cannot). So each
process gets `streams + REQUEST_THREADS` threads and refuses streams past its share with 503:
however many boards connect, kiosks and officers always find a free thread.

Slow clients get no thread either: the worker's event loop reads a request's head itself and
hands the connection to a thread only once the head is complete (a client that has not finished
it within HEADER_TIMEOUT_S is dropped), and a thread reading a body or writing an answer gives up
on a client silent for IO_TIMEOUT_S. A few hundred connections that never finish their headers
cost sockets and a little memory, not threads.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import selectors
import time
from collections import deque
from functools import partial
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi
from gunicorn.workers.gthread import TConn, ThreadWorker

from queue_server.app import create_app
from queue_server.notify.sender import NoticeSender

SENDER = "swq_notice_sender"

REQUEST_THREADS = 32
# gunicorn names itself (and its version, in some releases) in every answer's Server header:
# say only which application answers.
wsgi.SERVER = "swq"
HEADER_TIMEOUT_S = 10.0
IO_TIMEOUT_S = 30.0
MAX_HEAD_BYTES = 64 * 1024
HEAD_ENDS = (b"\r\n\r\n", b"\n\n")


class _Head:
    """A request head being read by the event loop, before any thread is involved."""

    def __init__(self, conn: TConn, deadline: float) -> None:
        self.conn = conn
        self.deadline = deadline
        self.data = bytearray()


class StreamingWorker(ThreadWorker):  # type: ignore[misc]
    """A gthread worker that reads request heads in its event loop (see the module's doc) and
    ends its event streams when told to stop, instead of waiting out the graceful timeout while
    boards stay connected (they reconnect to another worker)."""

    def init_process(self) -> None:
        self.heads: deque[_Head] = deque()
        super().init_process()

    def accept(self, listener: Any) -> None:
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._read_head_of(TConn(self.cfg, client, address, listener.getsockname()))

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        # A kept-alive connection's next request: its head is read off the threads too.
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_head_of(conn)

    def _read_head_of(self, conn: TConn) -> None:
        conn.sock.setblocking(False)
        head = _Head(conn, time.monotonic() + HEADER_TIMEOUT_S)
        # A kept-alive client's next head is usually here already: no trip through the poller.
        verdict = self._read_head(head)
        if verdict is None:
            self.heads.append(head)
            self.poller.register(
                conn.sock, selectors.EVENT_READ, partial(self._on_head_bytes, head)
            )
        else:
            self._pass_on(head, verdict)

    def _on_head_bytes(self, head: _Head, client: Any) -> None:
        verdict = self._read_head(head)
        if verdict is not None:
            self.poller.unregister(client)
            self.heads.remove(head)
            self._pass_on(head, verdict)

    def _read_head(self, head: _Head) -> bool | None:
        """Read what has arrived: True once the head is whole, False when the client is gone or
        sends a head no honest client sends, None while it is still coming."""
        try:
            data = head.conn.sock.recv(MAX_HEAD_BYTES)
        except BlockingIOError:
            return None
        except OSError:
            data = b""
        head.data += data
        if any(end in head.data for end in HEAD_ENDS):
            return True
        if not data or len(head.data) > MAX_HEAD_BYTES:
            return False
        return None

    def _pass_on(self, head: _Head, whole: bool) -> None:
        if not whole:
            self._drop(head.conn)
            return
        head.conn.init()
        head.conn.parser.unreader.unread(bytes(head.data))
        head.conn.data_ready = True
        self.enqueue_req(head.conn)

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        while self.heads and self.heads[0].deadline <= now:
            head = self.heads.popleft()
            with contextlib.suppress(OSError, KeyError, ValueError):  # already gone
                self.poller.unregister(head.conn.sock)
            self._drop(head.conn)

    def _drop(self, conn: TConn) -> None:
        self.nr_conns -= 1
        conn.close()

    def handle_request(self, req: Any, conn: TConn) -> Any:
        # A body that stops arriving, or a reader that stops reading, frees the thread.
        conn.sock.settimeout(IO_TIMEOUT_S)
        return super().handle_request(req, conn)

    def handle_exit(self, sig: int, frame: Any) -> None:
        extensions = getattr(self.wsgi, "extensions", {})
        if "swq" in extensions:
            extensions["swq"].hub.stop()
        if SENDER in extensions:
            extensions[SENDER].stop()
        super().handle_exit(sig, frame)


class SwqServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], app_config: dict[str, Any]) -> None:
        self.options = options
        self.app_config = app_config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Called in each worker after the fork: every process opens its own connections.
        app = create_app(self.app_config)
        if app.config["NOTICE_SENDER"]:
            # Each worker delivers the webhook's notices too; claims keep them from colliding.
            ext = app.extensions["swq"]
            app.extensions[SENDER] = NoticeSender(ext.db, ext.now, app.config).start()
        # What is loaded by now lives as long as the worker: keeping it out of the collector's
        # generations spares requests the ~100 ms full collections a young worker otherwise runs
        # as its memory grows (seen in bench/api.py).
        gc.collect()
        gc.freeze()
        return app


def serve(
    *, database_url: str, host: str, port: int, workers: int, streams: int, access_log: bool
) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "queue_server.server.StreamingWorker",
        "threads": streams + REQUEST_THREADS,
        "timeout": 30,
        "graceful_timeout": 5,
        "keepalive": 5,
        # Several workers: each listens on a socket of its own (SO_REUSEPORT, gunicorn binds it
        # in the worker) and the kernel deals new connections among them. On one shared socket
        # the worker that wakes first accepts a whole burst, and kiosks and officers keep their
        # connections alive, so one worker served nearly everything (bench/api.py --offices 20).
        # The cost: a worker that dies drops the connections still queued on its socket (clients
        # retry), and a second server started on the same port by mistake shares it rather than
        # failing.
        "reuse_port": workers > 1,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "swq-server",
        # Several servers may run on one machine (tests, offices); none needs gunicornc.
        "control_socket_disable": True,
    }
    SwqServer(options, {"DATABASE_URL": database_url, "MAX_STREAMS": streams}).run()
