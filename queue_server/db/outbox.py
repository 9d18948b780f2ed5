"""The notice outbox's delivery side: claim due notices, record how each try went.

Several senders may run (every server process of every node): a claim takes due rows and pushes
their next try a lease ahead in one short transaction, so no other sender takes them meanwhile.
PostgreSQL claims with `FOR UPDATE SKIP LOCKED` (senders never wait on each other); SQLite's
`BEGIN IMMEDIATE` lets one claim at a time. A sender that dies mid-try leaves its rows to another
once the lease is over. Finished rows (sent, or given up) lose their contact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from core.notices import Notice
from core.phone_settings import stored_phone
from queue_server.db import schema as t
from queue_server.db.database import Database
from queue_server.db.notices import FAILED, PENDING, SENT

RESULT_CHARS = 200


@dataclass(frozen=True)
class Claimed:
    notice: Notice
    office: str
    url: str | None  # the office's webhook now (an admin may have removed it meanwhile)
    attempt: int  # this try's number, from 1


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    retry_s: float
    retry_max_s: float
    lease_s: float

    def wait_after(self, attempt: int) -> float:
        return min(self.retry_s * 2 ** (attempt - 1), self.retry_max_s)


def claim(db: Database, now: datetime, policy: RetryPolicy, limit: int = 20) -> list[Claimed]:
    o = t.notice_outbox.c
    # A plain read first: an idle sender never takes SQLite's write lock, nor a PostgreSQL lock.
    with db.engine.connect() as conn:
        anything = conn.execute(
            sa.select(o.id).where(o.state == PENDING, o.next_attempt_at <= now).limit(1)
        ).first()
    if anything is None:
        return []
    due = (
        sa.select(o.id, o.office, o.kind, o.payload, o.contact, o.attempts)
        .where(o.state == PENDING, o.next_attempt_at <= now)
        .order_by(o.id)
        .limit(limit)
    )
    if not db.sqlite:
        due = due.with_for_update(skip_locked=True)
    with db.writing() as conn:
        rows = conn.execute(due).all()
        if not rows:
            return []
        conn.execute(
            sa.update(t.notice_outbox)
            .where(o.id.in_([r.id for r in rows]))
            .values(
                attempts=o.attempts + 1,
                next_attempt_at=now + timedelta(seconds=policy.lease_s),
                last_attempt_at=now,
            )
        )
        offices = {r.office for r in rows}
        phones = dict(
            conn.execute(
                sa.select(t.offices.c.code, t.offices.c.phone).where(t.offices.c.code.in_(offices))
            ).all()
        )
    return [
        Claimed(
            notice=Notice(int(r.id), r.kind, json.loads(r.payload), r.contact),
            office=r.office,
            url=stored_phone(phones.get(r.office)).webhook_url,
            attempt=int(r.attempts) + 1,
        )
        for r in rows
    ]


def record(
    db: Database, claimed: Claimed, ok: bool, detail: str, now: datetime, policy: RetryPolicy
) -> str:
    """Store how the try went; the row's state after it (sent, pending again, or failed)."""
    if ok:
        values: dict[str, object] = {"state": SENT, "contact": None}
    elif claimed.attempt >= policy.max_attempts:
        values = {"state": FAILED, "contact": None}
    else:
        wait = timedelta(seconds=policy.wait_after(claimed.attempt))
        values = {"state": PENDING, "next_attempt_at": now + wait}
    o = t.notice_outbox.c
    with db.writing() as conn:
        conn.execute(
            sa.update(t.notice_outbox)
            .where(o.id == claimed.notice.id, o.state == PENDING)
            .values(last_result=detail[:RESULT_CHARS], **values)
        )
    return str(values["state"])
