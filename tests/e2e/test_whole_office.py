"""End to end: `swq demo` runs the office; a citizen taps the real kiosk window, the ticket
reaches the printer, officer1 calls it in the browser console, the Kivy board and the web board
show it and the announcer says it, the officer finishes it, and the day's report counts it.

The README's screenshots of the kiosk, the board and the console are the ones this test takes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import ROOT, SCREENSHOTS
from tests.display.test_board_window import board_env
from tests.kiosk.window import KioskProcess
from tests.server.people import sign_in_over_http
from tests.server.processes import free_port
from tests.server.test_demo import read_banner, start_demo, stop

BANGKOK = ZoneInfo("Asia/Bangkok")


@dataclass
class Demo:
    process: subprocess.Popen[str]
    url: str
    banner: str
    folder: Path

    def token(self, role: str) -> str:
        found = re.search(rf"{role} token:\s+(\S+)", self.banner)
        assert found is not None, self.banner
        return found.group(1)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    port = free_port()
    process = start_demo(tmp_path, port)
    try:
        yield Demo(process, f"http://127.0.0.1:{port}", read_banner(process), tmp_path)
    finally:
        stop(process, port)


def start_board(demo: Demo) -> subprocess.Popen[str]:
    """The real Kivy board, Thai voice on, its sound written to a file by SDL."""
    with open(demo.folder / "board.log", "w") as log:
        board = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.display.board_driver",
                "--server",
                demo.url,
                "--size",
                "1366x768",
                "--expect",
                "A001",
                "--announcements",
                "1",
                "--voice",
                "th",
                "--screenshot",
                str(SCREENSHOTS / "e2e-board.png"),
            ],
            cwd=ROOT,
            env=board_env(demo.folder, demo.folder / "audio.raw"),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    assert board.stdout is not None
    for line in board.stdout:
        if line.strip() == "READY":
            return board
    pytest.fail("the board never came online: " + (demo.folder / "board.log").read_text()[-2000:])


def board_result(board: subprocess.Popen[str], demo: Demo) -> dict:
    out, _ = board.communicate(timeout=120)
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    assert board.returncode == 0 and lines, (demo.folder / "board.log").read_text()[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


@pytest.mark.faults
def test_a_citizen_is_served_from_kiosk_to_report(demo: Demo, browser: Browser) -> None:
    tickets = demo.folder / "tickets"
    board = start_board(demo)
    web_board = browser.new_page(viewport={"width": 1366, "height": 768})
    web_board.goto(f"{demo.url}/board")

    kiosk = KioskProcess(demo.url, demo.token("kiosk"), f"file:{tickets}/", demo.folder)
    try:
        kiosk.send("wait home")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        kiosk.send(f"screenshot {SCREENSHOTS / 'e2e-kiosk-home.png'}")
        kiosk.send("tap_service A")
        kiosk.send("wait priority")
        kiosk.send("tap_choice normal")
        kiosk.send("wait result")
        kiosk.send("wait_print")
        state = kiosk.state()
        kiosk.send(f"screenshot {SCREENSHOTS / 'e2e-kiosk-result.png'}")
    finally:
        kiosk.close()
    assert "A001" in str(state)
    printed = sorted(tickets.glob("*-A001.bin"))
    assert len(printed) == 1 and printed[0].with_suffix(".png").exists()

    console = browser.new_page(viewport={"width": 1366, "height": 768})
    console.goto(f"{demo.url}/login")
    console.fill("#username", "officer1")
    console.fill("#password", "demo1")
    console.click("#sign-in")
    expect(console.locator("#queues")).to_contain_text("1")
    console.wait_for_selector("body[data-ready=console]", state="attached")
    console.click("#next")
    expect(console.locator("#ticket-number")).to_have_text("A001")

    shown = board_result(board, demo)
    assert (shown["newest"], shown["calls"]) == ("A001", [])
    assert shown["announced"][0]["number"] == "A001" and shown["announced"][0]["counter"] == "1"
    assert shown["announced"][0]["seconds"] > 1.0  # chime and voice, not silence
    assert (demo.folder / "audio.raw").stat().st_size > 44100 * 4  # over a second of sound out
    expect(web_board.locator("body")).to_contain_text("A001")
    web_board.screenshot(path=SCREENSHOTS / "e2e-web-board.png")

    console.screenshot(path=SCREENSHOTS / "e2e-console.png")
    console.keyboard.press("F4")
    expect(console.locator("#message")).to_contain_text("ปิดงานแล้ว A001")

    admin, _ = sign_in_over_http(demo.url, "admin", "demo-admin")
    today = datetime.now(BANGKOK).date().isoformat()
    deadline = time.monotonic() + 10
    while True:
        report = admin.get(f"{demo.url}/api/v1/reports/summary?date={today}", timeout=30).json()
        if report["totals"]["served"] == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert report["totals"]["visits"] == 1
    assert report["totals"]["served"] == 1
