"""Notices for the office's webhook, written in the transaction of the change that causes them.

A citizen who gave a contact (queue_server.notify) is told twice at most: "near" once their
ticket has `ahead` people or fewer before it, "called" when a counter calls it. The outbox row
and the subscription's "sent" mark commit with the call, the cancel or the transfer that moved
the queue, so a notice is never lost to a crash and never written twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from core import services
from core.codec import iso
from core.events import Event, TicketCalled, TicketEvent, TicketTransferred
from core.model import OfficeConfig, Ticket
from core.notices import CALLED, NEAR
from queue_server.db import schema as t

if TYPE_CHECKING:
    from queue_server.db.uow import SqlUnitOfWork

PENDING, SENT, FAILED = "pending", "sent", "failed"
# Ticket states after which nothing more is said.
GONE = ("done", "cancelled", "no_show")
# Events after which someone may have moved up a queue (issuing only ever adds behind or ahead).
MOVING = {"ticket.called", "ticket.cancelled", "ticket.transferred"}


def _subscribed() -> sa.Select[Any]:
    """The office's subscriptions that a change of `services` or of tickets `ids` may concern,
    with their ticket's state and a lower bound of the people ahead of it: the waiting tickets of
    its own service and class queued before it always go first. Only a ticket that bound lets
    through costs the exact count (the policy's, as the status page shows it). Built once, so
    the call path does not compile it again."""
    s = t.notice_subscriptions.c
    mine, other = t.tickets.alias("mine"), t.tickets.alias("other")
    at_least = (
        sa.select(sa.func.count())
        .select_from(other)
        .where(
            other.c.office == mine.c.office,
            other.c.status == "waiting",
            other.c.service == mine.c.service,
            other.c.priority == mine.c.priority,
            other.c.queued_at < mine.c.queued_at,
        )
        .scalar_subquery()
    )
    return (
        sa.select(s.ticket_id, s.contact, s.ahead, s.near_sent, mine.c.status, at_least)
        .join_from(t.notice_subscriptions, mine, mine.c.id == s.ticket_id)
        .where(
            s.office == sa.bindparam("office"),
            s.service.in_(sa.bindparam("services", expanding=True))
            | s.ticket_id.in_(sa.bindparam("ids", expanding=True)),
            ~s.called_sent,
        )
    )


SUBSCRIBED = _subscribed()


def write_notices(uow: SqlUnitOfWork, config: OfficeConfig, events: Sequence[Event]) -> None:
    moved = [e for e in events if e.type in MOVING and isinstance(e, TicketEvent)]
    if not moved:
        return
    affected = {e.service for e in moved}
    affected |= {e.from_service for e in moved if isinstance(e, TicketTransferred)}
    conn = uow.connection
    s = t.notice_subscriptions.c
    for event in moved:
        if isinstance(event, TicketTransferred):
            # Later calls of its new service concern it now.
            conn.execute(
                sa.update(t.notice_subscriptions)
                .where(s.ticket_id == event.ticket_id)
                .values(service=event.service)
            )
    if uow.phone().webhook_url is None:
        return  # nobody can be told: the contacts wait for a webhook (one query fewer a call)
    subscribed = conn.execute(
        SUBSCRIBED,
        {"office": uow.office, "services": sorted(affected), "ids": [e.ticket_id for e in moved]},
    ).all()
    if not subscribed:
        return
    calls = {e.ticket_id: e for e in moved if isinstance(e, TicketCalled)}
    at = max(e.at for e in moved)
    for ticket_id, contact, ahead, near_sent, status, lower_bound in subscribed:
        call = calls.get(ticket_id)
        if status in GONE:
            # Left the queue without a call: nothing more to say, so the contact goes now.
            conn.execute(sa.delete(t.notice_subscriptions).where(s.ticket_id == ticket_id))
        elif call is not None:
            ticket = uow.tickets.get(ticket_id)
            _write(uow, config, ticket, CALLED, contact, call.at, counter=call.counter)
        elif not near_sent and status == "waiting" and lower_bound <= ahead:
            notify_if_near(uow, config, uow.tickets.get(ticket_id), contact, ahead, at)


def notify_if_near(
    uow: SqlUnitOfWork,
    config: OfficeConfig,
    ticket: Ticket,
    contact: str,
    ahead: int,
    at: datetime,
) -> bool:
    """Write the "near" notice when the waiting ticket has `ahead` people or fewer before it."""
    if ticket.status.value != "waiting":
        return False
    # Only the count of the status page's "people ahead", not its wait estimate: one query.
    shifts = services.ahead_shifts(config, ticket.service, ticket.priority)
    people_ahead = uow.tickets.people_ahead(ticket, shifts)
    if people_ahead > ahead:
        return False
    _write(uow, config, ticket, NEAR, contact, at, people_ahead=people_ahead)
    return True


def subscribe(uow: SqlUnitOfWork, ticket_id: str, contact: str, ahead: int, at: datetime) -> None:
    """Tell this ticket's holder through the webhook, in `uow`'s transaction. A ticket already
    near is told at once; asking again changes the contact and the number, never re-sends."""
    ticket = uow.tickets.get(ticket_id)
    s = t.notice_subscriptions.c
    conn = uow.connection
    near_sent = conn.execute(
        sa.select(s.near_sent).where(s.ticket_id == ticket_id)
    ).scalar_one_or_none()
    if near_sent is None:
        conn.execute(
            sa.insert(t.notice_subscriptions).values(
                ticket_id=ticket_id,
                office=uow.office,
                service=ticket.service,
                contact=contact,
                ahead=ahead,
            )
        )
    else:
        conn.execute(
            sa.update(t.notice_subscriptions)
            .where(s.ticket_id == ticket_id)
            .values(contact=contact, ahead=ahead)
        )
    if not near_sent:
        notify_if_near(uow, uow.config(uow.office), ticket, contact, ahead, at)


def _write(
    uow: SqlUnitOfWork,
    config: OfficeConfig,
    ticket: Ticket,
    kind: str,
    contact: str,
    at: datetime,
    *,
    counter: str | None = None,
    people_ahead: int = 0,
) -> None:
    service = config.service(ticket.service)
    counter_row = uow.counters.get(uow.office, counter) if counter else None
    payload = {
        "kind": kind,
        "ticket": ticket.number,
        "office": uow.office,
        "office_name_th": config.office.name_th,
        "office_name_en": config.office.name_en,
        "service": service.code,
        "service_name_th": service.name_th,
        "service_name_en": service.name_en,
        "counter": counter,
        "counter_name_th": counter_row.name_th if counter_row else None,
        "counter_name_en": counter_row.name_en if counter_row else None,
        "people_ahead": people_ahead,
        "at": iso(at, config.office.tz),
    }
    conn = uow.connection
    conn.execute(
        sa.insert(t.notice_outbox).values(
            office=uow.office,
            ticket_id=ticket.id,
            kind=kind,
            payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            contact=contact,
            created_at=at,
            state=PENDING,
            next_attempt_at=at,
        )
    )
    # After the call nothing more is sent: the subscription keeps no contact from then on.
    sent: dict[str, Any] = {"near_sent": True}
    if kind == CALLED:
        sent.update(called_sent=True, contact="")
    s = t.notice_subscriptions.c
    conn.execute(sa.update(t.notice_subscriptions).where(s.ticket_id == ticket.id).values(sent))
