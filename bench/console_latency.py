"""Event -> officer console updated, in a real Chromium, and the console's memory after many events.

    python bench/console_latency.py [--rate 30] [--seconds 20] [--heap-events 10000]

Starts `swq server` on a SQLite file with the test office and opens counter 1's console in
Debian's chromium (Playwright), signed in as its officer. The page notes, on every htmx swap,
the wall-clock time and the event id the server stamped on what it drew.

1. **latency**: a single client makes `--rate` events a second for `--seconds` (a kiosk issuing
   A and B tickets, counter 2 calling and finishing B's), every one through the HTTP API, one
   event per request. Event k's id is the stream's last id before the run plus k, so each event
   is matched to the first drawing that includes it: latency runs from the request that made
   the event returning (it has committed) to that drawing (both on this machine's wall clock).
2. **memory**: `--heap-events` more events (counter 3 pausing and resuming, as fast as the
   server takes them); the page's JavaScript heap (`Performance.getMetrics` JSHeapUsedSize,
   after `HeapProfiler.collectGarbage`) and DOM node count, sampled along the way.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from queue_server.db.engine import make_engine  # noqa: E402
from queue_server.db.migrate import upgrade  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.server.conftest import Office, load_test_office  # noqa: E402
from tests.server.processes import ServerProcess  # noqa: E402

RECORDER = """() => {
    window.drawn = [];
    window.recording = true;
    document.body.addEventListener('htmx:afterSettle', () => {
        if (!window.recording) return;
        const stamp = document.querySelector('[data-event-id]');
        window.drawn.push([Date.now(), Number(stamp.dataset.eventId)]);
    });
}"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Hall:
    def __init__(self, server: ServerProcess, office: Office) -> None:
        self.url = server.url
        self.office = office
        self.session = requests.Session()

    def post(self, who: str, path: str, **body: object) -> dict:
        response = self.session.post(
            f"{self.url}/api/v1{path}", json=body, headers=self.office.auth(who), timeout=10
        )
        if response.status_code not in (200, 201):
            raise SystemExit(f"{path}: {response.status_code} {response.text}")
        return response.json()

    def last_event_id(self) -> int:
        return int(self.session.get(f"{self.url}/api/v1/board", timeout=10).json()["last_event_id"])


def busy_hall(hall: Hall, rate: float, seconds: float) -> list[float]:
    """Events at `rate` a second; the wall-clock time (ms) each one's request returned."""
    returned: list[float] = []
    at_counter: str | None = None
    start = time.perf_counter()
    for k in range(int(rate * seconds)):
        time.sleep(max(0.0, start + k / rate - time.perf_counter()))
        step = k % 4
        if step == 0:
            hall.post("kiosk", "/tickets", service="A")
        elif step == 1:
            hall.post("kiosk", "/tickets", service="B")
        elif step == 2:
            at_counter = hall.post("officer2", "/counters/2/next")["id"]
        else:
            hall.post("officer2", f"/tickets/{at_counter}/done")
        returned.append(time.time() * 1000)
    return returned


def heap(page: Page, cdp: object) -> tuple[float, int]:
    cdp.send("HeapProfiler.collectGarbage")  # type: ignore[attr-defined]
    metrics = cdp.send("Performance.getMetrics")["metrics"]  # type: ignore[attr-defined]
    values = {m["name"]: m["value"] for m in metrics}
    return values["JSHeapUsedSize"] / 1024, int(values["Nodes"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--heap-events", type=int, default=10_000)
    args = parser.parse_args()
    print("$ python bench/console_latency.py " + " ".join(sys.argv[1:]))

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/swq.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        office = load_test_office(url)
        server = ServerProcess(
            url, log_path=Path(folder) / "server.log", env={"SWQ_KIOSK_RATE_LIMIT": "1000000"}
        ).start()
        try:
            hall = Hall(server, office)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                page.goto(f"{hall.url}/login")
                page.fill("#username", "somchai")
                page.fill("#password", "change-me")
                page.click("#sign-in")
                page.wait_for_selector("#desk-bar")
                page.evaluate(RECORDER)
                cdp = page.context.new_cdp_session(page)
                cdp.send("Performance.enable")

                base = hall.last_event_id()
                returned = busy_hall(hall, args.rate, args.seconds)
                last = base + len(returned)
                page.wait_for_function(
                    "id => window.drawn.some(([, e]) => e >= id)", arg=last, timeout=30_000
                )
                drawn = page.evaluate("window.drawn")
                latencies = []
                for k, at in enumerate(returned, 1):
                    first = next(t for t, e in drawn if e >= base + k)
                    latencies.append(max(0.0, first - at))
                print(
                    f"\nlatency, {len(returned)} events at {args.rate:g}/s, "
                    f"{len(drawn)} drawings ({len(drawn) / args.seconds:.1f}/s)"
                )
                print("| p50 ms | p90 ms | p99 ms | max ms | mean ms |")
                print("|---:|---:|---:|---:|---:|")
                print(
                    f"| {percentile(latencies, 50):.0f} | {percentile(latencies, 90):.0f} "
                    f"| {percentile(latencies, 99):.0f} | {max(latencies):.0f} "
                    f"| {statistics.fmean(latencies):.0f} |"
                )

                # The recorder's own list must not count in the page's memory.
                page.evaluate("window.recording = false; window.drawn = []")
                samples = [(0, *heap(page, cdp))]
                marks = {args.heap_events // 10, args.heap_events // 4, args.heap_events // 2}
                for k in range(1, args.heap_events + 1):
                    hall.post("officer3", "/counters/3/" + ("pause" if k % 2 else "resume"))
                    if k in marks or k == args.heap_events:
                        page.wait_for_function(
                            "id => Number(document.querySelector('[data-event-id]')"
                            ".dataset.eventId) >= id",
                            arg=hall.last_event_id(),
                            timeout=30_000,
                        )
                        samples.append((k, *heap(page, cdp)))
                print(f"\nmemory after events (counter 3 pausing and resuming, {args.heap_events})")
                print("| events | JS heap used KB | DOM nodes |")
                print("|---:|---:|---:|")
                for k, kb, nodes in samples:
                    print(f"| {k:,} | {kb:,.0f} | {nodes:,} |")
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
