"""The real kiosk app in a process of its own, driven by a test through stdin.

`python -m tests.kiosk.kiosk_driver --server URL --token T [--printer URI] [--size WxH]` starts
the Kivy app (the test sets SDL_VIDEODRIVER=offscreen and friends) and reads one command per line:

    wait SCREEN [SECONDS]        until the presenter shows that screen
    wait_print [SECONDS]         until the result screen knows how printing went
    tap_service CODE             touch the middle of that service's button
    tap_tile CODE                touch a service or agency tile of the home page shown
    tap_choice CODE              touch a priority or extra-service button
    tap_widget SCREEN ID         touch a widget by its kv id, e.g. `home language`
    tap_key KEY                  touch a key of the check-in keypad
    scan TEXT                    type TEXT and Enter as a USB barcode scanner does
    tap_result                   touch the result screen
    redraws SECONDS              count the frames drawn meanwhile
    catalogue PATH               take the office and services from a JSON file, not the server
    sweep PATH                   check the layout of every case in a JSON file (layout tests)
    screenshot PATH              save what the window shows (after a frame has drawn)
    state                        report the presenter's state and the visible texts
    quit

Each command is answered with one line `@@ {json}` on stdout; `"ok": false` says why not.
Touches go through Kivy's input path (kivy.tests.common.UnitTestTouch), as a finger's would.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from typing import Any

from kiosk.main import build_kiosk
from kiosk.printer_uri import parse_printer_uri


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--printer")
    parser.add_argument("--size", default="1280x800", help="the window's WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    spec = parse_printer_uri(args.printer) if args.printer else None
    app = build_kiosk(args.server, args.token, spec, size=(width, height))
    # only now: these imports open Kivy's window, which build_kiosk has configured
    from kivy.clock import Clock

    from tests.kiosk.driver_commands import Driver, reply

    driver = Driver(app)

    def read_commands() -> None:
        for line in sys.stdin:
            if line.strip():
                command = line.strip()
                Clock.schedule_once(lambda _dt, command=command: driver.run(command))
        Clock.schedule_once(lambda _dt: app.stop())

    def started(_app: Any) -> None:
        threading.Thread(target=read_commands, daemon=True).start()
        reply(ok=True, started=True)

    app.bind(on_start=started)
    app.run()


if __name__ == "__main__":
    main()
