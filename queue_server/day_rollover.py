"""The daily close without anyone running it: the first ticket issued or called on a new local day
closes the office's earlier days first, so yesterday's leftovers never sit in today's queues.
`swq day close` (cron) does the same ahead of time; whichever runs first finds nothing left."""

from __future__ import annotations

import threading
from datetime import date, datetime

from core.model import OfficeConfig
from queue_server.day_close import close_day, days_left_open
from queue_server.db.database import Database


class DayRollover:
    """Remembers, per process, the day each office was last checked, so the check costs one query
    per office per day."""

    def __init__(self) -> None:
        self._checked: dict[str, date] = {}
        self._lock = threading.Lock()

    def close_earlier_days(self, db: Database, config: OfficeConfig, now: datetime) -> None:
        office = config.office.code
        today = config.office.local_day(now)
        if self._checked.get(office) == today:
            return
        with self._lock:
            if self._checked.get(office) == today:
                return
            for day in days_left_open(db, office, now):
                close_day(db, office, day, now, "automatic")
            self._checked[office] = today
