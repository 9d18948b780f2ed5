"""The Kivy side of the kiosk: screens drawn from the presenter's state, taps passed to it.

Layout lives in one `.kv` file per screen next to this module; this module only fills the
widgets the presenter describes and moves slow work off the UI thread. Import it after
`kiosk.main.configure_kivy`: Kivy opens its window on first import.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock, mainthread
from kivy.core.text import LabelBase
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from kiosk.api import KioskApi
from kiosk.fonts import sarabun
from kiosk.presenter import KioskPresenter, PrintState, ServiceGroup
from kiosk.presenter import Screen as State
from kiosk.printer import TicketPrinter
from kiosk.texts import Lang, text

log = logging.getLogger(__name__)
KV_FILES = ("common", "home", "priority", "extras", "result", "out_of_service", "wait")
TICK_S = 0.5
RED, GREEN, INK = (0.72, 0.1, 0.1, 1), (0.1, 0.5, 0.25, 1), (0.09, 0.12, 0.2, 1)


class FitLabel(Label):
    """A label that shrinks its font until the text fits its width: Kivy cannot break Thai
    lines, so a long service name would otherwise run off its button."""

    base_font_size = NumericProperty(30)

    def on_base_font_size(self, *_: Any) -> None:
        self.font_size = self.base_font_size

    def on_text(self, *_: Any) -> None:
        self.font_size = self.base_font_size

    def on_width(self, *_: Any) -> None:
        self.font_size = self.base_font_size

    def on_texture_size(self, *_: Any) -> None:
        if self.text_size[0] is not None:
            return  # a set text width wraps at spaces instead
        too_wide = self.texture_size[0] > self.width - 8
        too_tall = self.texture_size[1] > self.height > 0
        if self.width > 0 and (too_wide or too_tall) and self.font_size > 10:
            self.font_size = max(10, self.font_size * 0.9)


class KioskScreen(Screen):
    """A screen the app redraws from the presenter; every screen class says how."""

    def update(self, presenter: KioskPresenter) -> None:
        raise NotImplementedError(f"{type(self).__name__} must draw itself from the presenter")


class BigButton(Button):
    active = BooleanProperty(True)


class ChoiceButton(Button):
    selected = BooleanProperty(False)
    code = StringProperty("")


class ButtonBehaviorBox(ButtonBehavior, BoxLayout):
    pass


class ServiceButton(ButtonBehavior, BoxLayout):
    code = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")
    detail = StringProperty("")
    enabled = BooleanProperty(True)


class HomeScreen(KioskScreen):
    _shape: tuple[Any, ...] = ()
    buttons: dict[str, ServiceButton]

    def update(self, presenter: KioskPresenter) -> None:
        ids = self.ids
        ids.office.text = presenter.office_name
        ids.language.text = presenter.t("toggle_lang")
        ids.title.text = presenter.home_title()
        ids.message.text = presenter.message
        groups = presenter.service_groups()
        shape = tuple((g.title, tuple(b.code for b in g.buttons)) for g in groups)
        if shape != self._shape:
            self._build(groups)
            self._shape = shape
        for group in groups:
            for model in group.buttons:
                button = self.buttons[model.code]
                button.title, button.subtitle = model.title, model.subtitle
                button.detail, button.enabled = model.detail, model.enabled

    def _build(self, groups: list[ServiceGroup]) -> None:
        app = App.get_running_app()
        box = self.ids.groups
        box.clear_widgets()
        self.buttons = {}
        for group in groups:
            box.add_widget(Factory.AgencyHeader(text=group.title))
            grid = Factory.ServiceGrid()
            for model in group.buttons:
                button = ServiceButton(code=model.code)
                button.bind(on_release=lambda b: app.tap("choose_service", b.code))
                self.buttons[model.code] = button
                grid.add_widget(button)
            box.add_widget(grid)


class _ChoicesScreen(KioskScreen):
    question_key = ""
    tap_name = ""

    def _choices(self, presenter: KioskPresenter) -> list[Any]:
        """The buttons to offer: the priority classes, or the extra services."""
        raise NotImplementedError(f"{type(self).__name__} must say which choices it offers")

    def update(self, presenter: KioskPresenter) -> None:
        app = App.get_running_app()
        ids = self.ids
        if presenter.service is not None:
            ids.service.text = (
                presenter.service.name_th
                if presenter.lang is Lang.TH
                else presenter.service.name_en
            )
        ids.question.text = presenter.t(self.question_key)
        ids.back.text = presenter.t("back")
        choices = self._choices(presenter)
        grid = ids.choices
        if [b.code for b in grid.children[::-1]] != [c.code for c in choices]:
            grid.clear_widgets()
            for choice in choices:
                button = ChoiceButton(code=choice.code)
                button.bind(on_release=lambda b: app.tap(self.tap_name, b.code))
                grid.add_widget(button)
        for button, choice in zip(grid.children[::-1], choices, strict=True):
            button.text, button.selected = choice.title, choice.selected


class PriorityScreen(_ChoicesScreen):
    question_key = "priority_question"
    tap_name = "choose_priority"

    def _choices(self, presenter: KioskPresenter) -> list[Any]:
        return presenter.priority_choices()


class ExtrasScreen(_ChoicesScreen):
    question_key = "extras_question"
    tap_name = "toggle_extra"

    def _choices(self, presenter: KioskPresenter) -> list[Any]:
        return presenter.extra_choices()

    def update(self, presenter: KioskPresenter) -> None:
        super().update(presenter)
        self.ids.done.text = presenter.t("extras_done")


class ResultScreen(KioskScreen):
    def update(self, presenter: KioskPresenter) -> None:
        for key, value in presenter.result_lines().items():
            self.ids[key].text = value
        self.ids.printing.color = {
            PrintState.PRINTING: INK,
            PrintState.PRINTED: GREEN,
        }.get(presenter.print_state, RED)


class OutOfServiceScreen(KioskScreen):
    def update(self, presenter: KioskPresenter) -> None:
        self.ids.headline.text = text("out_of_service", Lang.TH)
        self.ids.headline_en.text = text("out_of_service", Lang.EN)
        self.ids.detail.text = text("ask_staff", Lang.TH) + "\n" + text("ask_staff", Lang.EN)


class WaitScreen(KioskScreen):
    def update(self, presenter: KioskPresenter) -> None:
        self.ids.message.text = presenter.t("issuing")


SCREEN_OF_STATE = {
    State.LOADING: "wait",
    State.ISSUING: "wait",
    State.HOME: "home",
    State.PRIORITY: "priority",
    State.EXTRAS: "extras",
    State.RESULT: "result",
    State.OUT_OF_SERVICE: "out_of_service",
}


class Worker:
    """One background thread; the callback runs on the UI thread with the result or exception."""

    def __init__(self, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def __call__(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self._pool.submit(job).add_done_callback(lambda future: _deliver(done, future))

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@mainthread
def _deliver(done: Callable[[Any], None], future: Future[Any]) -> None:
    error = future.exception()
    _guarded(done, error if error is not None else future.result())


def _guarded(call: Callable[..., None], *args: Any) -> None:
    try:
        call(*args)
    except Exception:  # a bug behind one tap must not take the kiosk down for everyone after
        log.exception("kiosk: %s failed", getattr(call, "__name__", call))


class _KeepRunning(ExceptionHandler):
    def handle_exception(self, exception: BaseException) -> int:
        if isinstance(exception, Exception):
            log.exception("kiosk: unexpected error, carrying on", exc_info=exception)
            return ExceptionManager.PASS
        return ExceptionManager.RAISE


class KioskApp(App):
    title = "swq kiosk"

    def __init__(self, api: KioskApi, printer: TicketPrinter) -> None:
        super().__init__()
        self._api = api
        self._printer = printer
        self.network = Worker("kiosk-net")
        self.printing = Worker("kiosk-print")
        self.presenter: KioskPresenter | None = None
        self.screens: ScreenManager | None = None

    def build(self) -> ScreenManager:
        LabelBase.register(
            name="Sarabun", fn_regular=str(sarabun("Regular")), fn_bold=str(sarabun("Bold"))
        )
        here = Path(__file__).parent
        for name in KV_FILES:
            Builder.load_file(str(here / f"{name}.kv"))
        ExceptionManager.add_handler(_KeepRunning())
        manager = ScreenManager(transition=NoTransition())
        for screen in (
            WaitScreen(),
            HomeScreen(),
            PriorityScreen(),
            ExtrasScreen(),
            ResultScreen(),
            OutOfServiceScreen(),
        ):
            manager.add_widget(screen)
        self.screens = manager
        self.presenter = KioskPresenter(
            self._api,
            self._printer,
            run_network=self.network,
            run_printer=self.printing,
            on_change=self.refresh,
            clock=time.monotonic,
            version=_version(),
        )
        return manager

    def on_start(self) -> None:
        assert self.presenter is not None
        self.refresh()
        self.presenter.start()
        Clock.schedule_interval(lambda _dt: _guarded(self.presenter.tick), TICK_S)

    def on_stop(self) -> None:
        self.network.stop()
        self.printing.stop()

    def tap(self, action: str, *args: Any) -> None:
        """Every button lands here: one place where a failing tap is caught and logged."""
        _guarded(getattr(self.presenter, action), *args)

    def refresh(self) -> None:
        assert self.presenter is not None and self.screens is not None
        name = SCREEN_OF_STATE[self.presenter.screen]
        screen = self.screens.get_screen(name)
        screen.update(self.presenter)
        if self.screens.current != name:
            self.screens.current = name


def _version() -> str:
    try:
        return version("swq")
    except PackageNotFoundError:
        return ""
