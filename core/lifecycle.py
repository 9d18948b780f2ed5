"""Ticket and counter transitions. Each checks the move is legal, applies it, returns the event.

waiting -> called -> (serving) -> done | no_show | cancelled; transfer puts a called or serving
ticket back to waiting in another service or for a specific counter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from core import events as ev
from core.errors import (
    CounterUnavailable,
    GraceOver,
    IllegalTransition,
    InvalidRequest,
    NotRecalled,
)
from core.model import (
    APPOINTMENT,
    OTHER_PAUSE,
    Counter,
    CounterState,
    OfficeConfig,
    Service,
    Ticket,
    TicketStatus,
    Transaction,
)

S = TicketStatus

# Per ticket event: the states it may happen in, and the state it leads to (None: unchanged).
# The transitions below enforce it; `swq check` replays stored events against the same table.
TICKET_MOVES: Mapping[str, tuple[tuple[TicketStatus, ...], TicketStatus | None]] = {
    ev.TicketCalled.type: ((S.WAITING,), S.CALLED),
    ev.TicketRecalled.type: ((S.CALLED,), None),
    ev.TicketServingStarted.type: ((S.CALLED,), S.SERVING),
    ev.TicketDone.type: ((S.CALLED, S.SERVING), S.DONE),
    ev.TicketNoShow.type: ((S.CALLED,), S.NO_SHOW),
    ev.TicketNoShowUndone.type: ((S.NO_SHOW,), S.CALLED),
    ev.TicketCancelled.type: ((S.WAITING, S.CALLED), S.CANCELLED),
    ev.TicketTransferred.type: ((S.CALLED, S.SERVING), S.WAITING),
}


def _require(ticket: Ticket, move: str, action_en: str, action_th: str) -> None:
    if ticket.status not in TICKET_MOVES[move][0]:
        raise IllegalTransition(
            f"cannot {action_en} ticket {ticket.number}: it is {ticket.status.value}",
            f"ไม่สามารถ{action_th}บัตรคิว {ticket.number} ได้ เพราะสถานะคือ{ticket.status.th}",
        )


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidRequest("times must carry a timezone", "เวลาต้องระบุเขตเวลา")


def _fields(ticket: Ticket) -> dict[str, str]:
    return {
        "office": ticket.office,
        "ticket_id": ticket.id,
        "number": ticket.number,
        "service": ticket.service,
        "priority": ticket.priority,
    }


def _not_before(ticket: Ticket, now: datetime) -> datetime:
    """The time a change of `ticket` happens at: never before what already happened to it.

    Two servers' clocks, or a request that read the time and then waited for the office's lock
    behind a newer one, can hand in a `now` a little in the past; a ticket's own history must
    still read forwards (a wait is never negative).
    """
    _require_aware(now)
    stamps = [ticket.issued_at, ticket.queued_at, ticket.called_at, ticket.serving_at]
    if ticket.priority == APPOINTMENT and ticket.called_at is None:
        # Its place in line is its slot, which may still be to come: not something that happened.
        stamps.remove(ticket.queued_at)
    return max(now, *(stamp for stamp in stamps if stamp is not None))


def _elapsed_s(start: datetime | None, end: datetime) -> int:
    return max(0, round((end - start).total_seconds())) if start else 0


def issue(
    config: OfficeConfig,
    service: Service,
    *,
    ticket_id: str,
    status_key: str,
    number: str,
    day: date,
    priority: str,
    extra_services: Sequence[str],
    now: datetime,
    queued_at: datetime | None = None,
) -> tuple[Ticket, ev.TicketIssued]:
    """A new waiting ticket, in line from `now`, or for a checked-in appointment (priority
    `APPOINTMENT`) from `queued_at`, its slot's start, which may still be to come."""
    _require_aware(now)
    if priority == APPOINTMENT:
        if queued_at is None:
            raise InvalidRequest(
                "an appointment ticket comes from checking in a booking, not from the kiosk menu",
                "บัตรคิวนัดหมายได้จากการยืนยันการจองเท่านั้น",
            )
        _require_aware(queued_at)
    else:
        config.priority.require(priority)
        queued_at = now
    extras = tuple(dict.fromkeys(code for code in extra_services if code != service.code))
    for code in extras:
        config.service(code)
    ticket = Ticket(
        id=ticket_id,
        office=config.office.code,
        service=service.code,
        number=number,
        priority=priority,
        issued_at=now,
        day=day,
        status_key=status_key,
        queued_at=queued_at,
        transactions=tuple(Transaction(code) for code in (service.code, *extras)),
    )
    return ticket, ev.TicketIssued(at=now, extra_services=extras, **_fields(ticket))


def require_open(counter: Counter) -> None:
    if counter.state is not CounterState.OPEN:
        raise CounterUnavailable(
            f"counter {counter.code} is {counter.state.value}",
            f"ช่องบริการ {counter.code} {counter.state.th}",
        )


def call(ticket: Ticket, counter: Counter, now: datetime) -> ev.TicketCalled:
    now = _not_before(ticket, now)
    _require(ticket, ev.TicketCalled.type, "call", "เรียก")
    require_open(counter)
    if ticket.target_counter not in (None, counter.code):
        raise IllegalTransition(
            f"ticket {ticket.number} was sent to counter {ticket.target_counter}",
            f"บัตรคิว {ticket.number} ถูกส่งไปที่ช่องบริการ {ticket.target_counter}",
        )
    ticket.status = S.CALLED
    ticket.counter = counter.code
    ticket.called_at = now
    ticket.target_counter = None
    return ev.TicketCalled(
        at=now, counter=counter.code, waited_s=_elapsed_s(ticket.queued_at, now), **_fields(ticket)
    )


def recall(ticket: Ticket, now: datetime) -> ev.TicketRecalled:
    now = _not_before(ticket, now)
    _require(ticket, ev.TicketRecalled.type, "recall", "เรียกซ้ำ")
    assert ticket.counter is not None
    ticket.recalls += 1
    return ev.TicketRecalled(
        at=now, counter=ticket.counter, recalls=ticket.recalls, **_fields(ticket)
    )


def start_serving(ticket: Ticket, now: datetime) -> ev.TicketServingStarted:
    now = _not_before(ticket, now)
    _require(ticket, ev.TicketServingStarted.type, "start serving", "เริ่มให้บริการ")
    assert ticket.counter is not None
    ticket.status = S.SERVING
    ticket.serving_at = now
    return ev.TicketServingStarted(at=now, counter=ticket.counter, **_fields(ticket))


def done(
    config: OfficeConfig, ticket: Ticket, transactions: Sequence[str], now: datetime
) -> ev.TicketDone:
    """Finish the visit. `transactions` are the services performed; none means the current one."""
    now = _not_before(ticket, now)
    _require(ticket, ev.TicketDone.type, "finish", "ปิดงาน")
    performed = tuple(dict.fromkeys(transactions)) or (ticket.service,)
    for code in performed:
        config.service(code)
    wanted = {t.service for t in ticket.transactions}
    ticket.transactions = tuple(
        replace(t, done=t.done or t.service in performed) for t in ticket.transactions
    ) + tuple(Transaction(code, done=True) for code in performed if code not in wanted)
    counter = ticket.counter
    assert counter is not None
    ticket.status = S.DONE
    ticket.finished_at = now
    return ev.TicketDone(
        at=now,
        counter=counter,
        transactions=performed,
        service_s=_elapsed_s(ticket.serving_at or ticket.called_at, now),
        **_fields(ticket),
    )


def no_show(ticket: Ticket, now: datetime, *, confirmed: bool = True) -> ev.TicketNoShow:
    """The citizen did not come. Unless `confirmed`, only after the number was called again."""
    now = _not_before(ticket, now)
    _require(ticket, ev.TicketNoShow.type, "mark as no-show", "บันทึกว่าไม่มาแสดงตน")
    if not confirmed and ticket.recalls == 0:
        raise NotRecalled(
            f"{ticket.number} has not been recalled yet: recall it first, or confirm the no-show",
            f"ยังไม่ได้เรียกซ้ำบัตรคิว {ticket.number} กรุณากดเรียกซ้ำก่อน หรือยืนยันว่าไม่มาแสดงตน",
        )
    counter = ticket.counter
    assert counter is not None
    ticket.status = S.NO_SHOW
    ticket.finished_at = now
    return ev.TicketNoShow(at=now, counter=counter, **_fields(ticket))


def undo_no_show(
    ticket: Ticket, counter: Counter, now: datetime, grace_s: int
) -> ev.TicketNoShowUndone:
    """Within `grace_s` of the no-show, the ticket goes back to the counter that gave it up."""
    now = _not_before(ticket, now)
    if ticket.finished_at is not None:
        now = max(now, ticket.finished_at)
    _require(ticket, ev.TicketNoShowUndone.type, "undo the no-show of", "ยกเลิกการบันทึกไม่มาแสดงตนของ")
    if ticket.counter != counter.code:
        raise IllegalTransition(
            f"{ticket.number} was given up at counter {ticket.counter}, not {counter.code}",
            f"บัตรคิว {ticket.number} ถูกบันทึกไม่มาแสดงตนที่ช่องบริการ {ticket.counter} "
            f"ไม่ใช่ช่องบริการ {counter.code}",
        )
    assert ticket.finished_at is not None
    if (now - ticket.finished_at).total_seconds() > grace_s:
        minutes = max(1, round(grace_s / 60))
        raise GraceOver(
            f"the {minutes} min to undo the no-show of {ticket.number} are over; "
            "the citizen takes a new ticket at the information desk",
            f"เลยเวลา {minutes} นาทีที่ยกเลิกการบันทึกไม่มาแสดงตนของ {ticket.number} ได้แล้ว "
            "ให้ผู้รับบริการติดต่อโต๊ะประชาสัมพันธ์เพื่อรับบัตรคิวใหม่",
        )
    ticket.status = S.CALLED
    ticket.finished_at = None
    return ev.TicketNoShowUndone(at=now, counter=counter.code, **_fields(ticket))


def cancel(ticket: Ticket, now: datetime) -> ev.TicketCancelled:
    now = _not_before(ticket, now)
    _require(ticket, ev.TicketCancelled.type, "cancel", "ยกเลิก")
    ticket.status = S.CANCELLED
    ticket.finished_at = now
    return ev.TicketCancelled(at=now, counter=ticket.counter, **_fields(ticket))


def transfer(
    config: OfficeConfig,
    ticket: Ticket,
    now: datetime,
    *,
    service: str | None = None,
    counter: Counter | None = None,
    keep_place: bool | None = None,
) -> ev.TicketTransferred:
    """Send a ticket at a counter back to waiting: in another service, for one counter, or both.

    It keeps its number; by default (office setting) it also keeps its original place in time.
    """
    now = _not_before(ticket, now)
    _require(ticket, ev.TicketTransferred.type, "transfer", "โอน")
    if service is None and counter is None:
        raise InvalidRequest(
            "a transfer needs a service or a counter", "การโอนต้องระบุบริการหรือช่องบริการ"
        )
    new_service = config.service(service).code if service is not None else ticket.service
    if counter is not None:
        if counter.state is CounterState.CLOSED:
            raise CounterUnavailable(
                f"counter {counter.code} is closed", f"ช่องบริการ {counter.code} ปิดอยู่"
            )
        if counter.code == ticket.counter and new_service == ticket.service:
            raise InvalidRequest(
                f"ticket {ticket.number} is already at counter {counter.code}",
                f"บัตรคิว {ticket.number} อยู่ที่ช่องบริการ {counter.code} แล้ว",
            )
    keep = config.transfer_keeps_place if keep_place is None else keep_place
    from_service, from_counter = ticket.service, ticket.counter
    if new_service not in ticket.services_wanted:
        ticket.transactions = (*ticket.transactions, Transaction(new_service))
    ticket.service = new_service
    ticket.status = S.WAITING
    ticket.counter = None
    ticket.target_counter = counter.code if counter is not None else None
    ticket.called_at = None
    ticket.serving_at = None
    ticket.recalls = 0
    if not keep:
        ticket.queued_at = now
    return ev.TicketTransferred(
        at=now,
        from_service=from_service,
        from_counter=from_counter,
        to_counter=ticket.target_counter,
        kept_place=keep,
        **_fields(ticket),
    )


def open_counter(counter: Counter, now: datetime) -> ev.CounterOpened:
    _require_aware(now)
    if counter.state is not CounterState.CLOSED:
        raise IllegalTransition(
            f"counter {counter.code} is already {counter.state.value}",
            f"ช่องบริการ {counter.code} {counter.state.th}อยู่แล้ว",
        )
    counter.state = CounterState.OPEN
    return ev.CounterOpened(office=counter.office, counter=counter.code, at=now)


def pause_text(config: OfficeConfig, code: str, text: str) -> str:
    """What a pause says on boards and in reports: the listed reason's name, or the officer's own
    words when the reason is "other" (they must give some)."""
    reason = config.pause_reason(code)
    words = text.strip()
    if code == OTHER_PAUSE and not words:
        raise InvalidRequest("say in a few words why the counter pauses", "กรุณาพิมพ์เหตุผลที่พักสั้น ๆ")
    return words if code == OTHER_PAUSE else reason.name_th


def pause_counter(counter: Counter, reason: str, now: datetime, code: str = "") -> ev.CounterPaused:
    _set_pause(counter, reason, now, code)
    counter.state = CounterState.PAUSED
    counter.pause_pending = False
    return ev.CounterPaused(**_pause_fields(counter, now))


def pause_after_ticket(
    counter: Counter, reason: str, now: datetime, code: str = ""
) -> ev.CounterPausePending:
    """Pause once the counter's current ticket leaves it (`counter.paused` comes then); boards
    show the counter as it is until then."""
    _set_pause(counter, reason, now, code)
    counter.pause_pending = True
    return ev.CounterPausePending(**_pause_fields(counter, now))


def _pause_fields(counter: Counter, now: datetime) -> dict[str, Any]:
    return {
        "office": counter.office,
        "counter": counter.code,
        "at": now,
        "reason": counter.pause_reason,
        "reason_code": counter.pause_code,
    }


def _set_pause(counter: Counter, reason: str, now: datetime, code: str) -> None:
    _require_aware(now)
    if counter.state is not CounterState.OPEN:
        raise IllegalTransition(
            f"only an open counter can pause; counter {counter.code} is {counter.state.value}",
            f"พักได้เฉพาะช่องบริการที่เปิดอยู่ ช่องบริการ {counter.code} {counter.state.th}",
        )
    counter.pause_reason = reason.strip()
    counter.pause_code = code


def withdraw_pending_pause(counter: Counter, now: datetime) -> ev.CounterPauseWithdrawn:
    """Call off the pause that waited for the counter's ticket."""
    _require_aware(now)
    if not counter.pause_pending:
        raise IllegalTransition(
            f"counter {counter.code} has no pause waiting for its ticket",
            f"ช่องบริการ {counter.code} ไม่มีการพักที่รอบัตรคิวปัจจุบัน",
        )
    cancel_pending_pause(counter)
    return ev.CounterPauseWithdrawn(office=counter.office, counter=counter.code, at=now)


def cancel_pending_pause(counter: Counter) -> None:
    counter.pause_reason = ""
    counter.pause_code = ""
    counter.pause_pending = False


def resume_counter(counter: Counter, now: datetime) -> ev.CounterResumed:
    _require_aware(now)
    if counter.state is not CounterState.PAUSED:
        raise IllegalTransition(
            f"counter {counter.code} is not paused", f"ช่องบริการ {counter.code} ไม่ได้พักอยู่"
        )
    counter.state = CounterState.OPEN
    cancel_pending_pause(counter)
    return ev.CounterResumed(office=counter.office, counter=counter.code, at=now)


def close_counter(counter: Counter, now: datetime) -> ev.CounterClosed:
    _require_aware(now)
    if counter.state is CounterState.CLOSED:
        raise IllegalTransition(
            f"counter {counter.code} is already closed", f"ช่องบริการ {counter.code} ปิดอยู่แล้ว"
        )
    counter.state = CounterState.CLOSED
    cancel_pending_pause(counter)
    return ev.CounterClosed(office=counter.office, counter=counter.code, at=now)
