"""The audit log: newest first, a page at a time, in words, filtered by who, counter or action."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, request

from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.request_guard import parse_int
from queue_server.web.admin_common import admin_only, local, office_file, render
from queue_server.web.audit_names import API, describe, filter_key, filter_name
from queue_server.web.language import pick

PAGE_SIZE = 50


@admin_only
def audit_log() -> str:
    office = office_file()
    actor = request.args.get("actor", "").strip()
    counter = request.args.get("counter", "").strip()
    action = request.args.get("action", "").strip()
    # An event id: 64-bit at most (a longer number is no page of this log).
    before = request.args.get("before", type=parse_int)
    c = t.audit_log.c
    query = sa.select(t.audit_log).where(c.office == g.user.office)
    if actor:
        query = query.where(c.actor == actor)
    if counter:
        query = query.where(c.counter == counter)
    if action:
        # "user" finds user.add, user.password...; the dot keeps "user" from matching "users";
        # a route's last word ("recall") finds that route.
        query = query.where(
            sa.or_(
                c.action == action,
                c.action.startswith(action + "."),
                sa.and_(c.action.startswith(API), c.action.endswith("/" + action)),
            )
        )
    if before is not None:
        query = query.where(c.id < before)
    mine = c.office == g.user.office
    with swq().db.engine.connect() as conn:
        rows = conn.execute(query.order_by(c.id.desc()).limit(PAGE_SIZE + 1)).mappings().all()
        known_actions = list(conn.execute(sa.select(c.action).where(mine).distinct()).scalars())
        actors = list(
            conn.execute(sa.select(c.actor).where(mine).distinct().order_by(c.actor)).scalars()
        )
        counters = conn.execute(
            sa.select(t.counters.c.code, t.counters.c.name_th, t.counters.c.name_en)
            .where(t.counters.c.office == g.user.office)
            .order_by(t.counters.c.position)
        ).all()
        # Rows written before the log kept ticket numbers name the ticket by its id.
        unnamed = {r["target"] for r in rows if "/tickets/" in r["action"] and not r["ticket"]}
        numbers = (
            dict(
                conn.execute(
                    sa.select(t.tickets.c.id, t.tickets.c.number).where(t.tickets.c.id.in_(unnamed))
                ).all()
            )
            if unnamed
            else {}
        )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    names = {filter_key(a): pick(*filter_name(a)) for a in known_actions}
    return render(
        "admin_audit.html",
        office=office,
        rows=[(r, pick(*describe(r, numbers))) for r in rows],
        actor=actor,
        counter=counter,
        action=action,
        actors=actors,
        counters=[(code, pick(th, en)) for code, th, en in counters],
        actions=sorted(names.items(), key=lambda item: item[1]),
        next_before=rows[-1]["id"] if more else None,
        first_page=before is None,
        tz=office.config.office.tz,
        local=local,
    )


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/audit", "audit_log", audit_log)
