"""An officer's action as one unit of work that also writes the action's audit row."""

from __future__ import annotations

from flask import g

from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq


def action_unit(office: str) -> SqlUnitOfWork:
    """A writing unit of `office` carrying this request's audit row (set by `spec.route`), so
    the row commits with the action: none is lost between the two, and the action takes one
    turn at the disk, not two."""
    uow = SqlUnitOfWork(swq().db, office)
    uow.audit = g.get("swq_audit")
    return uow
