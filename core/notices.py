"""A notice for a citizen who left the hall: their ticket is near, or called. The notifier port
(core.ports.Notifier) delivers one; adapters (the HTTP webhook) decide how."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NEAR, CALLED = "near", "called"


@dataclass(frozen=True)
class Notice:
    id: int  # the outbox row: the same notice retried keeps it, so a receiver can drop repeats
    kind: str  # NEAR or CALLED
    payload: Mapping[str, Any]  # ticket, office, service, counter, time (core.notices's doc)
    contact: str | None  # what the citizen chose to give, e.g. a phone number for SMS


@dataclass(frozen=True)
class Delivery:
    """How one try went. `detail` is safe to log and show: a status or an error's kind, never
    the notice's contents."""

    ok: bool
    detail: str
