"""The audit log: who did what, when, from where; written after the action succeeded."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app, request

from queue_server.db import schema as t
from queue_server.extension import swq

DETAIL_LIMIT = 2000
# Every officer action writes one: built once, run with the row as parameters.
INSERT = sa.insert(t.audit_log)


def record(
    office: str,
    actor: str,
    role: str,
    action: str,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
    *,
    counter: str = "",
    ticket: str = "",
) -> None:
    """One row; `counter` and `ticket` (its number) are what people read and filter by."""
    text = json.dumps(dict(detail or {}), ensure_ascii=False, default=str)[:DETAIL_LIMIT]
    try:
        with swq().db.writing() as conn:
            conn.execute(
                INSERT,
                {
                    "office": office,
                    "at": swq().now(),
                    "actor": actor[:200],
                    "role": role[:16],
                    "action": action[:64],
                    "target": target[:200],
                    "detail": text,
                    "address": (request.remote_addr or "")[:64],
                    "counter": (counter or "")[:32],
                    "ticket": (ticket or "")[:16],
                },
            )
    except sa.exc.SQLAlchemyError:
        # The action itself has committed: failing its answer now would make the officer
        # retry it (and call a second ticket). The server log keeps what the table missed.
        current_app.logger.exception(
            "audit row not written: %s %s %s %s", office, actor, action, target
        )
