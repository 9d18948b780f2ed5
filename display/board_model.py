"""What a hall board shows, kept from the event stream and `/api/v1/board`; no Kivy, no I/O.

Events arrive with strictly increasing ids. After a reconnect the stream replays what was missed
and the board document is read again; the document already holds every event up to its
`last_event_id`, so those replayed events only feed the announcer, and only later ones change
the state. Memory stays bounded however long the board runs: the last `history` calls and one
entry per counter.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

CALL_EVENTS = ("ticket.called", "ticket.recalled")
# A counter's ticket leaves it with these events (a transfer names the counter as from_counter).
LEAVE_EVENTS = ("ticket.done", "ticket.no_show", "ticket.cancelled", "ticket.transferred")
# A no-show undone within its grace period: the ticket is back at its counter, not called again.
RETURN_EVENT = "ticket.no_show_undone"
COUNTER_STATES = {
    "counter.opened": "open",
    "counter.resumed": "open",
    "counter.paused": "paused",
    "counter.closed": "closed",
}


@dataclass(frozen=True)
class Call:
    """One call of a ticket to a counter; `recall` when it is called again."""

    ticket_id: str
    number: str
    counter: str
    service: str
    at: str
    event_id: int | None = None
    recall: bool = False


@dataclass(frozen=True)
class CounterView:
    code: str
    name_th: str
    name_en: str
    status: str = "open"
    number: str | None = None


@dataclass(frozen=True)
class BoardState:
    """An immutable picture for the view; `calls[0]` is the newest call."""

    office_name_th: str
    office_name_en: str
    calls: tuple[Call, ...]
    counters: tuple[CounterView, ...]
    last_event_id: int | None

    @property
    def newest(self) -> Call | None:
        return self.calls[0] if self.calls else None


class BoardModel:
    def __init__(self, history: int = 8) -> None:
        if history < 1:
            raise ValueError("history must be at least 1")
        self.office_name_th = ""
        self.office_name_en = ""
        self._calls: deque[Call] = deque(maxlen=history)
        self._counters: dict[str, CounterView] = {}
        self._last_seen: int | None = None  # newest event id received, announced or not
        self._synced_to: int | None = None  # the board document holds every event up to here
        self.version = 0  # bumped on every visible change, so a view redraws only then

    @property
    def last_event_id(self) -> int | None:
        """Where a reconnect resumes (`Last-Event-ID`)."""
        return self._last_seen

    def apply(self, event_id: int, event_type: str, data: Mapping[str, Any]) -> Call | None:
        """Take one stream event; returns the call to announce, if it is a call not seen before."""
        if self._last_seen is not None and event_id <= self._last_seen:
            return None  # a replay of an event already taken
        self._last_seen = event_id
        call = _call_of(event_id, event_type, data)
        if self._synced_to is not None and event_id <= self._synced_to:
            return call  # the board document already shows it
        if call is not None:
            self._show_call(call)
        elif event_type in LEAVE_EVENTS:
            self._leave(data)
        elif event_type == RETURN_EVENT:
            code = str(data.get("counter", ""))
            self._counters[code] = replace(self._counter(code), number=str(data["number"]))
        elif event_type in COUNTER_STATES:
            self._set_status(str(data.get("counter", "")), COUNTER_STATES[event_type])
        else:
            return None
        self.version += 1
        return call

    def resync(self, doc: Mapping[str, Any]) -> bool:
        """Replace the state with a `/api/v1/board` document. A document older than the events
        already taken (read while they arrived) is ignored: False."""
        doc_id = doc.get("last_event_id")
        doc_id = int(doc_id) if doc_id is not None else 0
        if self._last_seen is not None and doc_id < self._last_seen:
            return False
        self.office_name_th = str(doc.get("office_name_th", self.office_name_th))
        self.office_name_en = str(doc.get("office_name_en", self.office_name_en))
        self._calls.clear()
        for item in reversed(doc.get("calls", [])[: self._calls.maxlen]):
            self._calls.appendleft(
                Call(
                    ticket_id=str(item.get("ticket_id", item["number"])),
                    number=str(item["number"]),
                    counter=str(item["counter"]),
                    service=str(item.get("service", "")),
                    at=str(item.get("called_at", "")),
                )
            )
        counters = {}
        for item in doc.get("counters", []):
            code = str(item["code"])
            counters[code] = CounterView(
                code=code,
                name_th=str(item.get("name") or code),
                name_en=str(item.get("name_en") or item.get("name") or code),
                status=str(item.get("status", "open")),
                number=item.get("number"),
            )
        self._counters = counters
        self._synced_to = doc_id
        if self._last_seen is None:
            self._last_seen = doc_id
        self.version += 1
        return True

    def state(self) -> BoardState:
        return BoardState(
            office_name_th=self.office_name_th,
            office_name_en=self.office_name_en,
            calls=tuple(self._calls),
            counters=tuple(self._counters[code] for code in sorted(self._counters, key=_order)),
            last_event_id=self._last_seen,
        )

    def _show_call(self, call: Call) -> None:
        # A recall moves the call to the top rather than listing it twice.
        for old in [c for c in self._calls if c.ticket_id == call.ticket_id]:
            self._calls.remove(old)
        self._calls.appendleft(call)
        # A ticket is at one counter at a time: a call elsewhere (after a transfer) moves it.
        for code, counter in self._counters.items():
            if counter.number == call.number and code != call.counter:
                self._counters[code] = replace(counter, number=None)
        counter = self._counter(call.counter)
        self._counters[call.counter] = replace(counter, number=call.number, status="open")

    def _leave(self, data: Mapping[str, Any]) -> None:
        code = data.get("from_counter") if "from_counter" in data else data.get("counter")
        if code is None:
            return
        counter = self._counters.get(str(code))
        if counter is not None and counter.number == data.get("number"):
            self._counters[counter.code] = replace(counter, number=None)

    def _set_status(self, code: str, status: str) -> None:
        self._counters[code] = replace(self._counter(code), status=status)

    def _counter(self, code: str) -> CounterView:
        return self._counters.get(code) or CounterView(code, code, code)


def _call_of(event_id: int, event_type: str, data: Mapping[str, Any]) -> Call | None:
    if event_type not in CALL_EVENTS:
        return None
    return Call(
        ticket_id=str(data.get("ticket_id", data.get("number", ""))),
        number=str(data["number"]),
        counter=str(data["counter"]),
        service=str(data.get("service", "")),
        at=str(data.get("at", "")),
        event_id=event_id,
        recall=event_type == "ticket.recalled",
    )


def _order(code: str) -> tuple[int, int, str]:
    """Counters 1, 2, ..., 10 in numeric order, codes that are not numbers after them."""
    return (0, int(code), "") if code.isdigit() else (1, 0, code)
