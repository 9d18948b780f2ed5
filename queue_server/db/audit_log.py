"""Audit rows: who did what, when, from where; about which counter and ticket number."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from queue_server.db import schema as t
from queue_server.db.prepared import Prepared

DETAIL_LIMIT = 2000
# Every officer action writes one.
INSERT = Prepared(
    sa.insert(t.audit_log),
    ["office", "at", "actor", "role", "action", "target", "detail", "address", "counter", "ticket"],
)


@dataclass
class AuditEntry:
    """One row to write. `counter` and `ticket` (its number) are what people read and filter
    by; an action's unit of work fills them from the ticket event it commits."""

    office: str
    actor: str
    role: str
    action: str
    target: str = ""
    detail: Mapping[str, Any] | None = None
    address: str = ""
    counter: str = ""
    ticket: str = ""
    # The officer's own counter: the row's counter when neither the action nor its ticket
    # names one.
    own_counter: str = ""
    written: bool = False

    def about(self, ticket: str, counter: str | None) -> None:
        """The ticket the action was about, and the counter it names if the action did not."""
        self.ticket = ticket
        self.counter = self.counter or counter or self.own_counter

    def write(self, conn: sa.Connection, at: datetime) -> None:
        text = json.dumps(dict(self.detail or {}), ensure_ascii=False, default=str)
        INSERT(
            conn,
            {
                "office": self.office,
                "at": at,
                "actor": self.actor[:200],
                "role": self.role[:16],
                "action": self.action[:64],
                "target": self.target[:200],
                "detail": text[:DETAIL_LIMIT],
                "address": self.address[:64],
                "counter": (self.counter or self.own_counter)[:32],
                "ticket": self.ticket[:16],
            },
        )
        self.written = True
