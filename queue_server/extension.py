"""What one app instance wires together, reached through `current_app` (nothing at import)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Flask, current_app

from queue_server.auth import Principal
from queue_server.days.rollover import DayRollover
from queue_server.db.database import Database
from queue_server.live.budget import StreamBudget
from queue_server.live.hub import EventHub

EXTENSION = "swq"


class PrincipalCache:
    """Known tokens for a few seconds, saving every request a database round trip; a revoked
    token stops working within `ttl_s`. Unknown tokens are never kept (no memory to exhaust)."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._known: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, token: str, look_up: Callable[[str], Principal | None]) -> Principal | None:
        now = time.monotonic()
        with self._lock:
            hit = self._known.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        who = look_up(token)
        with self._lock:
            if who is None:
                self._known.pop(token, None)
            else:
                self._known[token] = (now + self.ttl_s, who)
        return who


@dataclass
class Swq:
    db: Database
    hub: EventHub
    clock: Callable[[], datetime]
    principals: PrincipalCache
    rollover: DayRollover = field(default_factory=DayRollover)

    def now(self) -> datetime:
        return self.clock()


def init_app(app: Flask) -> Swq:
    db = Database(
        app.config["DATABASE_URL"],
        pool_size=int(app.config["DB_POOL_SIZE"]),
        max_overflow=int(app.config["DB_MAX_OVERFLOW"]),
    )
    hub = EventHub(
        db,
        poll_interval_s=float(app.config["POLL_INTERVAL_S"]),
        keepalive_s=float(app.config["KEEPALIVE_S"]),
        budget=StreamBudget(
            int(app.config["MAX_STREAMS"]),
            per_token=int(app.config["STREAMS_PER_TOKEN"]),
            per_address=int(app.config["STREAMS_PER_ADDRESS"]),
            public_share=float(app.config["STREAMS_PUBLIC_SHARE"]),
        ),
    )
    swq = Swq(
        db,
        hub,
        app.config.get("CLOCK") or (lambda: datetime.now(UTC)),
        PrincipalCache(float(app.config["TOKEN_CACHE_S"])),
    )
    app.extensions[EXTENSION] = swq
    return swq


def swq() -> Swq:
    ext: Swq = current_app.extensions[EXTENSION]
    return ext
