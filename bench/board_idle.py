"""What a Kivy hall board costs while the hall is quiet: CPU (% of one core) and memory (RSS).

    python bench/board_idle.py [--size 1920x1080] [--idle 60] [--calls 200] [--voice off]
        [--interval 0.2]

Starts `swq server` on a SQLite file with the test office and its notice line, then a real
`swq display` process (offscreen SDL window: software rendering, as on a PC without a GPU
driver). It measures the board's CPU time (all its threads, from /proc) over `--idle` seconds
with no calls, then makes `--calls` calls through the API (one every `--interval` s), waits
10 s, and measures the same idle window again: the board must rest once the calls are shown, and its
memory must not grow with the calls (RSS is also noted after each quarter of the calls).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from queue_server.db.engine import make_engine  # noqa: E402
from queue_server.db.migrate import upgrade  # noqa: E402
from tests.display.conftest import set_notice  # noqa: E402
from tests.server.conftest import OFFICE_FILE, load_test_office  # noqa: E402
from tests.server.processes import SWQ, ServerProcess  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid: int) -> float:
    """User + system time of the process and all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def idle_window(pid: int, seconds: float) -> dict[str, float]:
    cpu0, wall0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    cpu1, wall1 = cpu_seconds(pid), time.monotonic()
    return {
        "cpu_percent_of_one_core": round(100 * (cpu1 - cpu0) / (wall1 - wall0), 1),
        "rss_mb": round(rss_mb(pid), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--voice", default="off")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between calls")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="swq-board-idle-"))
    url = f"sqlite:///{work / 'swq.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    # Service A numbers have 3 digits in the test office: 999 a day. More calls need 5.
    office_file = work / "office.toml"
    office_file.write_text(
        OFFICE_FILE.read_text(encoding="utf-8").replace(
            'code = "A"\n', 'code = "A"\nnumber_width = 5\n', 1
        ),
        encoding="utf-8",
    )
    office = load_test_office(url, office_file)
    set_notice(url, office.code)
    server = ServerProcess(
        url,
        log_path=work / "server.log",
        env={"SWQ_KIOSK_RATE_LIMIT": "100000"},  # one kiosk issues every ticket, quickly
    ).start()
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "offscreen",
        "SDL_AUDIODRIVER": "disk",
        "SDL_DISKAUDIOFILE": str(work / "audio.raw"),
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(work / "kivy"),
    }
    with open(work / "board.log", "w") as log:
        board = subprocess.Popen(
            [*SWQ, "display", "--server", server.url, "--size", args.size, "--voice", args.voice],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(15)  # window, fonts and the first resync
        if board.poll() is not None:
            raise SystemExit((work / "board.log").read_text()[-3000:])
        result: dict[str, object] = {"size": args.size, "voice": args.voice}
        result["idle"] = idle_window(board.pid, args.idle)
        session = requests.Session()
        rss_during: list[float] = []
        for i in range(args.calls):
            session.post(
                f"{server.url}/api/v1/tickets",
                json={"service": "A"},
                headers=office.auth("kiosk"),
                timeout=10,
            ).raise_for_status()
            counter = "1" if i % 2 else "3"  # both serve A
            officer = office.auth(f"officer{counter}")
            called = session.post(
                f"{server.url}/api/v1/counters/{counter}/next", headers=officer, timeout=10
            )
            called.raise_for_status()
            session.post(
                f"{server.url}/api/v1/tickets/{called.json()['id']}/done",
                json={},
                headers=officer,
                timeout=10,
            ).raise_for_status()
            time.sleep(args.interval)
            if (i + 1) % max(1, args.calls // 4) == 0:
                rss_during.append(round(rss_mb(board.pid), 1))
        time.sleep(10)
        result["rss_mb_during_calls"] = rss_during
        result["calls"] = args.calls
        result["idle_after_calls"] = idle_window(board.pid, args.idle)
        print(json.dumps(result))
    finally:
        board.kill()  # an SDL window may not heed SIGTERM; the board keeps nothing to save
        board.wait(10)
        server.stop()


if __name__ == "__main__":
    main()
