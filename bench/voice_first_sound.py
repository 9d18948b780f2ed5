"""Call -> first sound: how long after an officer's call returns each board starts saying it.

    python bench/voice_first_sound.py [--calls 50] [--gap 2.5] [--stand-in]

Starts `swq server` on a SQLite file with the test office and makes a recorded pack (short
tones, normalised as an upload is) the office's pack, as the admin page does; `--stand-in` keeps
the shipped pack. Then, one board at a time, it makes `--calls` calls through the API, `--gap`
seconds apart (more than one call takes to say, so no call waits behind another):

- the web board in Debian's Chromium (`--autoplay-policy=no-user-gesture-required`, as a TV in
  kiosk mode): the page's audio graph is instrumented, and the first sound of a call is the wall
  time at which its chime is scheduled to start (`AudioBufferSourceNode.start(when)`, mapped from
  the audio clock to the page's clock);
- the Kivy board in its own process (offscreen SDL window, SDL's disk audio driver): the wall
  time at which its player has handed the call's WAV to SDL and started it.

Both count from just before the call's request is sent, on the same machine's clock; the first
call includes fetching the pack (the web board's clips; the Kivy board downloads the pack when it
becomes the office's, before the calls). The audio device's own output latency is not included.
Prints one JSON object (milliseconds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from queue_server.db.database import Database  # noqa: E402
from queue_server.db.engine import make_engine  # noqa: E402
from queue_server.db.migrate import upgrade  # noqa: E402
from queue_server.voice_packs.pack import checked  # noqa: E402
from queue_server.voice_packs.store import activate, save_pack  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.server.conftest import Office, load_test_office  # noqa: E402
from tests.server.processes import ServerProcess  # noqa: E402
from tests.voice_files import pack_files  # noqa: E402

# Wall time (ms since the epoch) at which each clip is to sound, from the audio graph itself.
RECORD_FIRST_SOUND = """
(() => {
  window.__sounds = [];
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (when = 0, ...rest) {
    const ahead = Math.max(0, when - this.context.currentTime);
    window.__sounds.push(performance.timeOrigin + performance.now() + ahead * 1000);
    return start.call(this, when, ...rest);
  };
})();
"""


def summary(latencies_ms: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies_ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "calls": len(ordered),
        "first_call_ms": round(latencies_ms[0], 1),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(ordered[-1], 1),
    }


class Calls:
    """Tickets issued and called at counter 3, one at a time, each done before the next."""

    def __init__(self, url: str, office: Office) -> None:
        self.url = url
        self.office = office
        self.session = requests.Session()
        self.current: str | None = None

    def call(self) -> float:
        """Makes the next call; returns the wall time (ms) just before its request was sent."""
        officer = self.office.auth("officer3")
        if self.current is not None:
            self.session.post(
                f"{self.url}/api/v1/tickets/{self.current}/done",
                json={},
                headers=officer,
                timeout=10,
            ).raise_for_status()
        self.session.post(
            f"{self.url}/api/v1/tickets",
            json={"service": "A"},
            headers=self.office.auth("kiosk"),
            timeout=10,
        ).raise_for_status()
        sent = time.time() * 1000
        called = self.session.post(
            f"{self.url}/api/v1/counters/3/next", headers=officer, timeout=10
        )
        called.raise_for_status()
        self.current = called.json()["id"]
        return sent


def web_board(url: str, calls: Calls, count: int, gap_s: float) -> list[float]:
    from playwright.sync_api import sync_playwright

    latencies = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
        )
        page = browser.new_page()
        page.add_init_script(RECORD_FIRST_SOUND)
        page.goto(f"{url}/board?voice=th")
        page.wait_for_function("voice.ctx.state === 'running'")
        for _ in range(count):
            heard = page.evaluate("window.__sounds.length")
            sent = calls.call()
            page.wait_for_function("n => window.__sounds.length > n", arg=heard, timeout=30_000)
            latencies.append(page.evaluate("n => window.__sounds[n]", heard) - sent)
            time.sleep(gap_s)
        browser.close()
    return latencies


def kivy_board(
    url: str, calls: Calls, count: int, gap_s: float, work: Path, pack: str
) -> list[float]:
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "offscreen",
        "SDL_AUDIODRIVER": "disk",
        "SDL_DISKAUDIOFILE": str(work / "audio.raw"),
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(work / "kivy"),
    }
    board = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--kivy-board",
            url,
            "--cache",
            str(work / "cache"),
            "--pack",
            pack,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=open(work / "board.log", "w"),  # noqa: SIM115 - the child keeps its own copy
        text=True,
    )
    assert board.stdout is not None
    latencies = []
    try:
        for line in board.stdout:
            if line.strip() == "READY":
                break
        else:
            raise SystemExit((work / "board.log").read_text()[-3000:])
        for _ in range(count):
            sent = calls.call()
            line = board.stdout.readline()
            assert line.startswith("SOUND "), line
            latencies.append(float(line.split()[1]) - sent)
            time.sleep(gap_s)
    finally:
        board.kill()
        board.wait(10)
    return latencies


def run_kivy_board(url: str, cache: Path, pack: str) -> None:
    """The child process: the real board app, its player timed; READY once it is online with
    the office's pack, then `SOUND <ms>` each time an announcement starts."""
    from display.cli import configure_kivy
    from display.options import DisplayOptions

    configure_kivy(False, (1280, 720))
    from kivy.clock import Clock

    from display.board_app import BoardApp

    app = BoardApp(DisplayOptions(server=url, languages=("th",), voice_cache=cache))
    assert app.player is not None and app.announcer is not None
    announcer, player = app.announcer, app.player
    start = player.start

    def timed_start(wav: bytes) -> None:
        start(wav)
        print(f"SOUND {time.time() * 1000}", flush=True)

    player.start = timed_start  # type: ignore[method-assign]

    def ready(_dt: float) -> bool:
        if app.screen.online and (pack == "default" or announcer.pack.root.name == pack):
            print("READY", flush=True)
            return False
        return True

    Clock.schedule_interval(ready, 0.1)
    app.run()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--gap", type=float, default=2.5, help="seconds between calls")
    parser.add_argument("--stand-in", action="store_true", help="the shipped pack")
    parser.add_argument("--kivy-board", help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pack", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kivy_board:
        run_kivy_board(args.kivy_board, args.cache, args.pack)
        return
    work = Path(tempfile.mkdtemp(prefix="swq-first-sound-"))
    url = f"sqlite:///{work / 'swq.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    office = load_test_office(url)
    pack = "default"
    if not args.stand_in:
        db = Database(url)
        check, clips = checked(pack_files(0.1, rate=22050, stereo=False))
        now = datetime.now(UTC)
        with db.writing() as conn:
            stored = save_pack(conn, office.code, clips, check.languages, "bench", "bench", now)
            activate(db, conn, office.code, stored, "bench", now)
        db.dispose()
        pack = stored.version
    server = ServerProcess(url, log_path=work / "server.log").start()
    try:
        calls = Calls(server.url, office)
        result = {
            "pack": "stand-in" if args.stand_in else "recorded (0.1 s clips)",
            "gap_s": args.gap,
            "web_board": summary(web_board(server.url, calls, args.calls, args.gap)),
            "kivy_board": summary(kivy_board(server.url, calls, args.calls, args.gap, work, pack)),
        }
        print(json.dumps(result))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
