"""Fakes for the presenter's unit tests: an API answering from memory, a printer that records,
runners that run the job at once, a clock that moves when told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from core.codec import TicketView
from core.model import TicketStatus
from kiosk.api import Refused, ServerUnreachable
from kiosk.office import OfficeInfo, PriorityClass, ServiceInfo
from kiosk.presenter import KioskPresenter
from kiosk.printer import PrinterStatus, PrintResult
from kiosk.printer_uri import PrinterSpec
from kiosk.texts import Lang
from kiosk.ticket_layout import TicketContent

BANGKOK = timezone(timedelta(hours=7))
CLASSES = (
    PriorityClass("normal", "ทั่วไป", "General"),
    PriorityClass("elderly", "ผู้สูงอายุ", "Elderly"),
    PriorityClass("monk", "พระภิกษุสงฆ์", "Monk"),
)


def office(**changes: Any) -> OfficeInfo:
    values: dict[str, Any] = {
        "code": "udn",
        "name_th": "ศูนย์บริการร่วม จังหวัดอุดรธานี",
        "name_en": "Udon Thani One-Stop Service Centre",
        "hours": "08:30-16:30",
        "open_now": True,
        "priority_classes": CLASSES,
        "kiosk_services": ("A", "C", "B", "D"),
        "ask_priority": False,
        "ask_extra_services": False,
    }
    values.update(changes)
    return OfficeInfo(**values)


def service(code: str, agency: str = "dopa", **changes: Any) -> ServiceInfo:
    values: dict[str, Any] = {
        "code": code,
        "name_th": f"บริการ {code}",
        "name_en": f"Service {code}",
        "agency": agency,
        "agency_name_th": f"หน่วยงาน {agency}",
        "agency_name_en": f"Agency {agency}",
        "open": True,
        "waiting": 2,
        "estimated_wait_s": 600,
    }
    values.update(changes)
    return ServiceInfo(**values)


SERVICES = [
    service("A"),
    service("B"),
    service("C", "rd", waiting=0, estimated_wait_s=0),
    service("D", "rd", open=False),
]


def ticket(
    number: str = "A001", service: str = "A", priority: str = "normal", extras: tuple[str, ...] = ()
) -> TicketView:
    return TicketView(
        id="t1",
        number=number,
        service=service,
        priority=priority,
        status=TicketStatus.WAITING,
        transactions=tuple((code, False) for code in (service, *extras)),
        people_ahead=2,
        estimated_wait_s=600,
        issued_at=datetime(2026, 11, 26, 10, 15, tzinfo=BANGKOK),
        called_at=None,
        counter=None,
        status_url="http://127.0.0.1:8000/t/t1?key=k",
    )


class FakeApi:
    def __init__(self) -> None:
        self.office_doc = office()
        self.services_list = list(SERVICES)
        self.down = False
        self.refusal: Refused | None = None
        self.issued: list[tuple[str, str | None, list[str], str]] = []
        self.tickets: dict[str, TicketView] = {}  # by idempotency key, like the server
        self.heartbeats: list[tuple[str, str]] = []
        self.heartbeat_known = True
        self.reprinted: list[str] = []

    def office(self) -> OfficeInfo:
        if self.down:
            raise ServerUnreachable("down")
        return self.office_doc

    def services(self) -> list[ServiceInfo]:
        if self.down:
            raise ServerUnreachable("down")
        return self.services_list

    def issue(self, service: str, priority: str | None, extras: list[str], key: str) -> TicketView:
        self.issued.append((service, priority, extras, key))
        if self.down:
            raise ServerUnreachable("down")
        if self.refusal is not None:
            raise self.refusal
        if key not in self.tickets:
            number = f"{service}{len(self.tickets) + 1:03d}"
            self.tickets[key] = ticket(number, service, priority or "normal", tuple(extras))
        return self.tickets[key]

    def reprint(self, ticket_id: str) -> TicketView:
        if self.refusal is not None:
            raise self.refusal
        self.reprinted.append(ticket_id)
        return next(t for t in self.tickets.values() if t.id == ticket_id)

    def heartbeat(self, printer: str, detail: str, version: str) -> bool:
        if self.down:
            raise ServerUnreachable("down")
        self.heartbeats.append((printer, detail))
        return self.heartbeat_known


class FakePrinter:
    def __init__(self, status: PrinterStatus = PrinterStatus.OK) -> None:
        self.spec: PrinterSpec | None = PrinterSpec("dummy")
        self.status = status
        self.printed: list[tuple[TicketContent, Lang]] = []

    def print_ticket(self, content: TicketContent, lang: Lang) -> PrintResult:
        self.printed.append((content, lang))
        if self.status is PrinterStatus.OK:
            return PrintResult(PrinterStatus.OK, sent=100)
        return PrintResult(self.status, "broken")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Deferred:
    """A runner that holds jobs until the test releases them, as a slow thread would."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def __call__(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.pending.append((job, done))

    def release(self) -> None:
        while self.pending:
            job, done = self.pending.pop(0)
            done(run(job))


def run(job: Callable[[], Any]) -> Any:
    try:
        return job()
    except Exception as exc:  # the runner hands the exception to the callback, as the app does
        return exc


def at_once(job: Callable[[], Any], done: Callable[[Any], None]) -> None:
    done(run(job))


def presenter(
    api: FakeApi | None = None,
    printer: FakePrinter | None = None,
    run_network: Any = at_once,
    run_printer: Any = at_once,
) -> tuple[KioskPresenter, FakeApi, FakePrinter, Clock]:
    api = api or FakeApi()
    printer = printer or FakePrinter()
    clock = Clock()
    keys = iter(f"key-{i}" for i in range(1000))
    p = KioskPresenter(
        api,  # type: ignore[arg-type]
        printer,  # type: ignore[arg-type]
        run_network=run_network,
        run_printer=run_printer,
        on_change=lambda: None,
        clock=clock,
        version="test",
        new_key=lambda: next(keys),
    )
    p.start()
    return p, api, printer, clock
