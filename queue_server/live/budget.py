"""Who may hold how many of a process's event streams.

Each stream holds a thread, so a process has a fixed number of them. One client must not take
them all: a device token (a hall board, the officer's console) may hold `per_token` at once, and
anonymous readers (web boards, citizens' phones) share at most `public_share` of the process's
streams, `per_address` each. The rest is kept for the devices with a token: a board with a
display token always finds a stream while strangers hammer the server.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Reader:
    """`key` names whose budget a stream counts against; `public` readers (no token, no
    session) are told only what a board shows."""

    key: str
    public: bool


class StreamsFull(Exception):
    """This reader, or this process, already holds as many streams as it may."""


class StreamBudget:
    def __init__(
        self, total: int, *, per_token: int, per_address: int, public_share: float
    ) -> None:
        self.total = total
        self.per_token = per_token
        self.per_address = per_address
        self.public_total = max(1, int(total * public_share))
        self._held: Counter[str] = Counter()
        self._public = 0
        self._lock = threading.Lock()

    @property
    def open(self) -> int:
        with self._lock:
            return sum(self._held.values())

    def take(self, reader: Reader) -> None:
        with self._lock:
            mine = self._held[reader.key]
            if sum(self._held.values()) >= self.total:
                raise StreamsFull
            if reader.public:
                if self._public >= self.public_total or mine >= self.per_address:
                    raise StreamsFull
                self._public += 1
            elif mine >= self.per_token:
                raise StreamsFull
            self._held[reader.key] += 1

    def give_back(self, reader: Reader) -> None:
        with self._lock:
            self._held[reader.key] -= 1
            if self._held[reader.key] <= 0:
                del self._held[reader.key]
            if reader.public:
                self._public -= 1
