"""The audit log: who did what, when, from where; written after the action succeeded, or by
the action's own unit of work (`queue_server.api.acting`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app, request

from queue_server.db.audit_log import AuditEntry
from queue_server.extension import swq


def entry(
    office: str,
    actor: str,
    role: str,
    action: str,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
    *,
    counter: str = "",
    ticket: str = "",
    own_counter: str = "",
) -> AuditEntry:
    """This request's row, from its address."""
    return AuditEntry(
        office,
        actor,
        role,
        action,
        target,
        detail,
        request.remote_addr or "",
        counter or "",
        ticket or "",
        own_counter,
    )


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
    """One row in a write of its own."""
    write(entry(office, actor, role, action, target, detail, counter=counter, ticket=ticket))


def write(row: AuditEntry) -> None:
    try:
        with swq().db.writing() as conn:
            row.write(conn, swq().now())
    except sa.exc.SQLAlchemyError:
        # The action itself has committed: failing its answer now would make the officer
        # retry it (and call a second ticket). The server log keeps what the table missed.
        current_app.logger.exception(
            "audit row not written: %s %s %s %s", row.office, row.actor, row.action, row.target
        )
