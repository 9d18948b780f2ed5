"""The kiosk's printing and tap-to-ticket times.

    python bench/kiosk_print.py [--taps 200]

1. Bytes per ticket in each print mode and printer profile, and the time those bytes take on a
   serial line at 9600 and 115200 baud (8N1: 10 bits a byte). The line is the bottleneck of a
   serial printer, so this is the time from the first byte to the cut.
2. Tap to number on screen: the kiosk presenter against a real `swq server` (SQLite file, one
   process, on loopback), with the app's threading: the issue request runs on a worker thread
   and its answer comes back to the "UI" thread through a queue, as Kivy's @mainthread does.
   Timed from the tap (choose_service) to the presenter showing the result screen; printing
   (to a dummy printer) happens after and is not in the figure.
"""

from __future__ import annotations

import argparse
import queue
import shlex
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# Run as `python bench/kiosk_print.py`: the repository root holds `tests`, which is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.api import KioskApi
from kiosk.cli import sample_ticket
from kiosk.presenter import KioskPresenter, PrintState, Screen
from kiosk.printer import TicketPrinter
from kiosk.printer_uri import parse_printer_uri
from kiosk.texts import Lang
from kiosk.ticket_escpos import ticket_bytes
from queue_server.db.engine import make_engine
from queue_server.db.migrate import upgrade
from tests.server.conftest import load_test_office
from tests.server.processes import ServerProcess

PRINTERS = (
    ("image", "dummy:?profile=default", "576 dots, native QR"),
    ("image", "dummy:?profile=TM-T88V", "512 dots, native QR"),
    ("image", "dummy:?profile=POS-5890", "384 dots, QR as raster"),
    ("text", "dummy:?profile=TM-T88II&mode=text", "CP874, native QR"),
)
BAUDS = (9600, 115200)
BITS_PER_BYTE = 10  # start, 8 data, stop


def print_sizes() -> None:
    ticket = sample_ticket(datetime(2026, 11, 26, 10, 15, tzinfo=ZoneInfo("Asia/Bangkok")))
    print("\n1. bytes per ticket and time on a serial line")
    header = f"{'mode':6} {'profile':10} {'what':24} {'bytes':>7}"
    print(header + "".join(f" {f'{b} baud':>12}" for b in BAUDS))
    for mode, uri, what in PRINTERS:
        spec = parse_printer_uri(uri)
        data, built = ticket_bytes(ticket, Lang.TH, spec)
        assert built.value == mode
        row = f"{mode:6} {spec.profile:10} {what:24} {len(data):7d}"
        row += "".join(f" {len(data) * BITS_PER_BYTE / b:11.2f}s" for b in BAUDS)
        print(row)


class UiThread:
    """Runs the presenter's callbacks on the bench's main thread, like Kivy's @mainthread."""

    def __init__(self) -> None:
        self.inbox: queue.Queue[Callable[[], None]] = queue.Queue()

    def runner(self) -> Callable[[Callable[[], Any], Callable[[Any], None]], None]:
        def run(job: Callable[[], Any], done: Callable[[Any], None]) -> None:
            def work() -> None:
                try:
                    result = job()
                except Exception as exc:
                    result = exc
                self.inbox.put(lambda: done(result))

            threading.Thread(target=work, daemon=True).start()

        return run

    def until(self, condition: Callable[[], bool], timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))()


def tap_to_ticket(taps: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/swq.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        office = load_test_office(url)
        server = ServerProcess(url, env={"SWQ_KIOSK_RATE_LIMIT": str(taps * 10)}).start()
        try:
            ui = UiThread()
            presenter = KioskPresenter(
                KioskApi(server.url, office.tokens["kiosk"]),
                TicketPrinter(parse_printer_uri("dummy:")),
                run_network=ui.runner(),
                run_printer=ui.runner(),
                on_change=lambda: None,
                clock=time.monotonic,
            )
            presenter.start()
            ui.until(lambda: presenter.screen is Screen.HOME)
            assert presenter.office is not None
            # the bench measures the tap, not the office's priority question
            presenter.office = replace(presenter.office, ask_priority=False)
            times = []
            for i in range(taps):
                started = time.perf_counter()
                presenter.choose_service("AB"[i % 2])
                ui.until(lambda: presenter.screen is Screen.RESULT)
                times.append(time.perf_counter() - started)
                ui.until(lambda: presenter.print_state is not PrintState.PRINTING)
                presenter.tap_result()
                assert presenter.screen is Screen.HOME
        finally:
            server.stop()
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * len(times)))]
    print(f"\n2. tap to number on screen, {taps} taps, SQLite server on loopback")
    print(
        f"p50 {statistics.median(times) * 1000:.1f} ms   p99 {p99 * 1000:.1f} ms   "
        f"max {times[-1] * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--taps", type=int, default=200)
    args = parser.parse_args()
    print("$ python bench/kiosk_print.py " + shlex.join(sys.argv[1:]))
    print_sizes()
    tap_to_ticket(args.taps)


if __name__ == "__main__":
    main()
