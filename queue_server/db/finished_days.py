"""What estimates read of days that are over, kept per process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class FinishedDays:
    """Reads of earlier days' finished visits by key, the oldest forgotten first.

    Every ticket's estimate, and every status page's, reads the same weekday of the four weeks
    before (up to 40 rows, a JSON document each): those days are over, so their visits no
    longer change, and one read per process and service serves the whole day.
    """

    SIZE = 1024

    def __init__(self) -> None:
        self._reads: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        with self._lock:
            if key in self._reads:
                self._reads.move_to_end(key)
                return self._reads[key]  # type: ignore[return-value]
        value = read()
        with self._lock:
            self._reads[key] = value
            if len(self._reads) > self.SIZE:
                self._reads.popitem(last=False)
        return value
