"""`swq check`: the invariants the stored tickets, numbers and events must keep.

Unique numbers, numbering rows that cover what was issued, each ticket's events following the
lifecycle (core/lifecycle.py) and ending where the ticket row says it is, and no counter ever
holding two tickets. The checks only read; run them inside one snapshot (REPEATABLE READ on
PostgreSQL, one transaction on SQLite) or a server writing meanwhile shows up as problems.

A province database holds millions of events, so they are streamed in id order one office at a
time, keeping only the per-ticket state of that office in memory.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from core.events import EVENT_TYPES, TicketEvent, TicketIssued
from core.lifecycle import TICKET_MOVES
from core.model import TicketStatus
from queue_server.db import schema as t

# Rows fetched per round trip; a server-side cursor on PostgreSQL, so memory stays flat.
BATCH = 2000

AT_COUNTER = t.AT_COUNTER
# The states a ticket event may happen in (None: not yet issued) and the state it leads to
# (None: unchanged): core's own table, plus the issue that starts every ticket.
TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str | None]] = {
    TicketIssued.type: ((None,), TicketStatus.WAITING),
    **TICKET_MOVES,
}
TICKET_EVENT_TYPES = frozenset(
    name for name, cls in EVENT_TYPES.items() if issubclass(cls, TicketEvent)
)
# Service codes are one or two capital letters (core/office_file.py), the rest is the serial.
NUMBER = re.compile(r"([A-Z]{1,2})([0-9]+)")


@dataclass(frozen=True)
class Problem:
    """One broken invariant. `code` is stable (for scripts and tests), the messages are for
    people; both messages name the ticket, number or counter concerned."""

    code: str
    office: str
    message_en: str
    message_th: str

    def line(self) -> str:
        return f"[{self.office}] {self.code}: {self.message_th} / {self.message_en}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    tickets: int = 0
    events: int = 0

    @property
    def clean(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.clean:
            return (
                f"ไม่พบปัญหา: ตรวจบัตรคิว {self.tickets} ใบ เหตุการณ์ {self.events} รายการ / "
                f"clean: {self.tickets} tickets and {self.events} events checked"
            )
        counts = Counter(p.code for p in self.problems)
        kinds = ", ".join(f"{code} {n}" for code, n in sorted(counts.items()))
        return (
            f"พบปัญหา {len(self.problems)} รายการ ({kinds}) "
            f"จากบัตรคิว {self.tickets} ใบ เหตุการณ์ {self.events} รายการ / "
            f"{len(self.problems)} problem{'' if len(self.problems) == 1 else 's'} ({kinds}) "
            f"in {self.tickets} tickets and {self.events} events"
        )


def find_problems(conn: sa.Connection) -> list[Problem]:
    """Every broken invariant in the database `conn` reads, or [] when it is consistent."""
    return check(conn).problems


def check(conn: sa.Connection) -> Report:
    """`find_problems` with the counts of what was checked, for the report's summary line."""
    report = Report()
    offices = conn.execute(sa.select(t.offices.c.code).order_by(t.offices.c.code)).scalars()
    for office in list(offices):
        _OfficeCheck(conn, office, report).run()
    return report


@dataclass(slots=True)
class _Ticket:
    """What the stored row says, and what replaying the events so far says."""

    number: str
    day: date
    status: str
    counter: str | None
    # From the events:
    state: str | None = None
    at_counter: str | None = None
    last_at: datetime | None = None
    last_event: int | None = None


def _th(status: str | None) -> str:
    """A status in Thai, as the officers' screens say it; an unknown one as it is stored."""
    if status is None:
        return "ยังไม่ได้ออกบัตร"
    try:
        return f"{TicketStatus(status).th} ({status})"
    except ValueError:
        return status


def _number(service: str, n: int | None, width: int) -> str:
    """A serial printed as the ticket shows it, zero-padded like the day's other numbers."""
    return f"{service}{n:0{width}d}" if n is not None else "-"


def _from_counter(data: str) -> str | None:
    """The counter a transfer left; None (nothing to compare) if the data is not readable."""
    try:
        doc = json.loads(data)
    except ValueError:
        return None
    named = doc.get("from_counter") if isinstance(doc, dict) else None
    return named if isinstance(named, str) else None


def _stream(conn: sa.Connection, query: sa.Select[tuple[object, ...]]) -> Iterator[sa.Row]:
    yield from conn.execute(query.execution_options(yield_per=BATCH))


class _OfficeCheck:
    def __init__(self, conn: sa.Connection, office: str, report: Report) -> None:
        self.conn = conn
        self.office = office
        self.report = report
        self.tickets: dict[str, _Ticket] = {}
        self.holding: dict[str, str] = {}  # counter -> ticket id there, by the events
        self.unknown: Counter[str] = Counter()  # events naming a ticket this office lacks

    def problem(self, code: str, en: str, th: str) -> None:
        self.report.problems.append(Problem(code, self.office, en, th))

    def run(self) -> None:
        self._read_tickets()
        self._check_numbers()
        self._check_counters_now()
        self._replay_events()
        self._check_final_states()
        self._check_unknown_tickets()

    def label(self, ticket_id: str) -> tuple[str, str]:
        """How messages name a ticket (en, th): its number and day, and its id to look it up."""
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            return f"ticket {ticket_id}", f"บัตรคิว {ticket_id}"
        where = f"{ticket.number} of {ticket.day.isoformat()} ({ticket_id})"
        return f"ticket {where}", f"บัตรคิว {ticket.number} วันที่ {ticket.day} ({ticket_id})"

    def _read_tickets(self) -> None:
        c = t.tickets.c
        query = (
            sa.select(c.id, c.number, c.day, c.status, c.counter)
            .where(c.office == self.office)
            .order_by(c.day, c.number, c.id)
        )
        for ticket_id, number, day, status, counter in _stream(self.conn, query):
            self.tickets[ticket_id] = _Ticket(number, day, status, counter)
        self.report.tickets += len(self.tickets)

    def _check_numbers(self) -> None:
        holders: dict[tuple[date, str], list[str]] = defaultdict(list)
        serials: dict[tuple[str, date], set[int]] = defaultdict(set)
        widths: dict[tuple[str, date], int] = {}
        for ticket_id, ticket in self.tickets.items():
            holders[(ticket.day, ticket.number)].append(ticket_id)
            match = NUMBER.fullmatch(ticket.number)
            if match is None:
                en, th = self.label(ticket_id)
                self.problem(
                    "bad-number",
                    f"{en} has a number that is not a service code and digits",
                    f"{th} มีหมายเลขที่ไม่ใช่รหัสบริการตามด้วยตัวเลข",
                )
                continue
            # The number's prefix, not the ticket's service: a transfer changes the service.
            serials[(match[1], ticket.day)].add(int(match[2]))
            widths[(match[1], ticket.day)] = len(match[2])
        for (day, number), ids in holders.items():
            if len(ids) > 1:
                self.problem(
                    "duplicate-number",
                    f"number {number} of {day} was given to {len(ids)} tickets: {', '.join(ids)}",
                    f"หมายเลข {number} วันที่ {day} ถูกออกให้บัตรคิว {len(ids)} ใบ: {', '.join(ids)}",
                )

        c = t.ticket_numbers.c
        rows = self.conn.execute(
            sa.select(c.service, c.day, c.last).where(c.office == self.office)
        ).all()
        last_numbers = {(service, day): last for service, day, last in rows}
        for key in sorted(serials.keys() | last_numbers.keys()):
            service, day = key
            got, last = serials.get(key, set()), last_numbers.get(key)
            highest = max(got, default=None)
            width = widths.get(key, 1)

            if last is None:
                self.problem(
                    "numbers-missing",
                    f"service {service} issued up to {_number(service, highest, width)} on {day} "
                    "but ticket_numbers has no row for that day: numbering would start again",
                    f"บริการ {service} ออกหมายเลขถึง {_number(service, highest, width)} วันที่ {day} "
                    "แต่ไม่มีแถวใน ticket_numbers ของวันนั้น หมายเลขจะเริ่มนับใหม่",
                )
                continue
            if highest is not None and last < highest:
                self.problem(
                    "numbers-behind",
                    f"ticket_numbers of service {service} on {day} says {last} but "
                    f"{_number(service, highest, width)} was issued: the next numbers would repeat",
                    f"ticket_numbers ของบริการ {service} วันที่ {day} เป็น {last} "
                    f"แต่ออกหมายเลข {_number(service, highest, width)} ไปแล้ว หมายเลขถัดไปจะซ้ำ",
                )
            # A number is taken in the transaction that stores its ticket, and nothing deletes
            # tickets, so every number from the day's first to `last` has its ticket.
            first = min(got, default=last)
            missing = sorted(set(range(first, max(last, highest or last) + 1)) - got)
            if missing:
                shown = ", ".join(_number(service, n, width) for n in missing[:10]) + (
                    f" (+{len(missing) - 10})" if len(missing) > 10 else ""
                )
                self.problem(
                    "number-gap",
                    f"service {service} on {day}: numbers {shown} were taken "
                    "(at or below the last) but no ticket has them",
                    f"บริการ {service} วันที่ {day}: หมายเลข {shown} ถูกใช้ไปแล้ว แต่ไม่มีบัตรคิวใดมีหมายเลขนี้",
                )

    def _check_counters_now(self) -> None:
        """The rows alone: a counter holds one ticket, and holds it only if it exists."""
        counters = set(
            self.conn.execute(
                sa.select(t.counters.c.code).where(t.counters.c.office == self.office)
            ).scalars()
        )
        at: dict[str, list[str]] = defaultdict(list)
        for ticket_id, ticket in self.tickets.items():
            if ticket.status in AT_COUNTER:
                en, th = self.label(ticket_id)
                if ticket.counter is None:
                    self.problem(
                        "no-counter",
                        f"{en} is {ticket.status} at no counter",
                        f"{th} มีสถานะ{_th(ticket.status)} แต่ไม่ได้อยู่ที่ช่องบริการใด",
                    )
                    continue
                at[ticket.counter].append(ticket_id)
                if ticket.counter not in counters:
                    self.problem(
                        "unknown-counter",
                        f"{en} is at counter {ticket.counter}, which does not exist",
                        f"{th} อยู่ที่ช่องบริการ {ticket.counter} ซึ่งไม่มีอยู่",
                    )
        for counter, ids in sorted(at.items()):
            if len(ids) > 1:
                names = ", ".join(self.tickets[i].number for i in ids)
                self.problem(
                    "counter-shared",
                    f"counter {counter} holds {len(ids)} tickets at once: {names} "
                    f"({', '.join(ids)})",
                    f"ช่องบริการ {counter} มีบัตรคิว {len(ids)} ใบพร้อมกัน: {names} ({', '.join(ids)})",
                )

    def _replay_events(self) -> None:
        c = t.events.c
        query = (
            sa.select(c.id, c.type, c.at, c.ticket_id, c.counter, c.data)
            .where(c.office == self.office)
            .order_by(c.id)
        )
        for event_id, kind, at, ticket_id, counter, data in _stream(self.conn, query):
            self.report.events += 1
            if kind not in EVENT_TYPES:
                self.problem(
                    "unknown-event",
                    f"event {event_id} has the unknown type {kind!r}",
                    f"เหตุการณ์ {event_id} มีชนิด {kind!r} ที่ไม่รู้จัก",
                )
                continue
            if kind not in TICKET_EVENT_TYPES:
                continue
            if ticket_id is None:
                self.problem(
                    "no-ticket",
                    f"event {event_id} {kind} names no ticket",
                    f"เหตุการณ์ {event_id} {kind} ไม่ได้ระบุบัตรคิว",
                )
                continue
            ticket = self.tickets.get(ticket_id)
            if ticket is None:
                self.unknown[ticket_id] += 1
                continue
            self._apply(event_id, kind, at, ticket_id, ticket, counter, data)

    def _apply(
        self,
        event_id: int,
        kind: str,
        at: datetime,
        ticket_id: str,
        ticket: _Ticket,
        counter: str | None,
        data: str,
    ) -> None:
        en, th = self.label(ticket_id)
        where_en, where_th = (
            f"event {event_id} {kind} of {en}",
            f"เหตุการณ์ {event_id} {kind} ของ{th}",
        )
        if ticket.last_at is not None and at < ticket.last_at:
            self.problem(
                "time-backwards",
                f"{where_en} is dated {at.isoformat()}, before event {ticket.last_event} "
                f"at {ticket.last_at.isoformat()}",
                f"{where_th} ลงเวลา {at.isoformat()} ก่อนเหตุการณ์ {ticket.last_event} "
                f"เวลา {ticket.last_at.isoformat()}",
            )
        ticket.last_at, ticket.last_event = at, event_id

        allowed, after = TRANSITIONS[kind]
        before = ticket.state
        if before not in allowed:
            if kind == "ticket.called" and before in AT_COUNTER:
                self.problem(
                    "double-call",
                    f"{where_en} at counter {counter}: it was already {before} "
                    f"at counter {ticket.at_counter}",
                    f"{where_th} ที่ช่องบริการ {counter}: บัตรคิวมีสถานะ{_th(before)}"
                    f"อยู่ที่ช่องบริการ {ticket.at_counter} แล้ว",
                )
            elif before is None:
                self.problem(
                    "not-issued",
                    f"{where_en} comes before any ticket.issued",
                    f"{where_th} เกิดก่อนเหตุการณ์ ticket.issued",
                )
            else:
                self.problem(
                    "illegal-transition",
                    f"{where_en} happened while the ticket was {before}",
                    f"{where_th} เกิดขึ้นขณะที่บัตรคิวมีสถานะ{_th(before)}",
                )
        elif before in AT_COUNTER:
            # A transfer carries the counter it left only in its data.
            named = _from_counter(data) if kind == "ticket.transferred" else counter
            if named is not None and named != ticket.at_counter:
                self.problem(
                    "wrong-counter",
                    f"{where_en} names counter {named}, but the ticket is at "
                    f"counter {ticket.at_counter}",
                    f"{where_th} ระบุช่องบริการ {named} แต่บัตรคิวอยู่ที่ช่องบริการ {ticket.at_counter}",
                )
        # Follow the event even when it was illegal: the rows were written after it, so the
        # replay stays in step with them and one bad event is reported once, not at every
        # event after it.
        if after is None:
            return
        old = ticket.at_counter
        # Serving and the like name the counter the ticket is already at; a call names a new one.
        new = (counter if counter is not None else old) if after in AT_COUNTER else None
        if old is not None and old != new and self.holding.get(old) == ticket_id:
            del self.holding[old]
        if new is not None and new != old:
            other = self.holding.get(new)
            if other is not None:
                o_en, o_th = self.label(other)
                self.problem(
                    "counter-busy",
                    f"{where_en} at counter {new}, which still held {o_en}",
                    f"{where_th} ที่ช่องบริการ {new} ซึ่งยังมี{o_th}อยู่",
                )
            self.holding[new] = ticket_id
        ticket.at_counter = new
        ticket.state = after

    def _check_final_states(self) -> None:
        for ticket_id, ticket in self.tickets.items():
            en, th = self.label(ticket_id)
            if ticket.state is None:
                self.problem(
                    "not-issued",
                    f"{en} has no ticket.issued event",
                    f"{th} ไม่มีเหตุการณ์ ticket.issued",
                )
            elif ticket.state != ticket.status:
                self.problem(
                    "status-mismatch",
                    f"{en} is stored as {ticket.status}, its events say {ticket.state}",
                    f"{th} บันทึกสถานะเป็น{_th(ticket.status)} แต่เหตุการณ์บอกว่า{_th(ticket.state)}",
                )
            elif ticket.status in AT_COUNTER and ticket.counter != ticket.at_counter:
                self.problem(
                    "counter-mismatch",
                    f"{en} is stored at counter {ticket.counter}, its events say "
                    f"counter {ticket.at_counter}",
                    f"{th} บันทึกว่าอยู่ที่ช่องบริการ {ticket.counter} แต่เหตุการณ์บอกว่า"
                    f"ช่องบริการ {ticket.at_counter}",
                )

    def _check_unknown_tickets(self) -> None:
        if not self.unknown:
            return
        c = t.tickets.c
        elsewhere: dict[str, str] = {}
        ids = sorted(self.unknown)
        # Chunked: an IN list of every id could pass the database's parameter limit.
        for i in range(0, len(ids), 500):
            query = sa.select(c.id, c.office).where(c.id.in_(ids[i : i + 500]))
            elsewhere.update({ticket_id: office for ticket_id, office in self.conn.execute(query)})
        for ticket_id in ids:
            n = self.unknown[ticket_id]
            if ticket_id in elsewhere:
                self.problem(
                    "wrong-office",
                    f"{n} event(s) of office {self.office} name ticket {ticket_id}, "
                    f"which belongs to office {elsewhere[ticket_id]}",
                    f"เหตุการณ์ {n} รายการของสำนักงาน {self.office} ระบุบัตรคิว {ticket_id} "
                    f"ซึ่งเป็นของสำนักงาน {elsewhere[ticket_id]}",
                )
            else:
                self.problem(
                    "unknown-ticket",
                    f"{n} event(s) name ticket {ticket_id}, which does not exist",
                    f"เหตุการณ์ {n} รายการระบุบัตรคิว {ticket_id} ซึ่งไม่มีอยู่",
                )
