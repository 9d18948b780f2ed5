"""Request and response documents of the HTTP API (CONTRACT.md); the OpenAPI schemas come
from these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.model import CounterState, TicketStatus
from core.office_file import MAX_FEATURED
from queue_server.api.errors import Refusal

ServiceCode = Annotated[str, Field(pattern=r"^[A-Z]{1,2}$", examples=["A"])]
CounterCode = Annotated[str, Field(min_length=1, max_length=32)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueRequest(Strict):
    service: ServiceCode
    priority: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    extra_services: Annotated[list[ServiceCode], Field(max_length=10)] = []


class CheckInRequest(Strict):
    # What the citizen typed or the scanner sent; spaces and dashes are dropped, case ignored.
    code: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    # Or the 13-digit national ID read from the citizen's ID card: finds today's booking made
    # with that number (only its keyed digest is compared; the number is neither stored nor logged).
    citizen_id: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    # The class a late citizen's walk-in ticket gets (as at the kiosk); default: the normal class.
    priority: Annotated[str, Field(min_length=1, max_length=32)] | None = None

    @model_validator(mode="after")
    def _one_key(self) -> CheckInRequest:
        if (self.code is None) == (self.citizen_id is None):
            raise Refusal(
                "Give either the booking code or the ID card's number, not both.",
                "กรุณาระบุรหัสการจองหรือเลขบัตรประชาชนอย่างใดอย่างหนึ่ง",
            )
        return self


class DoneRequest(Strict):
    transactions: Annotated[list[ServiceCode], Field(max_length=20)] = []


class TransferRequest(Strict):
    service: ServiceCode | None = None
    counter: CounterCode | None = None

    @model_validator(mode="after")
    def _somewhere(self) -> TransferRequest:
        if self.service is None and self.counter is None:
            raise Refusal(
                "Choose where the ticket goes: a service, a counter, or both.",
                "กรุณาเลือกบริการหรือช่องบริการที่จะโอนไป (หรือทั้งสองอย่าง)",
            )
        return self


class PauseRequest(Strict):
    reason: Annotated[str, Field(max_length=200)] = ""
    # A reason from the office's list (GET /api/v1/counters/{code} lists them); "other" takes
    # `reason` as the officer's own words.
    reason_code: Annotated[str, Field(max_length=32)] | None = None
    after_ticket: bool = False  # pause once the counter's current ticket leaves it


class NoShowRequest(Strict):
    # An officer who has not recalled the number yet is asked first: false refuses with 409
    # `not_recalled` until then. Left out, the no-show is taken as confirmed.
    confirm: bool = True


class NoBody(Strict):
    pass


class OfficeQuery(BaseModel):
    office: str | None = None


class StatusQuery(BaseModel):
    key: Annotated[str, Field(min_length=1, max_length=100)]


class EventsQuery(BaseModel):
    office: str | None = None
    last_event_id: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None


class TransactionOut(BaseModel):
    service: str
    done: bool


class TicketOut(BaseModel):
    id: str
    number: str
    service: str
    priority: str
    status: TicketStatus
    transactions: list[TransactionOut]
    people_ahead: int
    estimated_wait_s: int | None
    estimated_wait_range_s: tuple[int, int] | None = None
    issued_at: datetime
    called_at: datetime | None
    counter: str | None
    status_url: str


class PublicStatus(BaseModel):
    number: str
    state: TicketStatus
    state_th: str
    people_ahead: int
    estimated_wait_s: int | None
    estimated_wait_range_s: tuple[int, int] | None = None
    counter: str | None
    counter_name_th: str | None
    counter_name_en: str | None
    service: str
    service_name_th: str
    service_name_en: str
    office_name_th: str
    office_name_en: str
    issued_at: datetime
    called_at: datetime | None


class ServiceOut(BaseModel):
    code: str
    name_th: str
    name_en: str
    agency: str
    agency_name_th: str
    agency_name_en: str
    open: bool
    waiting: int
    estimated_wait_s: int | None
    estimated_wait_range_s: tuple[int, int] | None = None


class CounterOut(BaseModel):
    code: str
    name_th: str
    name_en: str
    state: CounterState
    pause_reason: str
    pause_code: str = ""
    pause_pending: bool = False


class BoardCall(BaseModel):
    ticket_id: str
    number: str
    counter: str
    service: str
    called_at: datetime


class BoardCounter(BaseModel):
    code: str
    name: str
    name_en: str
    status: CounterState
    number: str | None


class Board(BaseModel):
    last_event_id: int
    office_name_th: str
    office_name_en: str
    generated_at: datetime
    calls: list[BoardCall]
    counters: list[BoardCounter]


class Health(BaseModel):
    status: str


class ErrorBody(BaseModel):
    code: str
    message: str
    message_th: str


class Error(BaseModel):
    error: ErrorBody


class PriorityClassOut(BaseModel):
    code: str
    name_th: str
    name_en: str


class KioskLayout(Strict):
    # every service code there can be (one or two capital letters): a provincial centre has 60+
    services: Annotated[list[ServiceCode], Field(max_length=26 + 26 * 26)]
    ask_priority: bool = True
    ask_extra_services: bool = False
    # big tiles on the kiosk's first screen, before the way into every service (all are shown)
    featured: Annotated[list[ServiceCode], Field(max_length=MAX_FEATURED)] = []


class BoardSoundOut(BaseModel):
    """How the office's hall boards sound; a board's own address may override it."""

    chime: bool
    languages: Literal["th", "th,en", "en", "off"]
    repeat: int
    volume: int
    quiet_from: str
    quiet_until: str


class VoicePackRef(BaseModel):
    """The office's own voice pack; boards download it when its version is new to them."""

    version: str
    languages: list[Literal["th", "en"]]


class VoicePackOut(BaseModel):
    """The pack the office's boards say calls with; `version` null: the server's stand-in pack
    (a Kivy board then uses the one it ships with)."""

    version: str | None
    languages: list[Literal["th", "en"]]
    clips: list[str]


class BrandingOut(BaseModel):
    """The office's colours and logo for boards, kiosks and tickets."""

    primary: str  # "#rrggbb": the background
    accent: str  # "#rrggbb": numbers and highlights on the primary colour
    text: str  # "#rrggbb": text on the primary colour
    logo_url: str | None  # a PNG, at most 600x300 px; the address changes with the picture


class BoardLayoutOut(BaseModel):
    """One board's layout (admin: Devices), and the reading rule its text sizes follow."""

    orientation: Literal["auto", "landscape", "portrait"]
    columns: Literal[1, 2]
    waiting_counts: bool
    distance_m: float
    diagonal_in: float
    metres_per_letter_cm: float  # the rule: 1 cm of letter height per this many metres
    thai_letter_em: float  # Sarabun's Thai letter height per font size


class OfficeOut(BaseModel):
    code: str
    name_th: str
    name_en: str
    timezone: str
    hours: str | None
    open_now: bool
    now: datetime
    priority_classes: list[PriorityClassOut]
    kiosk: KioskLayout
    notice_th: str
    notice_en: str
    sound: BoardSoundOut
    voice_pack: VoicePackRef | None
    branding: BrandingOut
    # The office takes bookings: kiosks offer check-in by booking code.
    bookings: bool = False


PrinterStatus = Literal["ok", "offline", "paper_out", "paper_low", "none"]


class HeartbeatRequest(Strict):
    printer: PrinterStatus = "none"
    detail: Annotated[str, Field(max_length=200)] = ""
    version: Annotated[str, Field(max_length=64)] = ""


class HeartbeatOut(BaseModel):
    status: str
    server_time: datetime


class CallTicketRequest(Strict):
    ticket_id: Annotated[str, Field(min_length=1, max_length=36)]
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class DeskQueue(BaseModel):
    service: str
    name_th: str
    name_en: str
    weight: int
    waiting: int
    longest_wait_s: int | None


class DeskWaiting(BaseModel):
    id: str
    number: str
    service: str
    priority: str
    waited_s: int


class DeskToday(BaseModel):
    served: int
    no_shows: int
    transferred: int
    mean_service_s: int | None


class DeskTicket(TicketOut):
    waited_s: int
    recalls: int = 0
    priority_name_th: str
    priority_name_en: str


class DeskService(BaseModel):
    code: str
    name_th: str
    name_en: str
    open: bool


class PauseReasonOut(BaseModel):
    code: str
    name_th: str
    name_en: str


class DeskUndo(BaseModel):
    """The counter's latest no-show while it may still be undone."""

    ticket_id: str
    number: str
    seconds_left: int


class Desk(BaseModel):
    """What an officer's console shows about their counter."""

    last_event_id: int = 0
    pause_reasons: list[PauseReasonOut] = []
    undo: DeskUndo | None = None

    counter: CounterOut
    ticket: DeskTicket | None
    queues: list[DeskQueue]
    waiting: list[DeskWaiting]
    today: DeskToday
    services: list[DeskService]
    counters: list[CounterOut]


class NoticeRequest(BaseModel):
    """What the citizen gives the office's webhook: where to be told, and at how many ahead."""

    model_config = ConfigDict(extra="forbid")

    contact: Annotated[
        str,
        Field(
            min_length=3,
            max_length=100,
            pattern=r"^[0-9A-Za-z+@._\- ]+$",
            description="a phone number or account name for the office's SMS gateway",
        ),
    ]
    ahead: Annotated[int, Field(ge=0, le=50)] | None = None


class NoticeOut(BaseModel):
    ticket_id: str
    ahead: int
