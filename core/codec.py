"""The wire format of CONTRACT.md: ticket JSON and event data, shared by every app.

Times go out as ISO 8601 with the office's offset and come back as aware datetimes.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache
from typing import Any

from core.events import EVENT_TYPES, Event
from core.model import Ticket, TicketStatus


class CodecError(ValueError):
    """A document that does not match the contract; the message says which field and why."""


def iso(at: datetime | None, tz: tzinfo | None = None) -> str | None:
    if at is None:
        return None
    return (at.astimezone(tz) if tz is not None else at).isoformat()


def parse_time(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise CodecError(f"{name}: expected an ISO 8601 time string, got {value!r}")
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CodecError(f"{name}: {exc}") from None
    if at.tzinfo is None:
        raise CodecError(f"{name}: time {value!r} has no UTC offset")
    return at


def ticket_to_json(
    ticket: Ticket,
    *,
    people_ahead: int,
    estimated_wait_s: int | None,
    status_url: str,
    tz: tzinfo | None = None,
) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "number": ticket.number,
        "service": ticket.service,
        "priority": ticket.priority,
        "status": ticket.status.value,
        "transactions": [{"service": t.service, "done": t.done} for t in ticket.transactions],
        "people_ahead": people_ahead,
        "estimated_wait_s": estimated_wait_s,
        "issued_at": iso(ticket.issued_at, tz),
        "called_at": iso(ticket.called_at, tz),
        "counter": ticket.counter,
        "status_url": status_url,
    }


@dataclass(frozen=True)
class TicketView:
    """A ticket as a client (kiosk, display, script) receives it."""

    id: str
    number: str
    service: str
    priority: str
    status: TicketStatus
    transactions: tuple[tuple[str, bool], ...]
    people_ahead: int
    estimated_wait_s: int | None
    issued_at: datetime
    called_at: datetime | None
    counter: str | None
    status_url: str
    # (shortest, longest) expected wait, when the server gives a range
    estimated_wait_range_s: tuple[int, int] | None = None


def _wait_range(value: object) -> tuple[int, int] | None:
    if value is None:
        return None
    ok = isinstance(value, list) and len(value) == 2
    if not ok or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise CodecError(f"estimated_wait_range_s: expected [low, high] seconds, got {value!r}")
    return (value[0], value[1])


def _field(doc: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in doc:
        raise CodecError(f"{name}: missing")
    value = doc[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise CodecError(f"{name}: expected {kind}, got {value!r}")
    return value


def ticket_from_json(doc: object) -> TicketView:
    if not isinstance(doc, Mapping):
        raise CodecError(f"ticket: expected an object, got {type(doc).__name__}")
    try:
        status = TicketStatus(_field(doc, "status", str))
    except ValueError:
        raise CodecError(f"status: unknown value {doc['status']!r}") from None
    transactions = []
    for i, item in enumerate(_field(doc, "transactions", list)):
        if not isinstance(item, Mapping):
            raise CodecError(f"transactions[{i}]: expected an object")
        transactions.append((_field(item, "service", str), bool(_field(item, "done", bool))))
    called_at = doc.get("called_at")
    wait = _field(doc, "estimated_wait_s", (int, type(None)))
    return TicketView(
        id=str(_field(doc, "id", (str, int))),
        number=_field(doc, "number", str),
        service=_field(doc, "service", str),
        priority=_field(doc, "priority", str),
        status=status,
        transactions=tuple(transactions),
        people_ahead=_field(doc, "people_ahead", int),
        estimated_wait_s=wait,
        issued_at=parse_time(doc.get("issued_at"), "issued_at"),
        called_at=parse_time(called_at, "called_at") if called_at is not None else None,
        counter=_field(doc, "counter", (str, type(None))),
        status_url=_field(doc, "status_url", str),
        estimated_wait_range_s=_wait_range(doc.get("estimated_wait_range_s")),
    )


def event_to_json(event: Event, tz: tzinfo | None = None) -> dict[str, Any]:
    """The `data:` of an event-stream message; `event:` is `event.type`."""
    data: dict[str, Any] = {}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if isinstance(value, datetime):
            value = iso(value, tz)
        elif isinstance(value, tuple):
            value = list(value)
        data[f.name] = value
    return data


@cache
def _hints(cls: type[Event]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def event_from_json(event_type: str, data: object) -> Event:
    try:
        cls = EVENT_TYPES[event_type]
    except KeyError:
        raise CodecError(f"unknown event type {event_type!r}") from None
    if not isinstance(data, Mapping):
        raise CodecError(f"{event_type}: data must be an object")
    kwargs: dict[str, Any] = {}
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is dataclasses.MISSING:
                raise CodecError(f"{event_type}.{f.name}: missing")
            continue
        value = data[f.name]
        hint = hints[f.name]
        if hint is datetime:
            value = parse_time(value, f"{event_type}.{f.name}")
        elif typing.get_origin(hint) is tuple:
            if not isinstance(value, list):
                raise CodecError(f"{event_type}.{f.name}: expected a list")
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)
