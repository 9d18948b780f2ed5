"""`swq server`: gunicorn with threaded workers underneath.

An open event stream holds a worker thread for as long as a board or phone listens (gunicorn's
gthread worker keeps idle keep-alive connections off the threads, a stream it cannot). So each
process gets `streams + REQUEST_THREADS` threads and refuses streams past its share with 503:
however many boards connect, kiosks and officers always find a free thread.
"""

from __future__ import annotations

import gc
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from queue_server.app import create_app

REQUEST_THREADS = 32


class StreamingWorker(ThreadWorker):  # type: ignore[misc]
    """A gthread worker that ends its event streams when told to stop, instead of waiting out
    the graceful timeout while boards stay connected (they reconnect to another worker)."""

    def handle_exit(self, sig: int, frame: Any) -> None:
        extensions = getattr(self.wsgi, "extensions", {})
        if "swq" in extensions:
            extensions["swq"].hub.stop()
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
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "swq-server",
        # Several servers may run on one machine (tests, offices); none needs gunicornc.
        "control_socket_disable": True,
    }
    SwqServer(options, {"DATABASE_URL": database_url, "MAX_STREAMS": streams}).run()
