"""The Kivy side of the kiosk: screens drawn from the presenter's state, taps passed to it.

Layout lives in one `.kv` file per screen next to this module; this module only fills the
widgets the presenter describes and moves slow work off the UI thread. Import it after
`kiosk.main.configure_kivy`: Kivy opens its window on first import.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import qrcode
from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock, mainthread
from kivy.core.image import Image as CoreImage
from kivy.core.text import Label as CoreLabel
from kivy.core.text import LabelBase
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen, ScreenManager
from kivy.uix.widget import Widget
from PIL import Image

from core.line_breaking import words, wrap
from kiosk.api import KioskApi
from kiosk.checkin import KEYS
from kiosk.fonts import sarabun
from kiosk.home_pages import TileKind, tiles_per_page
from kiosk.idcard import CardWatcher, open_pcsc_reader
from kiosk.office import OfficeInfo
from kiosk.presenter import HomeView, KioskPresenter, PrintState
from kiosk.presenter import Screen as State
from kiosk.printer import TicketPrinter
from kiosk.texts import Lang, text
from kiosk.thai_words import thai_words

log = logging.getLogger(__name__)
KV_FILES = (
    "common",
    "root",
    "home",
    "priority",
    "extras",
    "checkin",
    "result",
    "out_of_service",
    "wait",
)
TICK_S = 0.5
# The screen this is laid out for: up to 150 DPI (a 10.1" 1280x800 panel; 21.5" full-HD panels
# are about 100 DPI). Kivy's dp are pixels at that size, so 15 mm is 89 px there: every button is
# at least TOUCH_PX in both directions, and no text is smaller than MIN_FONT_PX (22 px: 3.7 mm
# at 150 DPI) or LARGE_MIN_FONT_PX in large-text mode.
TOUCH_PX = 90
# The kiosk's own button colour, kept when the office has no branding.
BLUE = [0.05, 0.33, 0.65, 1.0]
BLUE_DOWN = [0.03, 0.22, 0.45, 1.0]
MIN_FONT_PX = 22
LARGE_MIN_FONT_PX = 32
# The result screen's QR code (the paper's) is at least 40 mm a side there: a phone held at arm's
# length photographs it when the printer has failed.
QR_MIN_PX = 236
# The same for the extras and priority screens (extras.kv, priority.kv), and a choice's least
# height.
EXTRAS_CHROME_PX = 24 * 2 + 16 * 4 + 96 + 110 + 96 * 2
PRIORITY_CHROME_PX = 24 * 2 + 16 * 3 + 96 + 90 + 96
LARGE_SERVICE_EXTRA_PX = 16  # the service's name above the question is taller in large text
CHOICE_PX = 110
LARGE_CHOICE_PX = 140
# Kivy's key codes of the keys a scanner ends a code with, and of the keyboard's delete.
ENTER, KEYPAD_ENTER, BACKSPACE = 13, 271, 8
RED, GREEN, INK = (0.72, 0.1, 0.1, 1), (0.1, 0.5, 0.25, 1), (0.09, 0.12, 0.2, 1)


class FitLabel(Label):
    """A label that fits its text into its box: Thai and English wrap between words (Kivy
    breaks lines only at spaces, and Thai has none), then the font shrinks, never below
    `min_font_size`. Set `content`; `text` is the laid-out result."""

    content = StringProperty("")
    base_font_size = NumericProperty(30)
    min_font_size = NumericProperty(MIN_FONT_PX)
    # secondary text (a name in the other language): cut to the lines that fit, ending in "…",
    # rather than making the main text smaller
    optional = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        self._fit_soon = Clock.create_trigger(self._fit, -1)
        super().__init__(**kwargs)
        self.fbind("content", self._fit_soon)
        self.fbind("base_font_size", self._fit_soon)
        self.fbind("min_font_size", self._fit_soon)
        self.fbind("size", self._fit_soon)
        self.fbind("bold", self._fit_soon)
        self.fbind("optional", self._fit_soon)

    def _fit(self, *_: Any) -> None:
        if not self.content:
            self.text = ""
            return
        if self.width <= 1 or self.height <= 1:
            return
        room = self.width - self.padding[0] - self.padding[2]
        floor = round(min(self.min_font_size, self.base_font_size))
        size = round(self.base_font_size)
        while True:
            measure = _measurer(self.font_name, size, self.bold)
            width = _width_of(measure)
            lines = wrap(self.content, room, width, thai_words)
            # the tallest Thai line: a tone mark over an upper vowel, a tail under the line
            line = measure("ปั้ฎู")[1] * self.line_height
            fits = int((self.height - self.padding[1] - self.padding[3]) // line)
            # a word wider than the line would be cut inside: smaller first
            whole = max(width(word) for word in words(self.content, thai_words)) <= room
            if (len(lines) <= fits and whole) or size <= floor:
                break
            size = max(floor, round(size * 0.92))
        if len(lines) > fits and self.optional:
            lines = _shortened(lines[: max(0, fits)], room, width)
        self.font_size = size
        self.text = "\n".join(lines)


def _width_of(measure: Callable[[str], tuple[int, int]]) -> Callable[[str], float]:
    return lambda text: measure(text)[0]


def _shortened(lines: list[str], room: float, width: Callable[[str], float]) -> list[str]:
    """The lines that fit, the last one ending in "…" at a word boundary."""
    if not lines:
        return []
    pieces = list(thai_words(lines[-1]))
    while pieces and width("".join(pieces).rstrip() + "…") > room:
        pieces.pop()
    return [*lines[:-1], "".join(pieces).rstrip() + "…"]


@lru_cache(maxsize=64)
def _measurer(font: str, size: int, bold: bool) -> Callable[[str], tuple[int, int]]:
    core = CoreLabel(font_name=font, font_size=size, bold=bold, font_script_name="Thai")
    return lru_cache(maxsize=4096)(core.get_extents)


class KioskScreen(Screen):
    """A screen the app redraws from the presenter; every screen class says how."""

    def update(self, presenter: KioskPresenter) -> None:
        raise NotImplementedError(f"{type(self).__name__} must draw itself from the presenter")


class BigButton(Button):
    active = BooleanProperty(True)


class ChoiceButton(ButtonBehavior, FitLabel):
    """A priority group (with its pictogram) or an extra service; a chosen extra shows a ticked
    box, not only a colour."""

    selected = BooleanProperty(False)
    checkbox = BooleanProperty(False)
    code = StringProperty("")
    pictogram = StringProperty("")  # a PNG file; none for extra services
    icon = NumericProperty(0)  # the pictogram's side in pixels (common.kv), left of the text


class ButtonBehaviorBox(ButtonBehavior, BoxLayout):
    pass


class HomeTileButton(ButtonBehavior, BoxLayout):
    """A service or an agency on the home page: big, its whole area touchable."""

    kind = StringProperty(TileKind.SERVICE.value)
    code = StringProperty("")
    agency = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")
    detail = StringProperty("")
    enabled = BooleanProperty(True)


def choice_columns(width: float, large: bool) -> int:
    return 1 if large and width < 1400 else 2


def choices_per_page(width: float, height: float, large: bool, extras: bool) -> int:
    """Priority groups or extra services that fit one screen as big buttons."""
    chrome = EXTRAS_CHROME_PX if extras else PRIORITY_CHROME_PX
    chrome += LARGE_SERVICE_EXTRA_PX if large else 0
    rows = max(1, int((height - chrome) // (LARGE_CHOICE_PX if large else CHOICE_PX)))
    return rows * choice_columns(width, large)


class HomeScreen(KioskScreen):
    _shape: tuple[Any, ...] = ()
    tiles: dict[str, HomeTileButton]

    def update(self, presenter: KioskPresenter) -> None:
        ids = self.ids
        ids.office.content = presenter.office_name
        ids.language.text = presenter.t("toggle_lang")
        ids.bigger.text = presenter.t("normal_text" if presenter.large_text else "large_text")
        ids.booking.text = presenter.t("have_booking") if presenter.offers_check_in else ""
        view = presenter.home_view()
        ids.title.content = view.heading
        ids.message.content = presenter.message
        ids.up.text = (
            presenter.t("all_agencies")
            if view.in_agency
            else presenter.t("first_screen")
            if view.in_catalogue
            else ""
        )
        ids.previous.text = presenter.t("previous_page") if view.page > 0 else ""
        ids.next.text = presenter.t("next_page") if view.page < view.pages - 1 else ""
        ids.page.content = view.page_label
        cols, rows = tiles_per_page(Window.width, Window.height, presenter.large_text)
        if view.pages == 1 and view.tiles:
            cols = min(cols, len(view.tiles))
            rows = -(-len(view.tiles) // cols)
        shape = (cols, rows, tuple((t.kind, t.code) for t in view.tiles))
        if shape != self._shape:
            self._build(view, cols, rows)
            self._shape = shape
        for model in view.tiles:
            tile = self.tiles[model.code]
            tile.agency, tile.title, tile.subtitle = model.agency, model.title, model.subtitle
            tile.detail, tile.enabled = model.detail, model.enabled

    def _build(self, view: HomeView, cols: int, rows: int) -> None:
        app = App.get_running_app()
        grid = self.ids.tiles
        grid.clear_widgets()
        grid.cols, grid.rows = cols, rows
        self.tiles = {}
        for model in view.tiles:
            tile = HomeTileButton(kind=model.kind.value, code=model.code)
            if model.kind is TileKind.AGENCY:
                tile.bind(on_release=lambda b: app.tap("open_agency", b.code))
            elif model.kind is TileKind.CATALOGUE:
                tile.bind(on_release=lambda _b: app.tap("open_catalogue"))
            else:
                tile.bind(on_release=lambda b: app.tap("choose_service", b.code))
            self.tiles[model.code] = tile
            grid.add_widget(tile)
        for _ in range(cols * rows - len(view.tiles)):
            grid.add_widget(Widget())  # the last page's tiles keep the size of the others


class _ChoicesScreen(KioskScreen):
    question_key = ""
    tap_name = ""
    checkboxes = False  # several may be chosen: each shows whether it is

    def _choices(self, presenter: KioskPresenter) -> list[Any]:
        """The buttons to offer: the priority classes, or the extra services."""
        raise NotImplementedError(f"{type(self).__name__} must say which choices it offers")

    def update(self, presenter: KioskPresenter) -> None:
        app = App.get_running_app()
        ids = self.ids
        if presenter.service is not None:
            ids.service.content = (
                presenter.service.name_th
                if presenter.lang is Lang.TH
                else presenter.service.name_en
            )
        ids.question.content = presenter.t(self.question_key)
        ids.back.text = presenter.t("back")
        ids.bigger.text = presenter.t("normal_text" if presenter.large_text else "large_text")
        page = presenter.choices_page()
        ids.previous.text = presenter.t("previous_page") if page.page > 0 else ""
        ids.next.text = presenter.t("next_page") if page.page < page.pages - 1 else ""
        ids.page.content = page.label
        choices = page.choices
        grid = ids.choices
        grid.cols = choice_columns(Window.width, presenter.large_text)
        buttons = [b for b in grid.children[::-1] if isinstance(b, ChoiceButton)]
        if [b.code for b in buttons] != [c.code for c in choices]:
            grid.clear_widgets()
            buttons = []
            for choice in choices:
                button = ChoiceButton(code=choice.code, checkbox=self.checkboxes)
                button.bind(on_release=lambda b: app.tap(self.tap_name, b.code))
                grid.add_widget(button)
                buttons.append(button)
            for _ in range(presenter.choices_per_page - len(choices) if page.pages > 1 else 0):
                grid.add_widget(Widget())  # the last page's buttons keep their size
        for button, choice in zip(buttons, choices, strict=True):
            button.content, button.selected = choice.title, choice.selected
            button.pictogram = choice.pictogram


class PriorityScreen(_ChoicesScreen):
    question_key = "priority_question"
    tap_name = "choose_priority"

    def _choices(self, presenter: KioskPresenter) -> list[Any]:
        return presenter.priority_choices()


class ExtrasScreen(_ChoicesScreen):
    question_key = "extras_question"
    tap_name = "toggle_extra"
    checkboxes = True

    def _choices(self, presenter: KioskPresenter) -> list[Any]:
        return presenter.extra_choices()

    def update(self, presenter: KioskPresenter) -> None:
        super().update(presenter)
        self.ids.done.text = presenter.t("extras_done")


class CheckInScreen(KioskScreen):
    def update(self, presenter: KioskPresenter) -> None:
        ids = self.ids
        if not ids.keypad.children:
            app = App.get_running_app()
            for key in KEYS:
                button = Factory.BigButton(text=key)
                button.bind(on_release=lambda b: app.tap("press_key", b.text))
                ids.keypad.add_widget(button)
        ids.question.content = presenter.check_in_message or presenter.t("check_in_question")
        ids.question.color = RED if presenter.check_in_message else INK
        ids.code.content = " ".join(presenter.entry.shown)
        ids.back.text = presenter.t("back")
        ids.erase.text = presenter.t("erase")
        ids.go.text = presenter.t("check_in_go")


class ResultScreen(KioskScreen):
    _qr_url = ""

    def update(self, presenter: KioskPresenter) -> None:
        url = presenter.ticket.status_url if presenter.ticket is not None else ""
        if url != self._qr_url:
            self.ids.qr.texture = qr_texture(url) if url else None
            self._qr_url = url
        for key, value in presenter.result_lines().items():
            if key == "again":
                self.ids.again.text = value
            else:
                self.ids[key].content = value
        self.ids.printing.color = {
            PrintState.PRINTING: INK,
            PrintState.PRINTED: GREEN,
        }.get(presenter.print_state, RED)


class OutOfServiceScreen(KioskScreen):
    def update(self, presenter: KioskPresenter) -> None:
        self.ids.headline.content = text("out_of_service", Lang.TH)
        self.ids.headline_en.content = text("out_of_service", Lang.EN)
        self.ids.detail.content = text("ask_staff", Lang.TH) + "\n" + text("ask_staff", Lang.EN)


class WaitScreen(KioskScreen):
    def update(self, presenter: KioskPresenter) -> None:
        self.ids.message.content = presenter.t("issuing")


def qr_texture(url: str) -> Texture:
    """The ticket's QR code (the same as on paper), sharp at any size."""
    code = qrcode.QRCode(border=2, box_size=1)
    code.add_data(url)
    image = code.make_image().get_image().convert("L")
    texture = Texture.create(size=image.size, colorfmt="luminance")
    texture.blit_buffer(
        image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes(),
        colorfmt="luminance",
        bufferfmt="ubyte",
    )
    texture.mag_filter = "nearest"
    return texture


SCREEN_OF_STATE = {
    State.LOADING: "wait",
    State.ISSUING: "wait",
    State.HOME: "home",
    State.PRIORITY: "priority",
    State.EXTRAS: "extras",
    State.CHECK_IN: "check_in",
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


def rgba(colour: str | None) -> list[float] | None:
    """'#rrggbb' (checked by kiosk.office) as Kivy's (r, g, b, 1)."""
    if colour is None:
        return None
    return [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)] + [1.0]


class KioskApp(App):
    title = "swq kiosk"
    large = BooleanProperty(False)  # large text: the kv files size their fonts from it
    min_font = NumericProperty(MIN_FONT_PX)
    # The office's branding (GET /api/v1/office): buttons in its primary colour (white text on
    # it passes WCAG AA: the server refuses a colour that does not), its logo by its name.
    primary = ListProperty(BLUE)
    primary_down = ListProperty(BLUE_DOWN)
    logo = ObjectProperty(None, allownone=True)  # a texture

    def __init__(self, api: KioskApi, printer: TicketPrinter) -> None:
        super().__init__()
        self._api = api
        self._printer = printer
        self.network = Worker("kiosk-net")
        self.printing = Worker("kiosk-print")
        self.presenter: KioskPresenter | None = None
        self.screens: ScreenManager | None = None
        self.root_widget: Widget | None = None
        self._logo_png: bytes | None = None
        self._card_watcher: CardWatcher | None = None

    def build(self) -> ScreenManager:
        LabelBase.register(
            name="Sarabun", fn_regular=str(sarabun("Regular")), fn_bold=str(sarabun("Bold"))
        )
        here = Path(__file__).parent
        for name in KV_FILES:
            Builder.load_file(str(here / f"{name}.kv"))
        ExceptionManager.add_handler(_KeepRunning())
        root = Factory.KioskRoot()
        manager = root.ids.screens
        for screen in (
            WaitScreen(),
            HomeScreen(),
            PriorityScreen(),
            ExtrasScreen(),
            CheckInScreen(),
            ResultScreen(),
            OutOfServiceScreen(),
        ):
            manager.add_widget(screen)
        self.screens = manager
        self.root_widget = root
        self.presenter = KioskPresenter(
            self._api,
            self._printer,
            run_network=self.network,
            run_printer=self.printing,
            on_change=self.refresh,
            clock=time.monotonic,
            version=_version(),
        )
        Window.bind(on_touch_down=lambda *_: self._still_here(), on_resize=self._resized)
        # A USB barcode scanner types like a keyboard, on whatever screen is shown.
        Window.bind(on_textinput=self._text_typed, on_key_down=self._key_down)
        return root

    def _text_typed(self, _window: Any, text: str) -> bool:
        if self.presenter is not None:
            _guarded(self.presenter.keyboard_text, text)
        return True

    def _key_down(self, _window: Any, key: int, *_: Any) -> bool:
        if self.presenter is None:
            return False
        if key in (ENTER, KEYPAD_ENTER):
            _guarded(self.presenter.keyboard_enter)
            return True
        if key == BACKSPACE:
            _guarded(self.presenter.keyboard_backspace)
            return True
        return False

    def _still_here(self) -> bool:
        if self.presenter is not None:
            _guarded(self.presenter.still_here)
        return False  # the touch goes on to the button under it

    def _resized(self, *_: Any) -> None:
        Clock.schedule_once(lambda _dt: self.refresh(), 0)  # once the layout has the new size

    def on_start(self) -> None:
        assert self.presenter is not None
        self.refresh()
        self.presenter.start()
        Clock.schedule_interval(lambda _dt: _guarded(self.presenter.tick), TICK_S)
        # A Thai ID card reader, if pcscd has one: its thread hands each card read to the UI.
        reader = open_pcsc_reader()
        if reader is not None:
            self._card_watcher = CardWatcher(reader, self._card_read, self._card_unreadable)
            self._card_watcher.start()

    @mainthread
    def _card_read(self, citizen_id: str) -> None:
        if self.presenter is not None:
            _guarded(self.presenter.card_read, citizen_id)

    @mainthread
    def _card_unreadable(self) -> None:
        if self.presenter is not None:
            _guarded(self.presenter.card_unreadable)

    def on_stop(self) -> None:
        if self._card_watcher is not None:
            self._card_watcher.stop()
        self.network.stop()
        self.printing.stop()

    def _brand(self, office: OfficeInfo | None) -> None:
        primary = rgba(office.primary if office else None) or BLUE
        if list(self.primary) != primary:
            self.primary = primary
            self.primary_down = [c * 0.7 for c in primary[:3]] + [1.0]
        png = office.logo if office else None
        if png != self._logo_png:
            self._logo_png = png
            try:
                self.logo = CoreImage(io.BytesIO(png), ext="png").texture if png else None
            except Exception as exc:  # any decoder error: the kiosk runs on without a logo
                log.warning("the office logo cannot be shown: %s", exc)
                self.logo = None

    def tap(self, action: str, *args: Any) -> None:
        """Every button lands here: one place where a failing tap is caught and logged."""
        _guarded(getattr(self.presenter, action), *args)

    def refresh(self) -> None:
        assert self.presenter is not None and self.screens is not None
        presenter = self.presenter
        self.large = presenter.large_text
        self._brand(presenter.office)
        self.min_font = LARGE_MIN_FONT_PX if presenter.large_text else MIN_FONT_PX
        cols, rows = tiles_per_page(Window.width, Window.height, presenter.large_text)
        presenter.page_size = cols * rows
        presenter.choices_per_page = choices_per_page(
            Window.width, Window.height, presenter.large_text, presenter.screen is State.EXTRAS
        )
        self.root_widget.ids.still_there.content = (
            presenter.t("still_there") if presenter.idle_warning else ""
        )
        name = SCREEN_OF_STATE[presenter.screen]
        screen = self.screens.get_screen(name)
        screen.update(presenter)
        if self.screens.current != name:
            self.screens.current = name


def _version() -> str:
    try:
        return version("swq")
    except PackageNotFoundError:
        return ""
