"""What one app instance wires together, reached through `current_app` (nothing at import)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, current_app

from queue_server.db.database import Database
from queue_server.live import EventHub

EXTENSION = "swq"


@dataclass
class Swq:
    db: Database
    hub: EventHub
    clock: Callable[[], datetime]

    def now(self) -> datetime:
        return self.clock()


def init_app(app: Flask) -> Swq:
    db = Database(app.config["DATABASE_URL"])
    hub = EventHub(
        db,
        poll_interval_s=float(app.config["POLL_INTERVAL_S"]),
        keepalive_s=float(app.config["KEEPALIVE_S"]),
        max_streams=int(app.config["MAX_STREAMS"]),
    )
    swq = Swq(db, hub, app.config.get("CLOCK") or (lambda: datetime.now(UTC)))
    app.extensions[EXTENSION] = swq
    return swq


def swq() -> Swq:
    ext: Swq = current_app.extensions[EXTENSION]
    return ext
