"""The kiosk's state and decisions, without Kivy: what screen shows, what each button says and
does, when to go back home, when to retry.

Slow work (HTTP, printing) goes to the two runners the app gives: each takes a job and a callback
that must be called on the UI thread with the job's result or the exception it raised. Every
public method is a citizen's tap or a clock tick, runs on the UI thread, and never raises for
anything a citizen can do.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.codec import TicketView
from kiosk.api import KioskApi, Refused, ServerUnreachable
from kiosk.checkin import CodeEntry
from kiosk.home_pages import (
    CATALOGUE_CODE,
    TileKind,
    agencies_first,
    featured_first,
    home_page,
    pages_needed,
)
from kiosk.office import OfficeInfo, ServiceInfo, kiosk_groups
from kiosk.printer import PrinterStatus, PrintResult, TicketPrinter
from kiosk.priority_pictograms import pictogram
from kiosk.texts import Lang, text, wait_line, wait_text
from kiosk.ticket_layout import TicketContent

log = logging.getLogger(__name__)
Runner = Callable[[Callable[[], Any], Callable[[Any], None]], None]

REFRESH_S = 10.0  # waiting counts on the home screen
RETRY_S = 2.0  # server unreachable: try again this often, same Idempotency-Key
RESULT_S = 8.0  # the number stays this long after a printed ticket
NOTE_NUMBER_S = 30.0  # ... and this long when the citizen must write it down
IDLE_S = 45.0  # no touch this long while choosing: "are you still there?"
IDLE_WARNING_S = 15.0  # ... and without a touch this long after it, back to the Thai home page
MESSAGE_S = 8.0  # a refusal shown on the home screen
HEARTBEAT_S = 30.0


class Screen(StrEnum):
    LOADING = "loading"
    HOME = "home"
    PRIORITY = "priority"
    EXTRAS = "extras"
    CHECK_IN = "check_in"
    ISSUING = "issuing"
    RESULT = "result"
    OUT_OF_SERVICE = "out_of_service"


class PrintState(StrEnum):
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"  # printer offline, out of paper...: note the number
    NO_PRINTER = "no_printer"


@dataclass(frozen=True)
class ChoicesPage:
    choices: tuple[Choice, ...]
    page: int
    pages: int
    label: str


@dataclass(frozen=True)
class HomeTile:
    kind: TileKind
    code: str
    agency: str  # the agency's name, when services of several agencies share the page
    title: str
    # the name in the other language (not in large text nor beside the agency: room for the name)
    subtitle: str
    detail: str  # people waiting and the expected wait, how many services, or why closed
    enabled: bool


@dataclass(frozen=True)
class HomeView:
    heading: str  # the chosen agency, or the question
    tiles: tuple[HomeTile, ...]
    page: int
    pages: int
    page_label: str  # "page 2 of 5", empty with one page
    in_agency: bool  # a way back to every agency is offered
    in_catalogue: bool = False  # past the featured services: a way back to them is offered


@dataclass(frozen=True)
class Choice:
    code: str
    title: str
    selected: bool = False
    pictogram: str = ""  # a picture file beside the title (priority groups)


class KioskPresenter:
    def __init__(
        self,
        api: KioskApi,
        printer: TicketPrinter,
        *,
        run_network: Runner,
        run_printer: Runner,
        on_change: Callable[[], None],
        clock: Callable[[], float],
        version: str = "",
        new_key: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._api = api
        self._printer = printer
        self._run_network = run_network
        self._run_printer = run_printer
        self._on_change = on_change
        self._clock = clock
        self._version = version
        self._new_key = new_key

        self.screen = Screen.LOADING
        self.lang = Lang.TH
        self.office: OfficeInfo | None = None
        self.services: list[ServiceInfo] = []
        self.message = ""  # a refusal, shown on the home screen for a while
        self.service: ServiceInfo | None = None
        self.priority: str | None = None
        self.extras: list[str] = []
        self.ticket: TicketView | None = None
        self.print_state = PrintState.PRINTING
        self.printer_status = PrinterStatus.NONE if printer.spec is None else PrinterStatus.OK
        self.printer_detail = ""
        self.large_text = False
        self.page_size = 9  # tiles per home page: the app sets it from the window and text size
        self.agency: str | None = None  # chosen first when the services need several pages
        self.catalogue = False  # past the featured services' first screen, to every service
        self.page = 0
        self.choices_per_page = 8  # priority groups or extra services on one page (the app sets it)
        self.choice_page = 0
        self.idle_warning = False  # "still there?" before an abandoned choice is reset
        self.reprint_message = ""
        self.entry = CodeEntry()  # a booking code typed or scanned
        self.check_in_message = ""  # why the last code was refused, on the check-in screen

        self._reprint_in_flight = False
        self._check_in_in_flight = False

        self._issue_key: str | None = None  # set while a tap waits for its ticket
        self._issue_in_flight = False
        self._agency_page = 0
        self._warned_at = 0.0
        self._load_in_flight = False
        self._heartbeat_in_flight = False
        self._heartbeat_unknown = False  # an older server answered 404
        now = clock()
        self._last_touch = now
        self._screen_since = now
        self._message_since = now
        self._next_load = now
        self._next_retry = now
        self._next_heartbeat = now

    # --- what the screens show -------------------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    @property
    def office_name(self) -> str:
        if self.office is None:
            return ""
        return self.office.name_th if self.lang is Lang.TH else self.office.name_en

    @property
    def office_open(self) -> bool:
        return self.office is not None and self.office.open_now

    def home_title(self) -> str:
        """ "Choose a service", or that the office is closed and when it opens."""
        if self.office is None or self.office.open_now:
            return self.t("title")
        if self.office.hours:
            return self.t("office_closed") + "  " + self.t("hours", hours=self.office.hours)
        return self.t("office_closed")

    def _service_tile(self, svc: ServiceInfo, with_agency: bool) -> HomeTile:
        assert self.office is not None
        th = self.lang is Lang.TH
        enabled = svc.open and self.office.open_now
        if enabled:
            parts = [
                self.t("waiting", n=svc.waiting),
                wait_text(svc.waiting, svc.estimated_wait_s, self.lang),
            ]
            detail = "  ·  ".join(p for p in parts if p)
        else:
            detail = self.t("service_closed")
        # large letters need the whole tile for the name: no agency line, no other language
        with_agency = with_agency and not self.large_text
        return HomeTile(
            kind=TileKind.SERVICE,
            code=svc.code,
            agency=(svc.agency_name_th if th else svc.agency_name_en) if with_agency else "",
            title=svc.name_th if th else svc.name_en,
            subtitle="" if self.large_text or with_agency else (svc.name_en if th else svc.name_th),
            detail=detail,
            enabled=enabled,
        )

    def home_view(self) -> HomeView:
        if self.office is None:
            return HomeView(self.home_title(), (), 0, 1, "", False)
        th = self.lang is Lang.TH
        groups = kiosk_groups(self.office, self.services)
        featured = self.office.featured
        page = home_page(groups, self.page_size, self.agency, self.page, featured, self.catalogue)
        by_code = {s.code: s for g in groups for s in g.services}
        agencies = {g.agency: g for g in groups}
        mixed = len(groups) > 1 and page.agency is None
        tiles = []
        for tile in page.tiles:
            if tile.kind is TileKind.SERVICE:
                tiles.append(self._service_tile(by_code[tile.code], mixed))
                continue
            if tile.kind is TileKind.CATALOGUE:
                tiles.append(self._catalogue_tile(groups))
                continue
            group = agencies[tile.code]
            open_ = [s for s in group.services if s.open]
            tiles.append(
                HomeTile(
                    kind=TileKind.AGENCY,
                    code=group.agency,
                    agency="",
                    title=group.name_th if th else group.name_en,
                    subtitle="" if self.large_text else (group.name_en if th else group.name_th),
                    detail=self.t("services_count", n=len(group.services)),
                    enabled=bool(open_) and self.office.open_now,
                )
            )
        heading = self.home_title()
        if page.agency is not None:
            heading = page.agency.name_th if th else page.agency.name_en
        elif agencies_first(groups, self.page_size) and self.office.open_now and not page.featured:
            heading = self.t("choose_agency")
        label = "" if page.pages == 1 else self.t("page_of", n=page.page + 1, of=page.pages)
        return HomeView(
            heading,
            tuple(tiles),
            page.page,
            page.pages,
            label,
            page.agency is not None,
            in_catalogue=page.agency is None and self._catalogue_shown(groups),
        )

    def _catalogue_shown(self, groups: list[Any]) -> bool:
        assert self.office is not None
        return self.catalogue and featured_first(groups, self.office.featured, self.page_size)

    def _catalogue_tile(self, groups: list[Any]) -> HomeTile:
        """The way from the featured services to every service."""
        assert self.office is not None
        services = sum(len(g.services) for g in groups)
        other = Lang.EN if self.lang is Lang.TH else Lang.TH
        return HomeTile(
            kind=TileKind.CATALOGUE,
            code=CATALOGUE_CODE,
            agency="",
            title=self.t("all_services"),
            subtitle="" if self.large_text else text("all_services", other),
            detail=self.t("catalogue_count", n=services, agencies=len(groups)),
            enabled=self.office.open_now,
        )

    def priority_choices(self) -> list[Choice]:
        if self.office is None:
            return []
        th = self.lang is Lang.TH
        return [
            Choice(
                c.code,
                c.name_th if th else c.name_en,
                c.code == self.priority,
                str(pictogram(c.code)),
            )
            for c in self.office.priority_classes
        ]

    def extra_choices(self) -> list[Choice]:
        if self.office is None:
            return []
        chosen = self.service.code if self.service else ""
        th = self.lang is Lang.TH
        groups = kiosk_groups(self.office, self.services)
        if agencies_first(groups, self.page_size) and self.service is not None:
            # a large office: the other services of the same agency, not a list of sixty
            groups = [g for g in groups if g.agency == self.service.agency]
        return [
            Choice(s.code, s.name_th if th else s.name_en, s.code in self.extras)
            for group in groups
            for s in group.services
            if s.code != chosen and s.open
        ]

    def choices_page(self) -> ChoicesPage:
        """The priority groups or extra services of the page shown."""
        choices = self.extra_choices() if self.screen is Screen.EXTRAS else self.priority_choices()
        size = max(1, self.choices_per_page)
        pages = pages_needed(len(choices), size)
        page = min(self.choice_page, pages - 1)
        label = "" if pages == 1 else self.t("page_of", n=page + 1, of=pages)
        return ChoicesPage(tuple(choices[page * size : (page + 1) * size]), page, pages, label)

    def result_lines(self) -> dict[str, str]:
        """The result screen's texts: number, service, people ahead, wait, printer line."""
        if self.ticket is None or self.service is None:
            return {}
        th = self.lang is Lang.TH
        ticket = self.ticket
        printing = {
            PrintState.PRINTING: self.t("printing"),
            PrintState.PRINTED: self.t("printed"),
            PrintState.FAILED: self.t("printer_failed"),
            PrintState.NO_PRINTER: self.t("no_printer"),
        }[self.print_state]
        return {
            "caption": self.t("your_number"),
            "number": self.ticket.number,
            "service": self.service.name_th if th else self.service.name_en,
            "ahead": self.t("people_ahead", n=ticket.people_ahead),
            "wait": wait_line(
                ticket.people_ahead,
                ticket.estimated_wait_s,
                ticket.estimated_wait_range_s,
                self.lang,
            ),
            "printing": self.reprint_message or printing,
            "finish": "" if self.print_state is PrintState.PRINTING else self.t("tap_to_finish"),
            "again": self.t("print_again") if self.can_print_again else "",
        }

    @property
    def can_print_again(self) -> bool:
        """The same ticket once more (a jam, a torn slip), while its number is on the screen."""
        return (
            self.screen is Screen.RESULT
            and self.ticket is not None
            and self.print_state in (PrintState.PRINTED, PrintState.FAILED)
            and not self._reprint_in_flight
        )

    # --- taps --------------------------------------------------------------------------------

    def _touched(self) -> None:
        self._last_touch = self._clock()

    def still_here(self) -> None:
        """Any touch anywhere: a citizen still reading or choosing is never reset."""
        self._touched()
        if self.idle_warning:
            self.idle_warning = False
            self._changed()

    def toggle_language(self) -> None:
        self._touched()
        self.lang = Lang.EN if self.lang is Lang.TH else Lang.TH
        self._changed()

    def toggle_large_text(self) -> None:
        self._touched()
        self.large_text = not self.large_text
        self.page = 0  # fewer tiles fit: the page the citizen was on is gone
        self._changed()

    def open_agency(self, code: str) -> None:
        self._touched()
        if self.screen is not Screen.HOME or self.office is None:
            return
        groups = kiosk_groups(self.office, self.services)
        if any(g.agency == code for g in groups) and agencies_first(groups, self.page_size):
            self._agency_page = self.page
            self.agency, self.page, self.catalogue = code, 0, True
            self._changed()

    def open_catalogue(self) -> None:
        """From the featured services to every service (agencies first when they need it)."""
        self._touched()
        if self.screen is Screen.HOME and not self.catalogue:
            self.catalogue, self.agency, self.page = True, None, 0
            self._changed()

    def go_up(self) -> None:
        """The bar's way back: from an agency's services to every agency, from there (or from
        every service) to the featured services."""
        if self.agency is not None:
            self.all_agencies()
            return
        self._touched()
        if self.screen is Screen.HOME and self.catalogue:
            self.catalogue, self.page = False, 0
            self._changed()

    def all_agencies(self) -> None:
        self._touched()
        if self.screen is Screen.HOME and self.agency is not None:
            self.agency, self.page = None, self._agency_page
            self._changed()

    def next_page(self) -> None:
        self._turn(+1)

    def previous_page(self) -> None:
        self._turn(-1)

    def _turn(self, step: int) -> None:
        self._touched()
        if self.screen in (Screen.PRIORITY, Screen.EXTRAS):
            choices = self.choices_page()
            page = min(max(0, choices.page + step), choices.pages - 1)
            if page != choices.page:
                self.choice_page = page
                self._changed()
        elif self.screen is Screen.HOME:
            view = self.home_view()
            page = min(max(0, view.page + step), view.pages - 1)
            if page != view.page:
                self.page = page
                self._changed()

    def choose_service(self, code: str) -> None:
        self._touched()
        if self.screen is not Screen.HOME or self.office is None:
            return
        svc = next((s for s in self.services if s.code == code), None)
        if svc is None or not svc.open or not self.office.open_now:
            return  # the button says it is closed; a tap on it does nothing
        self.message = ""
        self.service, self.priority, self.extras = svc, None, []
        if self.office.ask_priority and self.office.priority_classes:
            self._show(Screen.PRIORITY)
        else:
            self._after_priority()

    def choose_priority(self, code: str) -> None:
        self._touched()
        if self.screen is not Screen.PRIORITY or self.office is None:
            return
        if code not in {c.code for c in self.priority_choices()}:
            return
        self.priority = code
        self._after_priority()

    def _after_priority(self) -> None:
        assert self.office is not None
        if self.office.ask_extra_services and self.extra_choices():
            self._show(Screen.EXTRAS)
        else:
            self._issue()

    def toggle_extra(self, code: str) -> None:
        self._touched()
        if self.screen is not Screen.EXTRAS:
            return
        if code in self.extras:
            self.extras.remove(code)
        elif code in {c.code for c in self.extra_choices()}:
            self.extras.append(code)
        self._changed()

    def confirm_extras(self) -> None:
        self._touched()
        if self.screen is Screen.EXTRAS:
            self._issue()

    def back(self) -> None:
        self._touched()
        if self.screen in (Screen.PRIORITY, Screen.EXTRAS, Screen.CHECK_IN):
            self._go_home()

    # --- check-in of a booking ---------------------------------------------------------------

    @property
    def offers_check_in(self) -> bool:
        return self.office is not None and self.office.bookings

    def open_check_in(self) -> None:
        self._touched()
        if self.screen is Screen.HOME and self.offers_check_in:
            self.entry.clear()
            self.check_in_message = ""
            self._show(Screen.CHECK_IN)

    def press_key(self, key: str) -> None:
        self._touched()
        if self.screen is Screen.CHECK_IN:
            self.entry.press(key)
            self.check_in_message = ""
            self._changed()

    def erase_key(self) -> None:
        self._touched()
        if self.screen is Screen.CHECK_IN:
            self.entry.erase()
            self._changed()

    def submit_code(self) -> None:
        self._touched()
        if self.screen is Screen.CHECK_IN:
            self._enter()

    def keyboard_text(self, text: str) -> None:
        """Characters from a keyboard or a USB barcode scanner, on whatever screen is shown."""
        self._touched()
        visible = self.screen is Screen.CHECK_IN
        self.entry.typed(text, self._clock(), visible)
        if visible:
            self.check_in_message = ""
            self._changed()

    def keyboard_backspace(self) -> None:
        self.erase_key()

    def keyboard_enter(self) -> None:
        self._touched()
        self._enter()

    def _enter(self) -> None:
        visible = self.screen is Screen.CHECK_IN
        code = self.entry.enter(visible)
        ready = self.screen in (Screen.HOME, Screen.PRIORITY, Screen.EXTRAS, Screen.CHECK_IN)
        if not ready or not self.offers_check_in or self._check_in_in_flight:
            return
        if code is None:
            if visible:
                self.check_in_message = self.t("code_incomplete")
                self._changed()
            return
        self.entry.clear()
        self._check_in(lambda: self._api.check_in(code))

    def card_read(self, citizen_id: str) -> None:
        """A Thai ID card was inserted and its citizen ID read (kiosk.idcard): check in today's
        booking made with it. The number is passed on, never kept or shown."""
        self._touched()
        ready = self.screen in (Screen.HOME, Screen.PRIORITY, Screen.EXTRAS, Screen.CHECK_IN)
        if ready and self.offers_check_in and not self._check_in_in_flight:
            self._check_in(lambda: self._api.check_in_citizen(citizen_id))

    def card_unreadable(self) -> None:
        self._touched()
        ready = self.screen in (Screen.HOME, Screen.PRIORITY, Screen.EXTRAS, Screen.CHECK_IN)
        if ready and self.offers_check_in and not self._check_in_in_flight:
            self.entry.clear()
            self.check_in_message = self.t("card_unreadable")
            self._show(Screen.CHECK_IN)

    def _check_in(self, call: Callable[[], TicketView]) -> None:
        self.message, self.check_in_message = "", ""
        self._check_in_in_flight = True
        self._show(Screen.ISSUING)
        self._run_network(call, self._checked_in)

    def _checked_in(self, outcome: object) -> None:
        self._check_in_in_flight = False
        if isinstance(outcome, BaseException):
            if isinstance(outcome, Refused):
                th = self.lang is Lang.TH
                self.check_in_message = outcome.message_th if th else outcome.message_en
            else:
                # The server may have checked in and the answer got lost: the same code again
                # gives the same ticket, so the citizen simply tries again.
                log.warning("check-in not possible now: %s", outcome)
                self.check_in_message = self.t("check_in_unreachable")
            self._show(Screen.CHECK_IN)
            return
        assert isinstance(outcome, TicketView)
        self.service = next((s for s in self.services if s.code == outcome.service), None)
        if self.service is None:  # a service the kiosk does not list: its number still prints
            self.service = ServiceInfo(outcome.service, "", "", "", "", "", True, 0, None)
        self._got_ticket(outcome)

    def tap_result(self) -> None:
        self._touched()
        if self.screen is Screen.RESULT and self.print_state is not PrintState.PRINTING:
            self._go_home(new_citizen=True)

    def print_again(self) -> None:
        """The server hands back the same ticket (and audits the reprint); it prints again."""
        self._touched()
        if not self.can_print_again:
            return
        assert self.ticket is not None
        ticket_id = self.ticket.id
        self._reprint_in_flight = True
        self.reprint_message = ""
        self.print_state = PrintState.PRINTING
        self._changed()
        self._run_network(lambda: self._api.reprint(ticket_id), self._reprinted)

    def _reprinted(self, outcome: object) -> None:
        self._reprint_in_flight = False
        if isinstance(outcome, BaseException):
            if isinstance(outcome, Refused):
                self.reprint_message = (
                    outcome.message_th if self.lang is Lang.TH else outcome.message_en
                )
            else:
                log.warning("reprint not possible now: %s", outcome)
                self.reprint_message = self.t("reprint_unreachable")
            self.print_state = PrintState.FAILED
            self._screen_since = self._clock()
            self._changed()
            return
        assert isinstance(outcome, TicketView)
        self.ticket = outcome
        content = self._ticket_content(outcome)
        lang = self.lang
        self._run_printer(lambda: self._printer.print_ticket(content, lang), self._printed)

    # --- the clock ---------------------------------------------------------------------------

    def start(self) -> None:
        self._load()

    def tick(self) -> None:
        now = self._clock()
        in_screen = now - self._screen_since
        if self.screen is Screen.RESULT and self.print_state is not PrintState.PRINTING:
            stay = NOTE_NUMBER_S if self.print_state is PrintState.FAILED else RESULT_S
            if in_screen >= stay:
                self._go_home(new_citizen=True)
        if now - self._last_touch >= IDLE_S and self._choosing():
            if not self.idle_warning:
                self.idle_warning = True
                self._warned_at = now
                self._changed()
            elif now - self._warned_at >= IDLE_WARNING_S:
                self.idle_warning = False
                self._go_home(new_citizen=True)
        elif self.idle_warning and not self._choosing():
            self.idle_warning = False
            self._changed()
        if self.message and now - self._message_since >= MESSAGE_S:
            self.message = ""
            self._changed()
        if self._issue_key is not None and not self._issue_in_flight and now >= self._next_retry:
            self._send_issue()
        waiting_for_office = self.screen in (Screen.LOADING, Screen.HOME, Screen.OUT_OF_SERVICE)
        if waiting_for_office and not self._load_in_flight and now >= self._next_load:
            self._load()
        if now >= self._next_heartbeat:
            self._heartbeat()

    def _choosing(self) -> bool:
        """Someone has left the kiosk somewhere else than the Thai first home page."""
        if self.screen in (Screen.PRIORITY, Screen.EXTRAS, Screen.CHECK_IN):
            return True
        return self.screen is Screen.HOME and (
            self.lang is not Lang.TH
            or self.large_text
            or self.agency is not None
            or self.catalogue
            or self.page > 0
        )

    # --- work off the UI thread --------------------------------------------------------------

    def _load(self) -> None:
        self._load_in_flight = True
        self._run_network(lambda: (self._api.office(), self._api.services()), self._loaded)

    def _loaded(self, outcome: object) -> None:
        self._load_in_flight = False
        self._next_load = self._clock() + REFRESH_S
        if isinstance(outcome, BaseException):
            log.warning("cannot load the office: %s", outcome)
            self._next_load = self._clock() + RETRY_S
            if self.screen in (Screen.LOADING, Screen.HOME):
                self._show(Screen.OUT_OF_SERVICE)
            return
        self.office, self.services = outcome  # type: ignore[misc]
        if self.screen in (Screen.LOADING, Screen.OUT_OF_SERVICE) and self._issue_key is None:
            self._show(Screen.HOME)
        else:
            self._changed()

    def _issue(self) -> None:
        self._issue_key = self._new_key()
        self._show(Screen.ISSUING)
        self._send_issue()

    def _send_issue(self) -> None:
        assert self.service is not None and self._issue_key is not None
        service, priority, extras, key = (
            self.service.code,
            self.priority,
            list(self.extras),
            self._issue_key,
        )
        self._issue_in_flight = True
        self._run_network(lambda: self._api.issue(service, priority, extras, key), self._issued)

    def _issued(self, outcome: object) -> None:
        self._issue_in_flight = False
        if isinstance(outcome, Refused):
            self._issue_key = None
            self.message = outcome.message_th if self.lang is Lang.TH else outcome.message_en
            self._message_since = self._clock()
            self._next_load = self._clock()  # the refusal may mean the office changed
            self._go_home(keep_message=True)
            return
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, ServerUnreachable):
                log.error("issuing failed unexpectedly", exc_info=outcome)
            else:
                log.warning("server unreachable, retrying with the same key: %s", outcome)
            self._next_retry = self._clock() + RETRY_S
            if self.screen is not Screen.OUT_OF_SERVICE:
                self._show(Screen.OUT_OF_SERVICE)
            return
        assert isinstance(outcome, TicketView)
        self._issue_key = None
        self._got_ticket(outcome)

    def _got_ticket(self, outcome: TicketView) -> None:
        """A ticket issued or checked in: on the screen and to the printer."""
        self.ticket = outcome
        self.print_state = PrintState.PRINTING
        self._show(Screen.RESULT)
        self._next_load = self._clock()
        content = self._ticket_content(outcome)
        lang = self.lang
        self._run_printer(lambda: self._printer.print_ticket(content, lang), self._printed)

    def _ticket_content(self, ticket: TicketView) -> TicketContent:
        assert self.office is not None and self.service is not None
        cls = self.office.priority_class(ticket.priority)
        normal = self.office.priority_classes[0].code if self.office.priority_classes else ""
        return TicketContent(
            office_th=self.office.name_th,
            office_en=self.office.name_en,
            service_th=self.service.name_th,
            service_en=self.service.name_en,
            agency_th=self.service.agency_name_th,
            agency_en=self.service.agency_name_en,
            extras=tuple(
                (s.name_th, s.name_en)
                for code, _done in ticket.transactions[1:]
                for s in self.services
                if s.code == code
            ),
            number=ticket.number,
            priority_th=cls.name_th,
            priority_en=cls.name_en,
            priority_is_normal=ticket.priority in (normal, "normal"),
            people_ahead=ticket.people_ahead,
            estimated_wait_s=ticket.estimated_wait_s,
            estimated_wait_range_s=ticket.estimated_wait_range_s,
            issued_at=ticket.issued_at,
            status_url=ticket.status_url,
            logo=self.office.logo,
        )

    def _printed(self, outcome: object) -> None:
        if isinstance(outcome, BaseException):
            log.error("printing failed unexpectedly", exc_info=outcome)
            outcome = PrintResult(PrinterStatus.OFFLINE, f"{type(outcome).__name__}: {outcome}")
        assert isinstance(outcome, PrintResult)
        if outcome.status is PrinterStatus.NONE:
            self.print_state = PrintState.NO_PRINTER
        else:
            self.print_state = PrintState.PRINTED if outcome.printed else PrintState.FAILED
        if self.screen is Screen.RESULT:
            self._screen_since = self._clock()  # the number stays its full time from now
        changed = outcome.status is not self.printer_status
        self.printer_status, self.printer_detail = outcome.status, outcome.detail
        if changed:
            self._heartbeat()
        self._changed()

    def _heartbeat(self) -> None:
        self._next_heartbeat = self._clock() + HEARTBEAT_S
        if self._heartbeat_in_flight:
            return  # its answer checks whether the status moved on meanwhile
        self._heartbeat_in_flight = True
        status, detail = self.printer_status, self.printer_detail
        self._run_network(
            lambda: self._api.heartbeat(status.value, detail, self._version),
            lambda outcome: self._heartbeat_done(status, outcome),
        )

    def _heartbeat_done(self, status: PrinterStatus, outcome: object) -> None:
        self._heartbeat_in_flight = False
        if outcome is False and not self._heartbeat_unknown:
            log.info("the server does not know heartbeats (404); the kiosk works on without")
            self._heartbeat_unknown = True
        elif isinstance(outcome, BaseException):
            log.warning("heartbeat not delivered: %s", outcome)
            if isinstance(outcome, ServerUnreachable):  # soon again; a refusal waits its period
                self._next_heartbeat = self._clock() + RETRY_S
        elif status is not self.printer_status:
            self._heartbeat()

    # --- screens -----------------------------------------------------------------------------

    def _show(self, screen: Screen) -> None:
        if screen is not self.screen:
            self.choice_page = 0
        self.screen = screen
        self._screen_since = self._clock()
        self._changed()

    def _go_home(self, keep_message: bool = False, new_citizen: bool = False) -> None:
        """Home; for the next citizen (after a ticket, or left alone) in Thai, normal text, on
        the first page."""
        if not keep_message:
            self.message = ""
        self.service, self.priority, self.extras = None, None, []
        self.reprint_message = ""
        self.entry.clear()
        self.check_in_message = ""
        if new_citizen:
            self.lang, self.large_text = Lang.TH, False
            self.agency, self.page, self.catalogue = None, 0, False
        self._show(Screen.HOME)

    def _changed(self) -> None:
        self._on_change()
