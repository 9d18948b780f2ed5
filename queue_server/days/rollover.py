"""The daily close without anyone running it: in an office with opening hours, the first ticket
issued or called on a new local day closes the earlier days first, so yesterday's leftovers never
sit in today's queues. An office without hours may work through midnight (a ticket issued at
23:50 is called at 00:10), so there only `swq day close` (cron) closes a day; where both run,
whichever comes first finds nothing left. The first of a new day also erases the personal data
of bookings past the office's retention period."""

from __future__ import annotations

import threading
from datetime import date, datetime

from core.model import OfficeConfig
from queue_server.days.close import close_day, days_left_open, erase_expired_bookings
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
            if config.office.hours is not None:
                for day in days_left_open(db, office, now):
                    close_day(db, office, day, now, "automatic")
            erase_expired_bookings(db, office, now)
            self._checked[office] = today
