"""The office manager's view of the hall: every counter and every service right now, and what
needs their attention (a service past its target wait, a counter paused too long)."""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa

from core.model import CounterState, OfficeConfig, TicketStatus
from queue_server.db import schema as t
from queue_server.db.database import Database
from queue_server.db.office_mirror import last_event_id
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq

# A pause longer than this is worth a look (a lunch break is shorter than an hour).
PAUSE_ALERT_S = 45 * 60
RECENT_TRANSFERS = 200


@dataclass(frozen=True)
class CounterNow:
    code: str
    name_th: str
    name_en: str
    activity: str  # idle, called, serving, paused, closed
    officer: str
    ticket: str | None
    since_s: int | None
    pause_reason: str
    pause_pending: bool

    @property
    def paused_too_long(self) -> bool:
        return self.activity == "paused" and (self.since_s or 0) > PAUSE_ALERT_S


@dataclass(frozen=True)
class ServiceNow:
    code: str
    name_th: str
    name_en: str
    waiting: int
    longest_wait_s: int | None
    target_wait_s: int
    calls_today: int
    within_today: int

    @property
    def past_target(self) -> bool:
        return self.longest_wait_s is not None and self.longest_wait_s > self.target_wait_s

    @property
    def share_within(self) -> float | None:
        return self.within_today / self.calls_today if self.calls_today else None


@dataclass(frozen=True)
class Alert:
    kind: str  # service_late, pause_long
    text_th: str
    text_en: str


@dataclass(frozen=True)
class Hall:
    last_event_id: int
    counters: list[CounterNow]
    services: list[ServiceNow]
    alerts: list[Alert] = field(default_factory=list)


def _seconds(start: datetime | None, now: datetime) -> int | None:
    return max(0, int((now - start).total_seconds())) if start is not None else None


def _duration(seconds: int) -> tuple[str, str]:
    """(Thai, English) words for a span: seconds under a minute, else minutes."""
    if seconds < 60:
        return f"{seconds} วินาที", f"{seconds} s"
    return f"{round(seconds / 60)} นาที", f"{round(seconds / 60)} min"


def hall(office: str) -> Hall:
    now = swq().now()
    with SqlUnitOfWork(swq().db, office, write=False) as uow:
        config = uow.config(office)
        conn = uow.connection
        counters = uow.counters.list(office)
        at_counter = {k.code: uow.tickets.at_counter(office, k.code) for k in counters}
        last_change = _last_changes(conn, office)
        officers = _officers(conn, office)
        waiting = uow.tickets.waiting_counts(office)
        c = t.tickets.c
        oldest = dict(
            conn.execute(
                sa.select(c.service, sa.func.min(c.queued_at))
                .where(c.office == office, c.status == TicketStatus.WAITING.value)
                .group_by(c.service)
            ).all()
        )
        calls = _calls_today(conn, config, now)
        last_id = last_event_id(conn, office)
    rows = []
    for k in counters:
        ticket = at_counter[k.code]
        if k.state is not CounterState.OPEN:
            activity, since = k.state.value, last_change.get(k.code)
        elif ticket is not None:
            activity = ticket.status.value
            since = ticket.serving_at or ticket.called_at
        else:
            activity, since = "idle", last_change.get(k.code)
        rows.append(
            CounterNow(
                code=k.code,
                name_th=k.name_th,
                name_en=k.name_en,
                activity=activity,
                officer=", ".join(officers.get(k.code, [])),
                ticket=ticket.number if ticket is not None else None,
                since_s=_seconds(since, now),
                pause_reason=k.pause_reason,
                pause_pending=k.pause_pending,
            )
        )
    services = [
        ServiceNow(
            code=s.code,
            name_th=s.name_th,
            name_en=s.name_en,
            waiting=waiting.get(s.code, 0),
            longest_wait_s=_seconds(oldest.get(s.code), now),
            target_wait_s=s.target_wait_s,
            calls_today=calls.get(s.code, (0, 0))[0],
            within_today=calls.get(s.code, (0, 0))[1],
        )
        for s in config.services.values()
    ]
    return Hall(last_id, rows, services, _alerts(rows, services))


def _alerts(counters: list[CounterNow], services: list[ServiceNow]) -> list[Alert]:
    alerts = []
    for s in services:
        if s.past_target and s.longest_wait_s is not None:
            waited, target = _duration(s.longest_wait_s), _duration(s.target_wait_s)
            alerts.append(
                Alert(
                    "service_late",
                    f"{s.code} {s.name_th}: มีผู้รอ {waited[0]} เกินเวลามาตรฐาน {target[0]}",
                    f"{s.code} {s.name_en}: someone has waited {waited[1]}, "
                    f"past the {target[1]} target",
                )
            )
    for k in counters:
        if k.paused_too_long and k.since_s is not None:
            paused = _duration(k.since_s)
            alerts.append(
                Alert(
                    "pause_long",
                    f"{k.name_th} พักมาแล้ว {paused[0]} ({k.pause_reason})",
                    f"{k.name_en} has been paused for {paused[1]} ({k.pause_reason})",
                )
            )
    return alerts


def _last_changes(conn: sa.Connection, office: str) -> dict[str, datetime]:
    """When each counter last changed: its newest event (a call, a finish, a pause...)."""
    e = t.events.c
    newest = (
        sa.select(sa.func.max(e.id))
        .where(e.office == office, e.counter.is_not(None))
        .group_by(e.counter)
    )
    rows = conn.execute(sa.select(e.counter, e.at).where(e.id.in_(newest.scalar_subquery())))
    found = {code: at for code, at in rows}
    # A transfer names the counter it left only in its data: the latest few are enough.
    transfers = conn.execute(
        sa.select(e.at, e.data)
        .where(e.office == office, e.type == "ticket.transferred")
        .order_by(e.id.desc())
        .limit(RECENT_TRANSFERS)
    )
    for at, data in transfers:
        code = json.loads(data).get("from_counter")
        if code and (code not in found or found[code] < at):
            found[code] = at
    return found


def _officers(conn: sa.Connection, office: str) -> dict[str, list[str]]:
    u = t.users.c
    rows = conn.execute(
        sa.select(u.counter, u.username)
        .where(u.office == office, u.counter.is_not(None))
        .order_by(u.username)
    )
    found: dict[str, list[str]] = {}
    for counter, username in rows:
        found.setdefault(counter, []).append(username)
    return found


@dataclass
class _CallTally:
    """Calls of one office-local day as read so far: per service, (calls, within target)."""

    day: date
    last_id: int = 0
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)


# Per database and office: the day's calls are read once and then only the events after the
# last one read, so a dashboard redrawn every few seconds on a 20,000-visit day does not parse
# them all again. (An office's events commit in id order: none appears behind one already read.)
_tallies: weakref.WeakKeyDictionary[Database, dict[str, _CallTally]] = weakref.WeakKeyDictionary()
_tallies_lock = threading.Lock()


def _calls_today(
    conn: sa.Connection, config: OfficeConfig, now: datetime
) -> dict[str, tuple[int, int]]:
    """Per service: calls since the office's midnight, and how many within the target wait."""
    office = config.office.code
    tz = config.office.tz
    today = now.astimezone(tz).date()
    db = swq().db
    with _tallies_lock:
        kept = _tallies.setdefault(db, {}).get(office)
        tally = kept if kept is not None and kept.day == today else _CallTally(today)
        tally = _CallTally(tally.day, tally.last_id, dict(tally.counts))
    e = t.events.c
    rows = conn.execute(
        sa.select(e.id, e.service, e.data).where(
            e.office == office,
            e.type == "ticket.called",
            e.at >= datetime.combine(today, time(), tz),
            e.id > tally.last_id,
        )
    )
    for event_id, service, data in rows:
        target = config.services[service].target_wait_s if service in config.services else 0
        within = json.loads(data).get("waited_s", 0) <= target
        calls, ok = tally.counts.get(service, (0, 0))
        tally.counts[service] = (calls + 1, ok + within)
        tally.last_id = max(tally.last_id, event_id)
    with _tallies_lock:
        _tallies.setdefault(db, {})[office] = tally
    return tally.counts
