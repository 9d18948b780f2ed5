"""The Kivy hall board: the layout is board.kv, the state is a BoardModel fed by a BoardFeed.

The feed's thread only queues what it hears and wakes the main thread; everything else (model,
announcer, signs, widgets) runs on Kivy's main thread, in `_drain`.

A quiet hall costs nothing: Kivy redraws only when a widget changes, so nothing here changes
on a timer that has nothing to show. The notice line shows pages held still (display.notice_pages)
instead of a marquee, the blink and the announcer's polling run only after a call, the clock
wakes once a minute and the Thai and English texts take turns every FLIP_S seconds.
"""

from __future__ import annotations

import http.client
import io
import logging
import queue
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kivy.app import App
from kivy.clock import Clock
from kivy.core.audio import SoundLoader
from kivy.core.image import Image as CoreImage
from kivy.core.text import Label as CoreLabel
from kivy.core.text import LabelBase
from kivy.core.window import Window
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from core.legibility import min_font_px, near_font_px
from display import clock_text, notice_pages
from display.announcer import Announcer
from display.board_model import BoardModel, BoardState, Call
from display.feed import BoardFeed, FeedError
from display.options import DisplayOptions
from display.pack_cache import PackCache, default_root
from display.thai_label import ThaiLabel
from display.voice_pack import VoicePack, VoicePackError, default_pack_path

log = logging.getLogger(__name__)
VOICE_POLL_S = 0.1
BLINK_HALF_S = 0.5
NOTICE_PAGE_S = 8.0  # long enough to read a line twice
FLIP_S = 6.0  # Thai, then English: each language has the whole line at the reading size
NEWEST_OF_SHORT_SIDE = 0.16  # the newest number's size, unless the reading rule asks more
FONT = "Sarabun"
STATUS_TH = {"paused": "พักชั่วคราว", "closed": "ปิด"}
STATUS_EN = {"paused": "Paused", "closed": "Closed"}
NAVY = [0.04, 0.10, 0.20, 1.0]
GOLD = [1.0, 0.80, 0.20, 1.0]
KV_CLASSES = (ThaiLabel,)  # board.kv's labels; imported here so that Kivy's Factory knows them
NOTHING = "\N{EN DASH}"  # no number: nothing called yet, or the counter is free
LINE_EM = 1.5  # a line of Thai in Sarabun, marks stacked above and below (board.kv: LINE)
LATIN_EM = 1.3  # a line of numbers in Sarabun: ascender 1068 + descender 232 (board.kv: LATIN)
# A board without a layout of its own: GET /api/v1/board/layout's defaults.
DEFAULT_DISTANCE_M = 10.0
DEFAULT_DIAGONAL_IN = 55.0


class KivyPlayer:
    """Plays an announcement WAV through Kivy's audio (SDL2), from a temporary file."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="swq-voice-"))
        self._sound: Any = None
        self._count = 0
        self.volume = 1.0

    def start(self, wav: bytes) -> None:
        self._release()
        self._count += 1
        path = self._dir / f"call-{self._count}.wav"
        path.write_bytes(wav)
        self._sound = SoundLoader.load(str(path))
        if self._sound is None:
            log.warning("no audio output: announcement not played")
            return
        self._sound.volume = self.volume
        self._sound.play()

    def playing(self) -> bool:
        return self._sound is not None and self._sound.state == "play"

    def _release(self) -> None:
        if self._sound is not None:
            self._sound.unload()
            self._sound = None
        for old in self._dir.glob("*.wav"):
            old.unlink()

    def close(self) -> None:
        self._release()
        shutil.rmtree(self._dir, ignore_errors=True)


class CounterTile(BoxLayout):
    name_th = StringProperty("")
    name_en = StringProperty("")
    number_th = StringProperty("")  # its number, or its state (paused, closed) in Thai
    number_en = StringProperty("")
    active = BooleanProperty(False)


class CallRow(BoxLayout):
    number = StringProperty("")
    counter = StringProperty("")


class WaitingRow(BoxLayout):
    name_th = StringProperty("")
    name_en = StringProperty("")
    waiting = StringProperty("")


def rgba(colour: object, fallback: list[float]) -> list[float]:
    """'#rrggbb' as Kivy's (r, g, b, 1); anything else: the fallback."""
    if not isinstance(colour, str) or len(colour) != 7 or not colour.startswith("#"):
        return fallback
    try:
        return [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)] + [1.0]
    except ValueError:
        return fallback


class BoardScreen(Widget):
    office_th = StringProperty("")
    office_en = StringProperty("")
    clock = StringProperty("")
    date_th = StringProperty("")
    date_en = StringProperty("")
    newest_number = StringProperty("")
    newest_counter_th = StringProperty("")
    newest_counter_en = StringProperty("")
    notice = StringProperty("")
    notice_page = StringProperty("")
    online = BooleanProperty(False)
    highlight = BooleanProperty(False)
    counter_cols = NumericProperty(3)
    u = NumericProperty(1)  # the short side: every size is a share of it
    portrait = BooleanProperty(False)
    # The office's branding (GET /api/v1/office) and this board's layout (its token's).
    primary = ListProperty(NAVY)
    accent = ListProperty(GOLD)
    logo = ObjectProperty(None, allownone=True)  # a texture
    columns = NumericProperty(0)  # counters side by side; 0: as many as suit their number
    waiting_counts = BooleanProperty(False)
    distance_m = NumericProperty(DEFAULT_DISTANCE_M)
    diagonal_in = NumericProperty(DEFAULT_DIAGONAL_IN)
    # Font sizes (px) from the reading rule (core.legibility): what the hall reads, and what is
    # read up close; the newest number and the rows of calls before it follow from them.
    far = NumericProperty(1)
    near = NumericProperty(1)
    newest_font = NumericProperty(1)
    call_row_height = NumericProperty(1)
    th = BooleanProperty(True)  # which language the bilingual texts show now
    calls_head = BooleanProperty(True)  # the heading of the calls before, when a row has room

    def on_size(self, _screen: Any, size: list[float]) -> None:
        self.u = max(1.0, min(size))
        self.portrait = size[1] > size[0]
        self._sizes()

    def on_distance_m(self, *_: Any) -> None:
        self._sizes()

    def on_diagonal_in(self, *_: Any) -> None:
        self._sizes()

    def _sizes(self) -> None:
        width, height = self.size
        self.near = near_font_px(width, height)
        self.far = min_font_px(width, height, self.diagonal_in, self.distance_m)
        self.newest_font = max(self.far * 1.6, self.u * NEWEST_OF_SHORT_SIDE)
        self.call_row_height = self.far * 1.2 * LATIN_EM + self.u * 0.01

    panel_color = ListProperty([0.07, 0.33, 0.6, 1])


class Listener:
    """The feed's listener: hands everything over to the main thread."""

    def __init__(self, inbox: queue.SimpleQueue[tuple[str, Any]], wake: Any) -> None:
        self._inbox = inbox
        self._wake = wake  # a Kivy trigger: safe to fire from another thread

    def _put(self, item: tuple[str, Any]) -> None:
        self._inbox.put(item)
        self._wake()

    def on_event(self, event_id: int, event_type: str, data: dict[str, Any]) -> None:
        self._put(("event", (event_id, event_type, data)))

    def on_board(self, doc: dict[str, Any]) -> None:
        self._put(("board", doc))

    def on_office(self, doc: dict[str, Any]) -> None:
        self._put(("office", doc))

    def on_layout(self, doc: dict[str, Any]) -> None:
        self._put(("layout", doc))

    def on_logo(self, png: bytes | None) -> None:
        self._put(("logo", png))

    def on_services(self, services: list[dict[str, Any]]) -> None:
        self._put(("services", services))

    def on_connection(self, connected: bool, detail: str) -> None:
        self._put(("connection", connected))


class BoardApp(App):
    """Kivy loads board.kv (named after this class) before build()."""

    title = "swq board"

    def __init__(self, options: DisplayOptions, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options
        self.model = BoardModel(history=options.history + 1)
        self.inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._wake = Clock.create_trigger(self._drain)
        self.feed = BoardFeed(
            options.server,
            Listener(self.inbox, self._wake),
            office=options.office,
            token=options.token,
        )
        self.announcer: Announcer | None = None
        self.player: KivyPlayer | None = None
        # The office's pack follows the server unless a folder was given on the command line.
        self.packs = (
            PackCache(options.voice_cache or default_root()) if options.voice_pack is None else None
        )
        last = self.packs.last() if self.packs is not None else None
        # The office's pack version as last heard; None: the stand-in.
        self.pack_wanted: str | None = last.name if last is not None else None
        if options.languages != ():
            self.player = KivyPlayer()
            root = options.voice_pack or last or default_pack_path()
            pack = self._pack_at(root, options.languages or ("th",))
            self.announcer = Announcer(pack, self.player)
        self.quiet_hours = ("", "")
        self.tz: Any = ZoneInfo("Asia/Bangkok")
        self.server_offset = timedelta(0)
        self.shown_version = -1
        self.blink_until = 0.0
        self.notice_parts: list[str] = []
        self.notice_pages: list[str] = []
        self.notice_index = 0
        self._voice_poll = Clock.create_trigger(self._poll_voice, VOICE_POLL_S, interval=True)
        self._blink_step = Clock.create_trigger(self._blink, BLINK_HALF_S, interval=True)
        self._page_turn = Clock.create_trigger(self._turn_page, NOTICE_PAGE_S, interval=True)
        self._flip = Clock.create_trigger(self._flip_language, FLIP_S, interval=True)

    def build(self) -> BoardScreen:
        files = resources.files("fontpkg_sarabun") / "files"
        LabelBase.register(
            FONT,
            fn_regular=str(files / "Sarabun-Regular.ttf"),
            fn_bold=str(files / "Sarabun-Bold.ttf"),
        )
        self.screen = BoardScreen()
        self._show_clock()
        self.screen.bind(width=lambda *_: self._paginate())
        self.screen.ids.ticker.bind(font_size=lambda *_: self._paginate())
        # The room for the calls before the newest changes with the layout: count the rows again.
        self.screen.ids.calls_room.bind(height=self._relayout)
        self.screen.bind(call_row_height=self._relayout)
        self._flip()
        self.feed.start()
        return self.screen

    def on_stop(self) -> None:
        self.feed.stop()
        if self.player is not None:
            self.player.close()
        if self.options.signs is not None:
            self.options.signs.close()

    def _drain(self, _dt: float = 0.0) -> None:
        now = time.monotonic()
        while True:
            try:
                kind, payload = self.inbox.get_nowait()
            except queue.Empty:
                break
            self._take(kind, payload, now)
        if self.model.version != self.shown_version:
            self.shown_version = self.model.version
            self._show(self.model.state())

    def _poll_voice(self, _dt: float) -> None:
        assert self.announcer is not None
        self.announcer.poll(time.monotonic())
        if self.announcer.pending == 0:
            self._voice_poll.cancel()

    def _take(self, kind: str, payload: Any, now: float) -> None:
        if kind == "event":
            _event_id, event_type, data = payload
            if event_type == "office.voice_pack":
                self._want_pack(data.get("voice_pack"))
            call = self.model.apply(*payload)
            if call is not None:
                self._on_call(call, now)
        elif kind == "pack":
            self._use_pack(*payload)
        elif kind == "board":
            if self.model.resync(payload) and self.options.signs is not None:
                self.options.signs.update(self.model.state())
        elif kind == "office":
            self._office(payload)
        elif kind == "layout":
            self._layout(payload)
        elif kind == "logo":
            self._logo(payload)
        elif kind == "services":
            self._waiting(payload)
        elif kind == "connection":
            self.screen.online = bool(payload)

    def _on_call(self, call: Call, now: float) -> None:
        self.blink_until = now + self.options.blink_s
        self.screen.highlight = True
        self._blink_step.cancel()
        self._blink_step()
        if (
            self.announcer is not None
            and not self._quiet_now()
            and self.announcer.announce(call, self._age_s(call))
        ):
            self.announcer.poll(now)
            self._voice_poll()
        if self.options.signs is not None:
            self.options.signs.update(self.model.state(), call)

    def _age_s(self, call: Call) -> float:
        """How old the call is by the server's clock, so a display whose own clock is wrong
        still announces what is new."""
        try:
            at = datetime.fromisoformat(call.at)
        except ValueError:
            return 0.0
        if at.tzinfo is None:
            return 0.0
        return (datetime.now(UTC) + self.server_offset - at).total_seconds()

    def _office(self, doc: dict[str, Any]) -> None:
        try:
            self.tz = ZoneInfo(str(doc.get("timezone") or "Asia/Bangkok"))
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown timezone %r; keeping %s", doc.get("timezone"), self.tz)
        try:
            self.server_offset = datetime.fromisoformat(str(doc["now"])) - datetime.now(UTC)
        except (KeyError, ValueError, TypeError):
            self.server_offset = timedelta(0)
        parts = [str(doc.get("notice_th") or "").strip(), str(doc.get("notice_en") or "").strip()]
        if parts != self.notice_parts:
            self.notice_parts = parts
            self.screen.notice = "      •      ".join(p for p in parts if p)
            self._paginate()
        if self.options.languages is None and isinstance(doc.get("sound"), dict):
            self._sound(doc["sound"])
        pack = doc.get("voice_pack")
        self._want_pack(pack.get("version") if isinstance(pack, dict) else None)
        branding = doc.get("branding") if isinstance(doc.get("branding"), dict) else {}
        self.screen.primary = rgba(branding.get("primary"), NAVY)
        self.screen.accent = rgba(branding.get("accent"), GOLD)
        self.screen.office_th = str(doc.get("name_th", self.screen.office_th))
        self.screen.office_en = str(doc.get("name_en", self.screen.office_en))
        self._show_clock()

    @staticmethod
    def _pack_at(root: Path, languages: tuple[str, ...]) -> VoicePack:
        """The pack in `root` saying what it can of `languages` (a Thai-only pack has no en/)."""
        said = tuple(lang for lang in languages if (root / lang).is_dir()) or ("th",)
        return VoicePack(root, said)

    def _want_pack(self, version: Any) -> None:
        """The office's pack as the server says it (office document or event): download it in
        a thread of its own when it is new, go back to the stand-in when there is none."""
        if self.packs is None or self.announcer is None:
            return
        version = version if isinstance(version, str) else None
        if version == self.pack_wanted:
            return
        self.pack_wanted = version
        if version is None:
            self.packs.forget_last()
            self._use_pack(None, default_pack_path())
            return
        packs, feed = self.packs, self.feed

        def download() -> None:
            try:
                folder: Path | None = packs.fetch(feed, version)
            except (OSError, ValueError, FeedError, http.client.HTTPException) as exc:
                log.warning("voice pack %s not downloaded: %s", version[:12], exc)
                folder = None
            self.inbox.put(("pack", (version, folder)))
            self._wake()

        threading.Thread(target=download, name="voice-pack", daemon=True).start()

    def _use_pack(self, version: str | None, folder: Path | None) -> None:
        assert self.announcer is not None
        if version != self.pack_wanted:
            return  # a download overtaken by a newer change
        if folder is None:
            self.pack_wanted = None  # the next office document tries again
            return
        try:
            pack = self._pack_at(folder, self.announcer.pack.languages)
        except VoicePackError as exc:
            log.warning("keeping the voice pack in use: %s", exc)
            return
        self.announcer.use(pack, self.announcer.repeat, self.announcer.chime)
        log.info("voice pack: %s", folder)

    def _sound(self, sound: dict[str, Any]) -> None:
        """The office's sound settings, from the office document."""
        if self.announcer is None or self.player is None:
            return
        voice = str(sound.get("languages", "th"))
        languages = () if voice == "off" else tuple(voice.split(","))
        pack = self.announcer.pack
        if languages and languages != pack.languages:
            try:
                pack = VoicePack(pack.root, languages)
            except VoicePackError as exc:
                log.warning("keeping the voice in %s: %s", ",".join(pack.languages), exc)
        repeat = sound.get("repeat", 1)
        self.announcer.use(
            pack,
            repeat if isinstance(repeat, int) and 1 <= repeat <= 3 else 1,
            bool(sound.get("chime", True)),
        )
        self.announcer.muted = not languages
        volume = sound.get("volume", 100)
        self.player.volume = volume / 100 if isinstance(volume, int) and 0 <= volume <= 100 else 1.0
        self.quiet_hours = (str(sound.get("quiet_from") or ""), str(sound.get("quiet_until") or ""))

    def _layout(self, doc: dict[str, Any]) -> None:
        """This board's layout (admin: Devices). A screen hung the other way than the window
        says is drawn turned a quarter."""
        columns = doc.get("columns")
        self.screen.columns = columns if columns in (1, 2) else 0
        self.screen.waiting_counts = bool(doc.get("waiting_counts"))
        for name in ("distance_m", "diagonal_in"):
            value = doc.get(name)
            if isinstance(value, int | float) and value > 0:
                setattr(self.screen, name, float(value))
        width, height = Window.system_size
        tall = height > width
        orientation = doc.get("orientation")
        wanted = tall if orientation not in ("landscape", "portrait") else orientation == "portrait"
        rotation = 0 if wanted == tall else 90
        if Window.rotation != rotation:
            Window.rotation = rotation
        self._relayout()

    def _relayout(self, *_: Any) -> None:
        """Lay the counters and the calls out again (the layout or the room changed)."""
        self.shown_version = -1
        self._wake()

    def _logo(self, png: bytes | None) -> None:
        if png is None:
            self.screen.logo = None
            return
        try:
            self.screen.logo = CoreImage(io.BytesIO(png), ext="png").texture
        except Exception as exc:  # any decoder error: the board runs on without a logo
            log.warning("the office logo cannot be shown: %s", exc)
            self.screen.logo = None

    def _waiting(self, services: list[dict[str, Any]]) -> None:
        rows = self.screen.ids.waiting
        rows.clear_widgets()
        for service in services:
            rows.add_widget(
                WaitingRow(
                    name_th=str(service.get("name_th", "")),
                    name_en=str(service.get("name_en", "")),
                    waiting=str(service.get("waiting", "")),
                )
            )

    def _quiet_now(self) -> bool:
        start, end = self.quiet_hours
        if not start or not end:
            return False
        now = datetime.now(UTC).astimezone(self.tz).strftime("%H:%M")
        return start <= now < end if start <= end else now >= start or now < end

    def _show_clock(self, _dt: float = 0.0) -> None:
        """Shows hours and minutes, then sleeps until the next minute begins."""
        now = datetime.now(UTC).astimezone(self.tz)
        self.screen.clock = clock_text.clock(now)[:5]
        self.screen.date_th = clock_text.date_th(now)
        self.screen.date_en = clock_text.date_en(now)
        Clock.unschedule(self._show_clock)
        Clock.schedule_once(self._show_clock, 60.05 - now.second - now.microsecond / 1e6)

    def _show(self, state: BoardState) -> None:
        screen = self.screen
        if state.office_name_th:
            screen.office_th = state.office_name_th
            screen.office_en = state.office_name_en
        names = {c.code: c for c in state.counters}
        newest = state.newest
        if newest is None:
            screen.newest_number = NOTHING
            screen.newest_counter_th = "รอเรียกคิว"
            screen.newest_counter_en = "Waiting for the first call"
        else:
            counter = names.get(newest.counter)
            screen.newest_number = newest.number
            screen.newest_counter_th = f"เชิญที่ {counter.name_th if counter else newest.counter}"
            screen.newest_counter_en = (
                f"Please go to {counter.name_en if counter else 'Counter ' + newest.counter}"
            )
        rows = screen.ids.calls
        rows.clear_widgets()
        # Whole rows only: a row that would be cut is not shown, nor the heading of no rows.
        room = screen.ids.calls_room.height + screen.ids.calls_head.height
        shown = int((room - screen.far * LINE_EM + 1) // screen.call_row_height)
        screen.calls_head = shown > 0
        for call in state.calls[1 : 1 + shown]:
            rows.add_widget(CallRow(number=call.number, counter=call.counter))
        tiles = screen.ids.counters
        tiles.clear_widgets()
        screen.counter_cols = screen.columns or max(1, min(6, (len(state.counters) + 1) // 2))
        for counter in state.counters:
            if counter.status in STATUS_TH and counter.number is None:
                number_th, number_en = STATUS_TH[counter.status], STATUS_EN[counter.status]
            else:
                number_th = number_en = counter.number or NOTHING
            tiles.add_widget(
                CounterTile(
                    name_th=counter.name_th,
                    name_en=counter.name_en,
                    number_th=number_th,
                    number_en=number_en,
                    active=newest is not None and counter.code == newest.counter,
                )
            )

    def _blink(self, _dt: float) -> None:
        now = time.monotonic()
        if now >= self.blink_until:
            self.screen.highlight = False
            self._blink_step.cancel()
        else:
            self.screen.highlight = not self.screen.highlight

    def _flip_language(self, _dt: float) -> None:
        self.screen.th = not self.screen.th

    def _paginate(self) -> None:
        ticker = self.screen.ids.ticker
        width = self.screen.width * 0.96

        def measure(text: str) -> float:
            label = CoreLabel(
                text=text,
                font_size=ticker.font_size,
                font_name=ticker.font_name,
                font_script_name=ticker.font_script_name,
            )
            label.refresh()
            return float(label.texture.size[0])

        self.notice_pages = notice_pages.pages(self.notice_parts, width, measure)
        self.notice_index = 0
        self.screen.notice_page = self.notice_pages[0] if self.notice_pages else ""
        self._page_turn.cancel()
        if len(self.notice_pages) > 1:
            self._page_turn()

    def _turn_page(self, _dt: float) -> None:
        self.notice_index = (self.notice_index + 1) % len(self.notice_pages)
        self.screen.notice_page = self.notice_pages[self.notice_index]
