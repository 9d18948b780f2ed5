"""Call -> board: how long after an officer's call returns the boards' models show it.

    python bench/board_latency.py [--boards 50] [--calls 200] [--rate 5] [--memory-calls 10000]

Starts `swq server` on a SQLite file with the test office, connects `--boards` boards (each a
display.feed.BoardFeed with its own BoardModel, in threads of this process), then makes calls
at `--rate` per second through the API and records, per board, when its model took the call.
Then feeds `--memory-calls` calls as SSE bytes through one board's decoder and model and
reports the memory they hold (tracemalloc) at intervals: it must not grow with the calls.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.sse import SSEDecoder, encode_data  # noqa: E402
from display.board_model import BoardModel  # noqa: E402
from display.feed import BoardFeed  # noqa: E402
from queue_server.db.engine import make_engine  # noqa: E402
from queue_server.db.migrate import upgrade  # noqa: E402
from tests.server.conftest import load_test_office  # noqa: E402
from tests.server.processes import ServerProcess  # noqa: E402


class TimedBoard:
    """A board model that notes when each call number reached it."""

    def __init__(self) -> None:
        self.model = BoardModel()
        self.seen: dict[str, float] = {}
        self.connected = threading.Event()

    def on_event(self, event_id: int, event_type: str, data: dict[str, Any]) -> None:
        call = self.model.apply(event_id, event_type, data)
        if call is not None:
            self.seen.setdefault(call.number, time.perf_counter())

    def on_board(self, doc: dict[str, Any]) -> None:
        self.model.resync(doc)

    def on_office(self, doc: dict[str, Any]) -> None:
        pass

    def on_connection(self, connected: bool, detail: str) -> None:
        if connected:
            self.connected.set()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def latency(server: ServerProcess, auth: dict[str, dict[str, str]], args: Any) -> dict:
    boards = [TimedBoard() for _ in range(args.boards)]
    feeds = [BoardFeed(server.url, board) for board in boards]
    for feed in feeds:
        feed.start()
    for board in boards:
        if not board.connected.wait(30):
            raise SystemExit("a board did not connect")
    session = requests.Session()
    returned: dict[str, float] = {}
    sent: dict[str, float] = {}
    previous: dict[str, str] = {}
    for i in range(args.calls):
        counter = "1" if i % 2 == 0 else "3"
        session.post(
            f"{server.url}/api/v1/tickets", json={"service": "A"}, headers=auth["kiosk"]
        ).raise_for_status()
        if counter in previous:
            session.post(
                f"{server.url}/api/v1/tickets/{previous[counter]}/done",
                json={},
                headers=auth[counter],
            ).raise_for_status()
        started = time.perf_counter()
        response = session.post(
            f"{server.url}/api/v1/counters/{counter}/next", headers=auth[counter]
        )
        response.raise_for_status()
        returned[response.json()["number"]] = time.perf_counter()
        sent[response.json()["number"]] = started
        previous[counter] = response.json()["id"]
        time.sleep(max(0.0, 1 / args.rate - (time.perf_counter() - started)))
    time.sleep(2)
    for feed in feeds:
        feed.stop()
    delays = []  # from the call's answer; often the board has it first: counted as 0
    from_request = []  # from the moment the officer's request left
    missing = 0
    for board in boards:
        for number, at in returned.items():
            if number in board.seen:
                delays.append(max(0.0, board.seen[number] - at) * 1000)
                from_request.append((board.seen[number] - sent[number]) * 1000)
            else:
                missing += 1
    return {
        "boards": args.boards,
        "calls": args.calls,
        "samples": len(delays),
        "missing": missing,
        "p50_ms": round(percentile(delays, 50), 2),
        "p99_ms": round(percentile(delays, 99), 2),
        "max_ms": round(max(delays), 2),
        "mean_ms": round(statistics.fmean(delays), 2),
        "from_request_p50_ms": round(percentile(from_request, 50), 2),
        "from_request_p99_ms": round(percentile(from_request, 99), 2),
        "board_first_share": round(sum(1 for d in delays if d == 0) / len(delays), 3),
    }


def memory(calls: int) -> dict:
    """Memory a board's decoder + model hold, after 1,000 calls and then every 1/5 of `calls`."""
    model = BoardModel()
    model.resync({"last_event_id": 0, "calls": [], "counters": []})
    decoder = SSEDecoder()
    tracemalloc.start()
    marks = {}
    checkpoints = {1000, *range(calls // 5, calls + 1, calls // 5)}
    for i in range(1, calls + 1):
        data = json.dumps(
            {
                "ticket_id": f"t{i}",
                "number": f"A{i % 1000:03d}",
                "counter": str(i % 12 + 1),
                "service": "A",
                "at": "2026-11-26T10:00:00+07:00",
            }
        )
        for event in decoder.feed(encode_data(i, "ticket.called", data)):
            model.apply(int(event.id or 0), event.event, event.json())
        if i in checkpoints:
            marks[i] = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {"bytes_after_calls": marks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="calls per second")
    parser.add_argument("--memory-calls", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/swq.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        office = load_test_office(url)
        auth = {
            "kiosk": office.auth("kiosk"),
            "1": office.auth("officer1"),
            "3": office.auth("officer3"),
        }
        # Every simulated board streams from 127.0.0.1: no per-address share of the streams.
        env = {
            "SWQ_KIOSK_RATE_LIMIT": "1000000",
            "SWQ_STREAMS_PER_ADDRESS": "1000000",
            "SWQ_STREAMS_PUBLIC_SHARE": "1",
        }
        server = ServerProcess(url, streams=args.boards + 16, env=env).start()
        try:
            result = latency(server, auth, args)
        finally:
            server.stop()
    result["memory"] = memory(args.memory_calls)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
