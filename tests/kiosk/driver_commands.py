"""The commands of tests/kiosk/kiosk_driver.py, run on the Kivy thread. Importing this module
opens Kivy's window: kiosk_driver configures Kivy first."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.widget import Widget

from core.codec import TicketView
from core.model import TicketStatus
from kiosk.app import (
    LARGE_MIN_FONT_PX,
    MIN_FONT_PX,
    QR_MIN_PX,
    TOUCH_PX,
    FitLabel,
    KioskApp,
)
from kiosk.home_pages import agencies_first, featured_first
from kiosk.office import (
    OfficeInfo,
    ServiceInfo,
    kiosk_groups,
    office_from_json,
    services_from_json,
)
from kiosk.presenter import PrintState, Screen
from kiosk.texts import Lang
from tests.kiosk.layout_check import layout_faults


def reply(**values: Any) -> None:
    sys.stdout.write("@@ " + json.dumps(values, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class Driver:
    def __init__(self, app: KioskApp) -> None:
        self.app = app

    @property
    def presenter(self) -> Any:
        return self.app.presenter

    def run(self, line: str) -> None:
        """Called on the Kivy thread for each command line."""
        name, *args = line.split()
        try:
            getattr(self, f"do_{name}")(*args)
        except Exception as exc:  # a bad command is the test's mistake: say so, keep going
            reply(ok=False, error=f"{type(exc).__name__}: {exc}")

    def _until(self, condition: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s

        def check(_dt: float) -> bool:
            if condition():
                # two more frames so that what the state says is also drawn
                Clock.schedule_once(lambda _: Clock.schedule_once(lambda _: reply(ok=True)), 0)
                return False
            if time.monotonic() > deadline:
                reply(ok=False, error=f"timeout waiting for {what}", state=self.snapshot())
                return False
            return True

        Clock.schedule_interval(check, 0.05)

    def do_wait(self, screen: str, timeout_s: str = "30") -> None:
        self._until(lambda: self.presenter.screen.value == screen, float(timeout_s), screen)

    def do_wait_print(self, timeout_s: str = "30") -> None:
        self._until(
            lambda: self.presenter.print_state is not PrintState.PRINTING,
            float(timeout_s),
            "printing",
        )

    def _touch(self, widget: Widget) -> None:
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        reply(ok=True, at=[round(x), round(y)])

    def _screen(self, name: str) -> Any:
        return self.app.screens.get_screen(name)

    def do_tap_service(self, code: str) -> None:
        self._touch(self._screen("home").tiles[code])

    def do_tap_tile(self, code: str) -> None:
        """A service or an agency on the home page shown."""
        self._touch(self._screen("home").tiles[code])

    def do_catalogue(self, path: str) -> None:
        """From now on the kiosk's office and services come from this file (the layout tests'
        generated catalogues), not from a server."""
        doc = json.loads(Path(path).read_text())
        api = StaticApi(office_from_json(doc["office"]), services_from_json(doc["services"]))
        self.presenter._api = api
        self.presenter._load()
        self._until(lambda: self.presenter.office is api.office_info, 30, "the catalogue")

    def _after_frames(self, then: Callable[[], None], frames: int = 3) -> None:
        if frames == 0:
            then()
            return
        Clock.schedule_once(lambda _dt: self._after_frames(then, frames - 1), 0)

    def do_sweep(self, path: str) -> None:
        """Every screen of every catalogue and mode in the file, at this window size: the faults
        found and how many screens were checked. Runs across frames, then replies once."""
        spec = json.loads(Path(path).read_text())
        steps = _sweep_steps(self.app, spec)
        faults: list[str] = []
        checked = 0
        shots: list[str] = []

        def next_step() -> None:
            step = next(steps, None)
            if step is None:
                reply(ok=True, faults=faults, checked=checked, screenshots=shots)
                return
            self.app.refresh()
            self._after_frames(lambda: check(step))

        def check(step: tuple[str, bool]) -> None:
            nonlocal checked
            name, shoot = step
            min_font = LARGE_MIN_FONT_PX if self.presenter.large_text else MIN_FONT_PX
            try:
                found = layout_faults(
                    self.app.screens.current_screen,
                    tuple(Window.size),
                    min_font,
                    TOUCH_PX,
                    qr=QR_MIN_PX,
                )
            except Exception as exc:  # the check's own bug: say so rather than hang the test
                found = [f"layout check failed: {type(exc).__name__}: {exc}"]
            faults.extend(f"{name}: {f}" for f in found)
            checked += 1
            if shoot:
                target = Path(spec["folder"]) / f"kiosk-{name}.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(Window.screenshot(name=str(target)), target)
                shots.append(str(target))
            next_step()

        next_step()

    def do_tap_choice(self, code: str) -> None:
        screen = self.app.screens.current_screen
        (button,) = [b for b in screen.ids.choices.children if b.code == code]
        self._touch(button)

    def do_tap_key(self, key: str) -> None:
        """A key of the check-in screen's keypad."""
        (button,) = [b for b in self._screen("check_in").ids.keypad.children if b.text == key]
        self._touch(button)

    def do_scan(self, text: str) -> None:
        """What a USB barcode scanner does: each character as a key press, then Enter, through
        the window's own keyboard events."""
        for ch in text:
            Window.dispatch("on_key_down", ord(ch.lower()), 0, ch, [])
            Window.dispatch("on_textinput", ch)
            Window.dispatch("on_key_up", ord(ch.lower()), 0)
        Window.dispatch("on_key_down", 13, 40, None, [])
        Window.dispatch("on_key_up", 13, 40)
        reply(ok=True)

    def do_tap_widget(self, screen: str, widget_id: str) -> None:
        self._touch(self._screen(screen).ids[widget_id])

    def do_tap_result(self) -> None:
        self._touch(self._screen("result").ids.number)

    def do_screenshot(self, path: str) -> None:
        def save(_dt: float) -> None:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            # Window.screenshot numbers its files; keep the name the test asked for
            try:
                os.replace(Window.screenshot(name=str(target)), target)
            except OSError as exc:
                reply(ok=False, error=f"screenshot: {exc}")
            else:
                reply(ok=True, path=str(target), size=list(Window.size))

        Clock.schedule_once(save, 0.1)

    def snapshot(self) -> dict[str, Any]:
        p = self.presenter
        current = self.app.screens.current_screen
        return {
            "screen": p.screen.value,
            "lang": p.lang.value,
            "print_state": p.print_state.value,
            "printer_status": p.printer_status.value,
            "message": p.message,
            "shown": self.app.screens.current,
            "primary": list(self.app.primary),
            "logo": list(self.app.logo.size) if self.app.logo is not None else None,
            "texts": {
                k: w.content if isinstance(w, FitLabel) else getattr(w, "text", None)
                for k, w in current.ids.items()
            },
            "buttons": {
                code: {"title": b.title, "detail": b.detail, "enabled": b.enabled}
                for code, b in getattr(self._screen("home"), "tiles", {}).items()
            },
        }

    def do_redraws(self, seconds: str) -> None:
        """How many frames the window draws in that many seconds (none, when nothing moves)."""
        count = 0

        def drawn(*_: Any) -> None:
            nonlocal count
            count += 1

        Window.bind(on_flip=drawn)

        def done(_dt: float) -> None:
            Window.unbind(on_flip=drawn)
            reply(ok=True, frames=count)

        Clock.schedule_once(done, float(seconds))

    def do_state(self) -> None:
        reply(ok=True, state=self.snapshot())

    def do_quit(self) -> None:
        reply(ok=True)
        self.app.stop()


class StaticApi:
    """The kiosk API answering with one catalogue; issuing is not for layout tests."""

    def __init__(self, office: OfficeInfo, services: list[ServiceInfo]) -> None:
        self.office_info = office
        self.services_list = services

    def office(self) -> OfficeInfo:
        return self.office_info

    def services(self) -> list[ServiceInfo]:
        return self.services_list

    def heartbeat(self, printer: str, detail: str, version: str) -> bool:
        return True


def _sample_ticket(number: str, services: list[ServiceInfo]) -> TicketView:
    return TicketView(
        id="layout",
        number=number,
        service=services[0].code,
        priority="elderly",
        status=TicketStatus.WAITING,
        transactions=tuple((s.code, False) for s in services[:3]),
        people_ahead=12,
        estimated_wait_s=1500,
        issued_at=datetime(2026, 11, 26, 10, 15, tzinfo=UTC),
        called_at=None,
        counter=None,
        status_url="http://192.168.1.10:8000/t/0123456789abcdef0123456789abcdef?key=" + "k" * 24,
    )


def _sweep_steps(app: KioskApp, spec: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    """Puts the kiosk in each state to check; yields (name, whether to save a screenshot)."""
    p = app.presenter
    # the presenter's clock stands still: no "back home" after the result's seconds, no reloads
    now = p._clock()
    p._clock = lambda: now
    p._screen_since = p._last_touch = now
    for case in spec["cases"]:
        office = office_from_json(case["office"])
        services = services_from_json(case["services"])
        p._api = StaticApi(office, services)
        p.office, p.services = office, services
        for lang, large in spec["modes"]:
            mode = f"{case['name']}-{lang}{'-large' if large else ''}-{spec['size']}"
            shoot = case["name"] in spec["shots"]
            p.lang, p.large_text = Lang(lang), large
            p.agency, p.page, p.screen, p.catalogue = None, 0, Screen.HOME, False
            p.service, p.ticket, p.extras = None, None, []
            yield f"{mode}-home", shoot
            view = p.home_view()
            if view.pages > 1:
                p.page = view.pages - 1
                yield f"{mode}-home-last", False
            groups = kiosk_groups(office, services)
            if featured_first(groups, office.featured, p.page_size):
                p.page = 0
                p.open_catalogue()
                yield f"{mode}-catalogue", shoot
            if agencies_first(groups, p.page_size):
                p.page = 0
                p.open_agency(groups[-1].agency)
                yield f"{mode}-agency", shoot
                view = p.home_view()
                if view.pages > 1:
                    p.page = view.pages - 1
                    yield f"{mode}-agency-last", False
            if not case.get("questions"):
                continue
            p.service = next(s for s in services if s.open)
            p.screen, p.choice_page = Screen.PRIORITY, 0
            yield f"{mode}-priority", shoot
            p.screen, p.extras = Screen.EXTRAS, [c.code for c in p.extra_choices()[:1]]
            yield f"{mode}-extras", shoot
            p.ticket, p.print_state = _sample_ticket("AB123", services), PrintState.PRINTED
            p.screen = Screen.RESULT
            yield f"{mode}-result", shoot
        p.lang, p.large_text, p.screen = Lang.TH, False, Screen.HOME
