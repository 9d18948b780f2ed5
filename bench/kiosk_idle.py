"""The kiosk on small hardware: CPU and memory idle and while issuing; taps and seconds from the
home screen to a printed ticket in offices of 6, 20 and 60 services.

    python bench/kiosk_idle.py [--idle 60] [--tickets 100] [--sizes 6,20,60]

Runs the real Kivy kiosk (offscreen window, tests/kiosk/kiosk_driver.py) against a real
`swq server` on SQLite with a generated office (tests/kiosk/catalogue.py: long real Thai names,
services over 3 agencies, the priority and extra-service questions on) and a TCP printer on
127.0.0.1. The kiosk process's CPU comes from /proc (user + system time over wall time, as % of
one core) and its memory is the resident set (VmRSS) at the end of each phase.

1. For each office size, a citizen goes to the LAST service of the catalogue (the most taps):
   the taps a person makes (agency, next page, service, priority, "get my ticket") and the
   seconds the kiosk takes from the first tap to the ticket out of the printer (machine time:
   a person adds their own reading and reaching). Then the same with that service among the
   admin's featured services (the most the first screen holds, spread over the catalogue).
2. Idle on the first screen of the largest office (with featured services) for `--idle` seconds.
3. `--tickets` tickets in a row through the window (a service on the first page, "normal",
   no extras), then the CPU and memory over that run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.office_file import MAX_FEATURED  # noqa: E402
from queue_server.db.engine import make_engine  # noqa: E402
from queue_server.db.migrate import upgrade  # noqa: E402
from tests.kiosk.catalogue import catalogue, office_toml  # noqa: E402
from tests.kiosk.links import TcpPrinter  # noqa: E402
from tests.kiosk.window import KioskProcess  # noqa: E402
from tests.server.conftest import load_test_office  # noqa: E402
from tests.server.processes import ServerProcess  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Office:
    """A server with a generated office, a printer and a kiosk window against them."""

    def __init__(self, services: int, folder: Path, featured: bool) -> None:
        folder.mkdir(parents=True)
        database = f"sqlite:///{folder / 'swq.db'}"
        engine = make_engine(database)
        upgrade(engine)
        engine.dispose()
        (folder / "office.toml").write_text(office_toml(services, 3))
        office = load_test_office(database, folder / "office.toml")
        self.services = catalogue(services, 3)[1]
        codes = [s["code"] for s in self.services]
        # the last service and others spread over the catalogue, as an admin would pick them
        picked = [codes[-1], *codes[:: max(1, services // MAX_FEATURED)]]
        tops = list(dict.fromkeys(picked))[:MAX_FEATURED] if featured else []
        engine = make_engine(database)
        with engine.begin() as conn:
            layout = {
                "services": [],
                "ask_priority": True,
                "ask_extra_services": True,
                "featured": tops,
            }
            conn.execute(sa.text("UPDATE offices SET kiosk = :k"), {"k": json.dumps(layout)})
        engine.dispose()
        env = {"SWQ_KIOSK_RATE_LIMIT": "100000"}
        self.server = ServerProcess(database, log_path=folder / "server.log", env=env).start()
        self.printer = TcpPrinter()
        self.kiosk = KioskProcess(self.server.url, office.tokens["kiosk"], self.printer.uri, folder)
        self.kiosk.send("wait home")

    def ticket(self, code: str) -> int:
        """One citizen from the home screen to a printed ticket for `code`: the taps made."""
        agency = next(s["agency"] for s in self.services if s["code"] == code)
        taps = 0
        while True:
            shown = self.kiosk.state()["buttons"]
            if code in shown:
                self.kiosk.send(f"tap_service {code}")
                taps += 1
                break
            if agency in shown:
                self.kiosk.send(f"tap_tile {agency}")
            elif "*" in shown:  # from the featured services to every service
                self.kiosk.send("tap_tile *")
            else:
                self.kiosk.send("tap_widget home next")
            taps += 1
        self.kiosk.send("wait priority")
        self.kiosk.send("tap_choice normal")
        self.kiosk.send("wait extras")
        self.kiosk.send("tap_widget extras done")
        self.kiosk.send("wait result")
        self.kiosk.send("wait_print")
        return taps + 2

    def finish(self) -> None:
        self.kiosk.send("tap_result")
        self.kiosk.send("wait home")

    def close(self) -> None:
        self.kiosk.close()
        self.printer.close()
        self.server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--sizes", default="6,20,60")
    args = parser.parse_args()
    print("$ python bench/kiosk_idle.py " + " ".join(sys.argv[1:]))
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        print("\n| services | featured | taps to the last service | seconds, first tap to paper |")
        print("|---:|---|---:|---:|")
        office = None
        for n in sizes:
            for featured in (False, True):
                if office is not None:
                    office.close()
                office = Office(n, Path(tmp) / f"office{n}-{featured}", featured)
                last = office.services[-1]["code"]
                started = time.perf_counter()
                taps = office.ticket(last)
                seconds = time.perf_counter() - started
                office.finish()
                said = "yes" if featured else "no"
                print(f"| {n} | {said} | {taps} | {seconds:.2f} |", flush=True)
        assert office is not None
        try:
            pid = office.kiosk.process.pid
            time.sleep(5)  # the home screen settles
            cpu, wall = cpu_seconds(pid), time.perf_counter()
            frames = office.kiosk.send(f"redraws {args.idle}", timeout_s=args.idle + 30)["frames"]
            idle_cpu = (cpu_seconds(pid) - cpu) / (time.perf_counter() - wall) * 100
            idle_rss = rss_mb(pid)
            first = office.services[0]["code"]
            cpu, wall = cpu_seconds(pid), time.perf_counter()
            for _ in range(args.tickets):
                office.ticket(first)
                office.finish()
            busy_wall = time.perf_counter() - wall
            busy_cpu = (cpu_seconds(pid) - cpu) / busy_wall * 100
            busy_rss = rss_mb(pid)
            printed = len(office.printer.jobs)
        finally:
            office.close()
    print(f"\nkiosk process ({sizes[-1]}-service office, featured services on its first screen):\n")
    print("| phase | CPU, % of one core | RSS, MB | wall, s |")
    print("|---|---:|---:|---:|")
    print(
        f"| idle on home ({frames} frames drawn) | {idle_cpu:.1f} | {idle_rss:.0f} |"
        f" {args.idle:.0f} |"
    )
    print(
        f"| {args.tickets} tickets ({printed} printed) | {busy_cpu:.1f} | {busy_rss:.0f} |"
        f" {busy_wall:.0f} |"
    )


if __name__ == "__main__":
    main()
