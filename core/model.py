"""The single-window domain: offices, services, counters and tickets.

Configuration objects are frozen values; Counter and Ticket are entities whose transitions live in
`core.lifecycle` and return events. Times are timezone-aware datetimes passed in by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from core.errors import InvalidRequest, NotFound

OFFICE_CODE = re.compile(r"^[a-z0-9-]+$")
SERVICE_CODE = re.compile(r"^[A-Z]{1,2}$")
# Agency and counter codes and usernames end up in URLs: no "/", "%", "?", nor a name of dots.
CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NORMAL = "normal"
# The class of a booked visitor who checked in on time: queued at the slot's start, called within
# `PrioritySettings.appointment_window_s` of it. Always known, never offered at the kiosk.
APPOINTMENT = "appointment"
DEFAULT_APPOINTMENT_WINDOW_S = 300
# What kiosks, consoles and tickets call the usual priority classes; an office names its own
# classes (`PrioritySettings.names`), and a class it left unnamed is shown by its code.
PRIORITY_CLASS_NAMES: dict[str, tuple[str, str]] = {
    NORMAL: ("ทั่วไป", "General"),
    "elderly": ("ผู้สูงอายุ", "Elderly"),
    "disabled": ("ผู้พิการ", "Person with disability"),
    "pregnant": ("หญิงตั้งครรภ์", "Pregnant woman"),
    "monk": ("พระภิกษุสงฆ์", "Monk"),
    "appointment": ("ผู้นัดหมายล่วงหน้า", "Appointment"),
}
# A class's name is one line on a kiosk's choice card.
CLASS_NAME_MAX = 60


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    @property
    def th(self) -> str:
        return _TICKET_STATUS_TH[self]

    @property
    def terminal(self) -> bool:
        return self in (TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED)

    @property
    def at_counter(self) -> bool:
        return self in (TicketStatus.CALLED, TicketStatus.SERVING)


_TICKET_STATUS_TH = {
    TicketStatus.WAITING: "รอเรียก",
    TicketStatus.CALLED: "เรียกแล้ว",
    TicketStatus.SERVING: "กำลังให้บริการ",
    TicketStatus.DONE: "เสร็จสิ้น",
    TicketStatus.NO_SHOW: "ไม่มาแสดงตน",
    TicketStatus.CANCELLED: "ยกเลิกแล้ว",
}


class CounterState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"

    @property
    def th(self) -> str:
        return _COUNTER_STATE_TH[self]


_COUNTER_STATE_TH = {
    CounterState.OPEN: "เปิดให้บริการ",
    CounterState.PAUSED: "พักชั่วคราว",
    CounterState.CLOSED: "ปิด",
}


@dataclass(frozen=True)
class OpeningHours:
    opens: time
    closes: time

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """Parse `08:30-16:30`."""
        match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", text.strip())
        if not match:
            raise InvalidRequest(
                f"hours must look like 08:30-16:30, got {text!r}",
                f"เวลาทำการต้องอยู่ในรูป 08:30-16:30 แต่ได้ {text!r}",
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            opens, closes = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise InvalidRequest(f"hours {text!r}: {exc}", f"เวลาทำการ {text!r} ไม่ถูกต้อง") from exc
        if closes <= opens:
            raise InvalidRequest(
                f"hours {text!r}: closing time must be after opening time",
                f"เวลาทำการ {text!r}: เวลาปิดต้องหลังเวลาเปิด",
            )
        return cls(opens, closes)

    def is_open(self, local: datetime) -> bool:
        return self.opens <= local.time() < self.closes

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"


@dataclass(frozen=True)
class Office:
    code: str
    name_th: str
    name_en: str
    timezone: str = "Asia/Bangkok"
    hours: OpeningHours | None = None

    def __post_init__(self) -> None:
        if not OFFICE_CODE.fullmatch(self.code):
            raise InvalidRequest(
                f"office code must match [a-z0-9-]+, got {self.code!r}",
                f"รหัสสำนักงานต้องเป็น a-z 0-9 หรือ - เท่านั้น แต่ได้ {self.code!r}",
            )
        _ = self.tz  # fail early on an unknown timezone

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (KeyError, ValueError, OSError) as exc:
            raise InvalidRequest(
                f"unknown timezone {self.timezone!r}", f"ไม่รู้จักเขตเวลา {self.timezone!r}"
            ) from exc

    def local_day(self, at: datetime) -> date:
        """The office's calendar day at `at`: numbering restarts when it changes."""
        return at.astimezone(self.tz).date()

    def is_open(self, at: datetime) -> bool:
        return self.hours is None or self.hours.is_open(at.astimezone(self.tz))


@dataclass(frozen=True)
class Agency:
    code: str
    name_th: str
    name_en: str


@dataclass(frozen=True)
class NumberingRule:
    """Ticket numbers run start..end each local day and print zero-padded to `width` digits."""

    width: int = 3
    start: int = 1
    end: int | None = None

    def __post_init__(self) -> None:
        if self.width < 1 or self.start < 0 or (self.end is not None and self.end < self.start):
            raise InvalidRequest(
                f"bad numbering rule width={self.width} start={self.start} end={self.end}",
                "กฎการออกหมายเลขไม่ถูกต้อง",
            )

    @property
    def last(self) -> int:
        return self.end if self.end is not None else 10**self.width - 1


@dataclass(frozen=True)
class Service:
    code: str
    agency: str
    name_th: str
    name_en: str
    target_wait_s: int = 15 * 60
    daily_quota: int | None = None
    numbering: NumberingRule = NumberingRule()
    default_service_s: int = 5 * 60
    open: bool = True

    def __post_init__(self) -> None:
        if not SERVICE_CODE.fullmatch(self.code):
            raise InvalidRequest(
                f"service code must be one or two capital letters, got {self.code!r}",
                f"รหัสบริการต้องเป็นอักษรภาษาอังกฤษตัวใหญ่ 1-2 ตัว แต่ได้ {self.code!r}",
            )
        if self.target_wait_s <= 0:
            raise InvalidRequest(
                f"service {self.code}: target wait must be positive",
                f"บริการ {self.code}: เวลารอเป้าหมายต้องมากกว่าศูนย์",
            )
        if self.daily_quota is not None and self.daily_quota < 0:
            raise InvalidRequest(
                f"service {self.code}: daily quota cannot be negative",
                f"บริการ {self.code}: โควตารายวันต้องไม่ติดลบ",
            )


@dataclass(frozen=True)
class WorkProfile:
    """The services a counter serves, each with a positive weight (higher = preferred)."""

    weights: Mapping[str, int]
    # Estimates look profiles up by value many times a request (60 services, a dozen counters):
    # the hash is worked out once.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bad = {code: w for code, w in self.weights.items() if not isinstance(w, int) or w <= 0}
        if bad:
            raise InvalidRequest(
                f"work profile weights must be positive integers: {bad}",
                f"น้ำหนักของบริการต้องเป็นจำนวนเต็มบวก: {bad}",
            )
        object.__setattr__(self, "weights", MappingProxyType(dict(self.weights)))
        object.__setattr__(self, "_hash", hash(tuple(sorted(self.weights.items()))))

    def serves(self, service: str) -> bool:
        return service in self.weights

    def weight(self, service: str) -> int:
        return self.weights.get(service, 0)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or (
            isinstance(other, WorkProfile)
            and self._hash == other._hash
            and dict(self.weights) == dict(other.weights)
        )


@dataclass(frozen=True)
class PrioritySettings:
    """Priority classes in order; the first is the normal class everybody else is weighed against.

    `weights` rank classes when several priority queues wait (higher first). At most
    `max_priority_in_row` priority tickets are called in a row at a counter while normal ones wait.
    The long-wait guard puts first a ticket that would otherwise wait past
    (1 + `long_wait_guard_at`) times its service's target wait, so nobody waits much past twice it
    (`swq simulate --suite`).

    Checked-in appointments are a class of their own (`APPOINTMENT`, see `queue_classes`): the
    routing policy aims to call one within `appointment_window_s` of its slot's start, and they
    count as priority calls for `max_priority_in_row`, so walk-ins keep their share.
    """

    classes: tuple[str, ...] = (NORMAL, "elderly", "disabled", "pregnant", "monk")
    weights: Mapping[str, int] = field(default_factory=dict)
    max_priority_in_row: int = 2
    long_wait_guard: bool = True
    long_wait_guard_at: float = 0.8
    appointment_window_s: int = DEFAULT_APPOINTMENT_WINDOW_S
    # (Thai, English) names of the office's classes, its own or a usual one renamed.
    names: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.classes or len(set(self.classes)) != len(self.classes):
            raise InvalidRequest(
                "priority classes must be a non-empty list without repeats",
                "ประเภทผู้รับบริการต้องไม่ว่างและไม่ซ้ำกัน",
            )
        if self.max_priority_in_row < 0:
            raise InvalidRequest(
                "max_priority_in_row cannot be negative", "max_priority_in_row ต้องไม่ติดลบ"
            )
        if not 0 < self.long_wait_guard_at <= 1:
            raise InvalidRequest(
                "long_wait_guard_at must be a share of the target wait, above 0 and at most 1",
                "long_wait_guard_at ต้องเป็นสัดส่วนของเวลารอเป้าหมาย มากกว่า 0 และไม่เกิน 1",
            )
        if APPOINTMENT in self.classes:
            raise InvalidRequest(
                f"{APPOINTMENT!r} is the class of checked-in bookings, not a kiosk choice;"
                " remove it from the classes",
                f"{APPOINTMENT!r} เป็นประเภทของผู้ที่จองล่วงหน้าและยืนยันแล้ว เลือกที่ตู้กดบัตรไม่ได้"
                " กรุณานำออกจากรายการประเภท",
            )
        if not 0 < self.appointment_window_s <= 24 * 3600:
            raise InvalidRequest(
                "appointment_window_s must be above 0 and at most a day (86400 s)",
                "appointment_window_s ต้องมากกว่า 0 และไม่เกินหนึ่งวัน (86400 วินาที)",
            )
        unknown = set(self.weights) - set(self.queue_classes)
        if unknown:
            raise InvalidRequest(
                f"weights for unknown priority classes: {sorted(unknown)}",
                f"กำหนดน้ำหนักให้ประเภทที่ไม่มีอยู่: {sorted(unknown)}",
            )
        unnamed = sorted(set(self.names) - set(self.classes))
        if unnamed:
            raise InvalidRequest(
                f"names for unknown priority classes: {unnamed}",
                f"ตั้งชื่อให้ประเภทที่ไม่มีอยู่: {unnamed}",
            )
        names = {
            code: tuple(str(part).strip() for part in pair) for code, pair in self.names.items()
        }
        bad = sorted(
            code
            for code, pair in names.items()
            if len(pair) != 2 or not all(0 < len(part) <= CLASS_NAME_MAX for part in pair)
        )
        if bad:
            raise InvalidRequest(
                f"a priority class's name needs both Thai and English, at most {CLASS_NAME_MAX}"
                f" characters each: {bad}",
                f"ชื่อประเภทผู้รับบริการต้องมีทั้งภาษาไทยและภาษาอังกฤษ ไม่เกิน {CLASS_NAME_MAX}"
                f" ตัวอักษรต่อภาษา: {bad}",
            )
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "weights", MappingProxyType(dict(self.weights)))
        object.__setattr__(self, "names", MappingProxyType(names))

    def name(self, code: str) -> tuple[str, str]:
        """(Thai, English) name of a class: the office's own, else the usual one, else its code."""
        return self.names.get(code) or PRIORITY_CLASS_NAMES.get(code, (code, code))

    @property
    def normal(self) -> str:
        return self.classes[0]

    @property
    def queue_classes(self) -> tuple[str, ...]:
        """Every class a waiting ticket may have: the office's classes and appointments."""
        return (*self.classes, APPOINTMENT)

    def is_priority(self, klass: str) -> bool:
        return klass != self.normal

    def weight(self, klass: str) -> int:
        """Default: the normal class weighs 1, every priority class 2."""
        return self.weights.get(klass, 1 if klass == self.normal else 2)

    def require(self, klass: str) -> None:
        """Refuse a class a walk-in ticket cannot have (appointments come from check-in)."""
        if klass not in self.classes:
            raise InvalidRequest(
                f"unknown priority class {klass!r}; known: {', '.join(self.classes)}",
                f"ไม่รู้จักประเภทผู้รับบริการ {klass!r}",
            )

    def __hash__(self) -> int:
        return hash(
            (
                self.classes,
                tuple(sorted(self.weights.items())),
                self.max_priority_in_row,
                self.appointment_window_s,
            )
        )


@dataclass
class Counter:
    office: str
    code: str
    name_th: str
    name_en: str
    profile: WorkProfile
    state: CounterState = CounterState.OPEN
    pause_reason: str = ""
    pause_code: str = ""
    # "Pause after this ticket": the counter pauses with `pause_reason` once its ticket leaves.
    pause_pending: bool = False


@dataclass(frozen=True)
class PauseReason:
    """A reason an officer picks when pausing; `other` asks for a few words of their own."""

    code: str
    name_th: str
    name_en: str


OTHER_PAUSE = "other"
DEFAULT_PAUSE_REASONS: tuple[PauseReason, ...] = (
    PauseReason("lunch", "พักกลางวัน", "Lunch break"),
    PauseReason("meeting", "ประชุม", "Meeting"),
    PauseReason("system", "ระบบขัดข้อง", "System problem"),
    PauseReason(OTHER_PAUSE, "อื่น ๆ", "Other"),
)
DEFAULT_NO_SHOW_GRACE_S = 120


@dataclass(frozen=True)
class OfficeConfig:
    """Everything routing and issuing need to know about one office, read once per decision."""

    office: Office
    agencies: Mapping[str, Agency]
    services: Mapping[str, Service]
    priority: PrioritySettings = PrioritySettings()
    policy: str = "weighted"
    transfer_keeps_place: bool = True
    # How long after a no-show its officer may undo it (the citizen turned up after all).
    no_show_grace_s: int = DEFAULT_NO_SHOW_GRACE_S
    pause_reasons: tuple[PauseReason, ...] = DEFAULT_PAUSE_REASONS
    # What is worked out from the rest on first use (each queue's place against the others, for
    # every estimate): a configuration never changes once built, a new version is a new object,
    # and `dataclasses.replace` starts an empty memo.
    memo: dict[object, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def pause_reason(self, code: str) -> PauseReason:
        for reason in self.pause_reasons:
            if reason.code == code:
                return reason
        raise InvalidRequest(
            f"unknown pause reason {code!r}; choose one from the list",
            "ไม่มีเหตุผลการพักนี้ในรายการ กรุณาเลือกจากรายการ",
        )

    def service(self, code: str) -> Service:
        try:
            return self.services[code]
        except KeyError:
            raise NotFound(
                f"office {self.office.code} has no service {code!r}",
                f"ไม่มีบริการ {code!r} ในสำนักงานนี้",
            ) from None


@dataclass(frozen=True)
class Transaction:
    """One service wanted in a visit; `done` once the officer says it was performed."""

    service: str
    done: bool = False


@dataclass
class Ticket:
    id: str
    office: str
    service: str
    number: str
    priority: str
    issued_at: datetime
    day: date
    status_key: str
    queued_at: datetime
    status: TicketStatus = TicketStatus.WAITING
    transactions: tuple[Transaction, ...] = ()
    counter: str | None = None
    target_counter: str | None = None
    called_at: datetime | None = None
    serving_at: datetime | None = None
    finished_at: datetime | None = None
    recalls: int = 0

    @property
    def queue_key(self) -> tuple[datetime, str, str]:
        """FIFO order inside a queue: place in time, then number, then id for full determinism."""
        return (self.queued_at, self.number, self.id)

    @property
    def services_wanted(self) -> tuple[str, ...]:
        return tuple(t.service for t in self.transactions)

    @property
    def services_done(self) -> tuple[str, ...]:
        return tuple(t.service for t in self.transactions if t.done)
