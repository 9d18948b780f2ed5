"""Past-tense facts returned by every transition; their `type` is the event-stream name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True)
class Event:
    type: ClassVar[str]
    office: str
    at: datetime


@dataclass(frozen=True)
class TicketEvent(Event):
    ticket_id: str
    number: str
    service: str
    priority: str


@dataclass(frozen=True)
class TicketIssued(TicketEvent):
    type: ClassVar[str] = "ticket.issued"
    extra_services: tuple[str, ...] = ()


@dataclass(frozen=True)
class TicketCalled(TicketEvent):
    type: ClassVar[str] = "ticket.called"
    counter: str = ""
    waited_s: int = 0


@dataclass(frozen=True)
class TicketRecalled(TicketEvent):
    type: ClassVar[str] = "ticket.recalled"
    counter: str = ""
    recalls: int = 1


@dataclass(frozen=True)
class TicketServingStarted(TicketEvent):
    type: ClassVar[str] = "ticket.serving"
    counter: str = ""


@dataclass(frozen=True)
class TicketDone(TicketEvent):
    type: ClassVar[str] = "ticket.done"
    counter: str = ""
    transactions: tuple[str, ...] = ()
    service_s: int = 0


@dataclass(frozen=True)
class TicketNoShow(TicketEvent):
    type: ClassVar[str] = "ticket.no_show"
    counter: str = ""


@dataclass(frozen=True)
class TicketNoShowUndone(TicketEvent):
    """The citizen came after all: within the grace period the ticket is back at its counter."""

    type: ClassVar[str] = "ticket.no_show_undone"
    counter: str = ""


@dataclass(frozen=True)
class TicketCancelled(TicketEvent):
    type: ClassVar[str] = "ticket.cancelled"
    counter: str | None = None


@dataclass(frozen=True)
class TicketTransferred(TicketEvent):
    """`service` is the new queue; `from_service`/`from_counter` say where it came from."""

    type: ClassVar[str] = "ticket.transferred"
    from_service: str = ""
    from_counter: str | None = None
    to_counter: str | None = None
    kept_place: bool = True


@dataclass(frozen=True)
class CounterEvent(Event):
    counter: str


@dataclass(frozen=True)
class CounterOpened(CounterEvent):
    type: ClassVar[str] = "counter.opened"


@dataclass(frozen=True)
class CounterPaused(CounterEvent):
    type: ClassVar[str] = "counter.paused"
    reason: str = ""
    reason_code: str = ""


@dataclass(frozen=True)
class CounterPausePending(CounterEvent):
    """The counter pauses once its current ticket leaves it (then `counter.paused` follows)."""

    type: ClassVar[str] = "counter.pause_pending"
    reason: str = ""
    reason_code: str = ""


@dataclass(frozen=True)
class CounterPauseWithdrawn(CounterEvent):
    """The pause that waited for the counter's ticket is called off: the counter stays open."""

    type: ClassVar[str] = "counter.pause_withdrawn"


@dataclass(frozen=True)
class CounterResumed(CounterEvent):
    type: ClassVar[str] = "counter.resumed"


@dataclass(frozen=True)
class CounterClosed(CounterEvent):
    type: ClassVar[str] = "counter.closed"


@dataclass(frozen=True)
class VoicePackChanged(Event):
    """The office's boards say calls with another voice pack from now on: `voice_pack` is its
    version (boards download it when it is new to them), None for the stand-in pack."""

    type: ClassVar[str] = "office.voice_pack"
    voice_pack: str | None = None


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        TicketIssued,
        TicketCalled,
        TicketRecalled,
        TicketServingStarted,
        TicketDone,
        TicketNoShow,
        TicketNoShowUndone,
        TicketCancelled,
        TicketTransferred,
        CounterOpened,
        CounterPaused,
        CounterPausePending,
        CounterPauseWithdrawn,
        CounterResumed,
        CounterClosed,
        VoicePackChanged,
    )
}
