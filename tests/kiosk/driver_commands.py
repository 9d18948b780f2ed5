"""The commands of tests/kiosk/kiosk_driver.py, run on the Kivy thread. Importing this module
opens Kivy's window: kiosk_driver configures Kivy first."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.widget import Widget

from kiosk.app import KioskApp
from kiosk.presenter import PrintState


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
        self._touch(self._screen("home").buttons[code])

    def do_tap_choice(self, code: str) -> None:
        screen = self.app.screens.current_screen
        (button,) = [b for b in screen.ids.choices.children if b.code == code]
        self._touch(button)

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
            "texts": {k: getattr(w, "text", None) for k, w in current.ids.items()},
            "buttons": {
                code: {"title": b.title, "detail": b.detail, "enabled": b.enabled}
                for code, b in getattr(self._screen("home"), "buttons", {}).items()
            },
        }

    def do_state(self) -> None:
        reply(ok=True, state=self.snapshot())

    def do_quit(self) -> None:
        reply(ok=True)
        self.app.stop()
