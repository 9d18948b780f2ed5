"""Wiring the kiosk: Kivy's settings first (they must be in place before Kivy opens the window),
then the app with its server client and printer."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from kiosk.api import KioskApi
from kiosk.printer import TicketPrinter
from kiosk.printer_uri import PrinterSpec

if TYPE_CHECKING:
    from kiosk.app import KioskApp

WINDOW_SIZE = (1280, 800)


def configure_kivy(fullscreen: bool, size: tuple[int, int] = WINDOW_SIZE) -> None:
    # Kivy reads sys.argv on import unless told not to; `swq`'s options are ours.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    # A keyboard or mouse left on a kiosk must not close it or draw multitouch dots.
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")


def build_kiosk(
    server: str,
    token: str,
    printer: PrinterSpec | None,
    office: str | None = None,
    fullscreen: bool = False,
    size: tuple[int, int] = WINDOW_SIZE,
) -> KioskApp:
    configure_kivy(fullscreen, size)
    from kiosk.app import KioskApp

    return KioskApp(KioskApi(server, token, office), TicketPrinter(printer))
