"""The audit log: newest first, a page at a time, filtered by who or what."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, request

from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.request_guard import parse_int
from queue_server.web.admin_common import admin_only, local, office_file, render

PAGE_SIZE = 50


@admin_only
def audit_log() -> str:
    office = office_file()
    actor = request.args.get("actor", "").strip()
    action = request.args.get("action", "").strip()
    # An event id: 64-bit at most (a longer number is no page of this log).
    before = request.args.get("before", type=parse_int)
    c = t.audit_log.c
    query = sa.select(t.audit_log).where(c.office == g.user.office)
    if actor:
        query = query.where(c.actor == actor)
    if action:
        # "user" finds user.add, user.password...; the dot keeps "user" from matching "users".
        query = query.where(sa.or_(c.action == action, c.action.startswith(action + ".")))
    if before is not None:
        query = query.where(c.id < before)
    with swq().db.engine.connect() as conn:
        rows = conn.execute(query.order_by(c.id.desc()).limit(PAGE_SIZE + 1)).mappings().all()
        actions = conn.execute(
            sa.select(c.action).where(c.office == g.user.office).distinct().order_by(c.action)
        ).scalars()
        known_actions = list(actions)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render(
        "admin_audit.html",
        office=office,
        rows=rows,
        actor=actor,
        action=action,
        known_actions=known_actions,
        next_before=rows[-1]["id"] if more else None,
        first_page=before is None,
        tz=office.config.office.tz,
        local=local,
    )


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/audit", "audit_log", audit_log)
