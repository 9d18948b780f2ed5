"""What a ticket and a call cost in CPU, with 1 to 100 offices on one PostgreSQL and 1 or 2 nodes.

    python bench/province_cost.py [--offices 1,20,100] [--nodes 1,2] [--workers 2]
                                  [--tickets 400] [--clients 8] [--boards 100] [--pg URL]

Wall-clock throughput says little on a machine shared with other work; CPU time does not depend
on who else runs. For each number of offices and of nodes, on a fresh database: `--boards`
boards (event streams, board i watching office i mod O through node i mod N) stay connected;
`--clients` closed-loop clients first issue `--tickets` tickets (service A, the offices in
turn, each office's requests to its node), then call them at counter 1 and finish each. Around
each phase the bench reads, from /proc, the CPU seconds of every process of the nodes and of
the PostgreSQL backends serving the bench's database, and reports:

- server CPU per ticket issued, and per call with its "done" (two requests, two transactions);
- PostgreSQL backends' CPU per write transaction (not the server-wide writer and checkpointer,
  which serve every database on the machine);
- the nodes' CPU while idle with the boards connected (the feeders' reads);
- issue and call latency (p50, p99) under this closed loop, and call-to-board (from sending the
  call to each board of its office receiving `ticket.called`, p50 / p99 over all boards), and
  the same from the call's answer (its commit) on: what the event stream itself adds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests

# Run as `python bench/province_cost.py`: the repository root holds `bench` and `tests`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api import (
    CLOCK_TICKS,
    Config,
    Subscriber,
    cpu_snapshot,
    fresh_database,
    machine_facts,
    percentile_ms,
    print_lines,
    progress,
    server_pid,
)
from bench.province import office_code, office_toml
from core.office_file import loads_office
from queue_server.auth import Role, create_token
from queue_server.db.engine import make_engine
from queue_server.offices import store_office
from tests.server.processes import ServerProcess

# A database of its own: bench/api.py and bench/province.py use swq_bench.
DATABASE = "swq_bench_cost"
REQUEST_TIMEOUT_S = 30.0
IDLE_S = 3.0
BOARD_WAIT_S = 20.0
# Fixed pools: a backend that lives through the run has its CPU counted whole (an overflow
# connection closed mid-phase would take its CPU seconds with it).
NODE_ENV = {
    "SWQ_DB_POOL_SIZE": "6",
    "SWQ_DB_MAX_OVERFLOW": "0",
    "SWQ_KIOSK_RATE_LIMIT": "1000000",
    "SWQ_STREAMS_PER_ADDRESS": "1000",
}


@dataclass
class OfficeTokens:
    code: str
    kiosk: str
    officer: str  # counter 1


def load_offices(url: str, offices: int) -> list[OfficeTokens]:
    engine = make_engine(url)
    now = datetime.now(UTC)
    loaded = []
    with engine.begin() as conn:
        for n in range(1, offices + 1):
            office = loads_office(office_toml(n, 10_000), f"office {office_code(n)}")
            code = office.config.office.code
            store_office(conn, office)
            loaded.append(
                OfficeTokens(
                    code,
                    create_token(conn, office=code, role=Role.KIOSK, name="kiosk", now=now),
                    create_token(
                        conn, office=code, role=Role.OFFICER, name="o1", counter="1", now=now
                    ),
                )
            )
    engine.dispose()
    return loaded


def database_url(server: str) -> str:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            conn.execute(f"CREATE DATABASE {DATABASE}")
    return f"{server}/{DATABASE}".replace("postgresql://", "postgresql+psycopg://")


# --- CPU accounting ----------------------------------------------------------------------------
def backends_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving the bench's database, by pid (its title
    is "postgres: VERSION/CLUSTER: USER DATABASE HOST(PORT) STATE")."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            title = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").split()
            if len(title) < 4 or title[0] != b"postgres:" or title[3] != DATABASE.encode():
                continue
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return found


@dataclass
class Cpu:
    server: float
    postgres: float

    @classmethod
    def now(cls, nodes: list[ServerProcess]) -> tuple[float, dict[int, float]]:
        server = sum(
            v
            for node in nodes
            for k, v in cpu_snapshot(server_pid(node)).items()
            if k.startswith("server ")
        )
        return server, backends_cpu()

    @classmethod
    def between(
        cls, before: tuple[float, dict[int, float]], after: tuple[float, dict[int, float]]
    ) -> Cpu:
        # A backend that started inside the window counts from zero.
        pg = sum(v - before[1].get(pid, 0.0) for pid, v in after[1].items())
        return cls(after[0] - before[0], pg)


# --- clients -----------------------------------------------------------------------------------
@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    # ticket -> (office, when the call was sent, when its answer came)
    sent: dict[str, tuple[str, float, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _post(
    session: requests.Session, url: str, token: str, body: dict | None = None
) -> requests.Response | None:
    try:
        return session.post(
            url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_TIMEOUT_S
        )
    except requests.RequestException:
        return None


def run_clients(
    clients: int, work: list[OfficeTokens], step: Callable[[requests.Session, OfficeTokens], None]
) -> float:
    """`step(session, item)` for every item, `clients` at a time; returns the wall seconds."""
    sessions = [requests.Session() for _ in range(clients)]
    items = iter(work)
    lock = threading.Lock()

    def loop(session: requests.Session) -> None:
        while True:
            with lock:
                item = next(items, None)
            if item is None:
                return
            step(session, item)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(loop, sessions))
    for session in sessions:
        session.close()
    return time.perf_counter() - t0


# --- one configuration -------------------------------------------------------------------------
@dataclass
class Row:
    offices: int
    nodes: int
    tickets: int
    calls: int
    issue_cpu: Cpu
    call_cpu: Cpu
    idle_server_cores: float
    issue: Phase
    call: Phase
    desk: Phase
    desk_cpu: Cpu
    board_s: list[float]
    after_answer_s: list[float]  # from the call's answer (its commit) to each board
    boards: int
    missed: int  # board deliveries not seen within BOARD_WAIT_S
    issue_s: float
    call_s: float


@contextlib.contextmanager
def nodes_up(url: str, count: int, workers: int, streams: int) -> Iterator[list[ServerProcess]]:
    os.environ.update(NODE_ENV)
    nodes = [ServerProcess(url, workers=workers, streams=streams) for _ in range(count)]
    try:
        with ThreadPoolExecutor() as pool:
            list(pool.map(ServerProcess.start, nodes))
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def measure(url: str, offices: int, node_count: int, args: argparse.Namespace) -> Row:
    fresh_database(Config("pg", args.workers), Path("."), url, "cost")
    progress(f"{offices} offices, {node_count} node(s): storing the offices")
    tokens = load_offices(url, offices)
    node_of = {t.code: n % node_count for n, t in enumerate(tokens)}
    with nodes_up(url, node_count, args.workers, args.boards + 16) as nodes:
        base = {t.code: nodes[node_of[t.code]].url for t in tokens}

        # Warm every office (configuration caches, the feeders' office feeds) outside the count.
        def warm(session: requests.Session, t: OfficeTokens) -> None:
            _post(session, f"{base[t.code]}/api/v1/tickets", t.kiosk, {"service": "A"})
            called = _post(session, f"{base[t.code]}/api/v1/counters/1/next", t.officer)
            if called is not None and called.status_code == 200:
                _post(
                    session,
                    f"{base[t.code]}/api/v1/tickets/{called.json()['id']}/done",
                    t.officer,
                    {},
                )

        run_clients(args.clients, tokens, warm)
        boards: list[tuple[str, Subscriber]] = []
        for i in range(args.boards):
            office = tokens[i % offices].code
            node = urlsplit(nodes[i % node_count].url)
            board = Subscriber(
                node.hostname or "", node.port or 0, f"/api/v1/events?office={office}"
            )
            assert board.ok, f"board {i} refused"
            boards.append((office, board))
        try:
            before = Cpu.now(nodes)
            time.sleep(IDLE_S)  # the idle cost is what this measures
            idle = Cpu.between(before, Cpu.now(nodes))

            issue = Phase()
            order = [tokens[i % offices] for i in range(args.tickets)]

            def issue_one(session: requests.Session, t: OfficeTokens) -> None:
                t0 = time.perf_counter()
                answer = _post(session, f"{base[t.code]}/api/v1/tickets", t.kiosk, {"service": "A"})
                with issue.lock:
                    if answer is not None and answer.status_code == 201:
                        issue.latencies.append(time.perf_counter() - t0)
                    else:
                        issue.errors[str(answer.status_code if answer else "no answer")] += 1

            progress(f"{offices} offices, {node_count} node(s): issuing {args.tickets} tickets")
            before = Cpu.now(nodes)
            issue_s = run_clients(args.clients, order, issue_one)
            issue_cpu = Cpu.between(before, Cpu.now(nodes))

            call = Phase()

            # Counter 1 holds one ticket until it is done: one client per office at a time.
            at_counter = {t.code: threading.Lock() for t in tokens}

            def call_one(session: requests.Session, t: OfficeTokens) -> None:
                with at_counter[t.code]:
                    t0 = time.perf_counter()
                    answer = _post(session, f"{base[t.code]}/api/v1/counters/1/next", t.officer)
                    if answer is None or answer.status_code != 200:
                        with call.lock:
                            call.errors[f"call {answer.status_code if answer else '-'}"] += 1
                        return
                    ticket = str(answer.json()["id"])
                    answered = time.perf_counter()
                    with call.lock:
                        call.latencies.append(answered - t0)
                        call.sent[ticket] = (t.code, t0, answered)
                    done = _post(
                        session, f"{base[t.code]}/api/v1/tickets/{ticket}/done", t.officer, {}
                    )
                    if done is None or done.status_code != 200:
                        with call.lock:
                            call.errors[f"done {done.status_code if done else '-'}"] += 1

            progress(f"{offices} offices, {node_count} node(s): calling them")
            clients = min(args.clients, offices)
            before = Cpu.now(nodes)
            call_s = run_clients(clients, order, call_one)
            call_cpu = Cpu.between(before, Cpu.now(nodes))

            # What an open console does on every event of its office: read its counter's desk
            # (the JSON the console's fragment is drawn from; the HTML adds a template).
            desk = Phase()

            def read_desk(session: requests.Session, t: OfficeTokens) -> None:
                t0 = time.perf_counter()
                try:
                    answer = session.get(
                        f"{base[t.code]}/api/v1/counters/1",
                        headers={"Authorization": f"Bearer {t.officer}"},
                        timeout=REQUEST_TIMEOUT_S,
                    )
                except requests.RequestException:
                    answer = None
                with desk.lock:
                    if answer is not None and answer.status_code == 200:
                        desk.latencies.append(time.perf_counter() - t0)
                    else:
                        desk.errors[f"desk {answer.status_code if answer else '-'}"] += 1

            progress(f"{offices} offices, {node_count} node(s): reading desks")
            before = Cpu.now(nodes)
            run_clients(args.clients, order, read_desk)
            desk_cpu = Cpu.between(before, Cpu.now(nodes))

            until = time.perf_counter() + BOARD_WAIT_S
            board_s: list[float] = []
            after_answer_s: list[float] = []
            missed = 0
            for office, board in boards:
                mine = {k for k, (o, _, _) in call.sent.items() if o == office}
                board.wait_for(mine, until)
                for ticket in mine:
                    if ticket in board.called:
                        _, sent, answered = call.sent[ticket]
                        board_s.append(board.called[ticket] - sent)
                        after_answer_s.append(board.called[ticket] - answered)
                    else:
                        missed += 1
        finally:
            for _, board in boards:
                board.close()
    return Row(
        offices, node_count, len(issue.latencies), len(call.latencies), issue_cpu, call_cpu,
        idle.server / IDLE_S, issue, call, desk, desk_cpu, board_s, after_answer_s,
        args.boards, missed, issue_s, call_s,
    )  # fmt: skip


def p50_99(seconds: list[float]) -> str:
    return f"{percentile_ms(seconds, 0.5):.0f}/{percentile_ms(seconds, 0.99):.0f}"


def table(rows: list[Row]) -> list[str]:
    def ms(cpu_s: float, n: int) -> str:
        return f"{1000 * cpu_s / n:.1f}" if n else "-"

    lines = [
        "offices nodes | server CPU ms: per ticket, per call+done, per desk read"
        " | PG backend CPU ms per write"
        " | idle server cores | issue p50/p99 ms | call p50/p99 ms | call-to-board p50/p99 ms"
        " (deliveries, missed) | errors",
    ]
    for r in rows:
        writes = r.tickets + 2 * r.calls
        pg = (r.issue_cpu.postgres + r.call_cpu.postgres) / writes if writes else 0.0
        lines.append(
            f"{r.offices:>7} {r.nodes:>5} | {ms(r.issue_cpu.server, r.tickets):>6},"
            f" {ms(r.call_cpu.server, r.calls):>6},"
            f" {ms(r.desk_cpu.server, len(r.desk.latencies)):>5}"
            f" | {1000 * pg:>5.2f}"
            f" | {r.idle_server_cores:.3f}"
            f" | {p50_99(r.issue.latencies)} | {p50_99(r.call.latencies)}"
            f" | {p50_99(r.board_s)} ({len(r.board_s)}, {r.missed})"
            f" | {dict(r.issue.errors + r.call.errors + r.desk.errors) or 0}"
        )
        lines.append(
            f"{'':>13}   wall: issue {r.issue_s:.1f} s ({r.tickets / r.issue_s:.0f}/s),"
            f" calls {r.call_s:.1f} s ({r.calls / r.call_s:.0f}/s); PG backend CPU"
            f" issue {1000 * r.issue_cpu.postgres / max(1, r.tickets):.2f} ms/ticket,"
            f" call+done {1000 * r.call_cpu.postgres / max(1, r.calls):.2f} ms/call,"
            f" desk read {1000 * r.desk_cpu.postgres / max(1, len(r.desk.latencies)):.2f} ms;"
            f" desk read p50/p99 {p50_99(r.desk.latencies)} ms; from the call's answer to the"
            f" boards p50/p99 {p50_99(r.after_answer_s)} ms"
        )
    return lines


# --- PostgreSQL's NOTIFY ceiling ---------------------------------------------------------------
NOTIFY_DATABASE = "swq_bench_notify"
WRITE = "BEGIN;\nINSERT INTO w (v) VALUES (:client_id);\n"
SCRIPTS = {
    "insert": WRITE + "COMMIT;\n",
    "insert + pg_notify": WRITE + "SELECT pg_notify('swq_events', 'o01');\nCOMMIT;\n",
}


def notify_ceiling(pg_server: str, clients: int, seconds: int) -> list[str]:
    """Committed transactions per second of a one-row insert, without and with a NOTIFY, as
    pgbench drives them from `clients` connections. A transaction that notified takes one
    cluster-wide lock from before its commit record is flushed until after: such commits run one
    at a time, so their rate is bounded by the WAL flush time whatever the cores."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    pgbench = shutil.which("pgbench") or (str(found[-1]) if found else None)
    if pgbench is None:
        return ["pgbench not found: NOTIFY ceiling not measured"]
    with psycopg.connect(f"{pg_server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (NOTIFY_DATABASE,))
        if not exists.fetchone():
            conn.execute(f"CREATE DATABASE {NOTIFY_DATABASE}")
    with psycopg.connect(f"{pg_server}/{NOTIFY_DATABASE}", autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS w")
        conn.execute("CREATE TABLE w (id bigserial PRIMARY KEY, v int)")
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        for name, script in SCRIPTS.items():
            path = Path(folder) / "script.sql"
            path.write_text(script)
            ran = subprocess.run(
                [pgbench, "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", str(path),
                 "-d", f"{pg_server}/{NOTIFY_DATABASE}"],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            tps = re.search(r"tps = ([0-9.]+)", ran.stdout)
            latency = re.search(r"latency average = ([0-9.]+) ms", ran.stdout)
            lines.append(
                f"  {name:<20} {float(tps.group(1)) if tps else 0:>8.0f} commits/s,"
                f" mean latency {latency.group(1) if latency else '?'} ms"
                if ran.returncode == 0
                else f"  {name}: pgbench failed: {ran.stderr.strip()[:200]}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", default="1,20,100", help="comma-separated office counts")
    parser.add_argument("--nodes", default="1,2", help="comma-separated node counts")
    parser.add_argument("--workers", type=int, default=2, help="worker processes per node")
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients")
    parser.add_argument("--boards", type=int, default=100)
    parser.add_argument(
        "--pg",
        default=os.environ.get("SWQ_BENCH_PG", "postgresql://postgres@127.0.0.1:5432"),
        help=f"PostgreSQL server URL without a database; the bench uses {DATABASE}",
    )
    parser.add_argument(
        "--notify-seconds", type=int, default=5, help="pgbench run per NOTIFY case (0: skip)"
    )
    args = parser.parse_args()
    print_lines(
        [
            "swq province cost: CPU per operation with many offices and nodes on PostgreSQL",
            f"command: {shlex.join([Path(sys.executable).name, *sys.argv])}",
            *machine_facts(args.pg),
            f"load: {args.clients} closed-loop clients, {args.tickets} tickets then as many"
            f" calls (+done), {args.boards} boards; nodes of --workers {args.workers}",
            "",
        ]
    )
    url = database_url(args.pg)
    rows = []
    for offices in (int(x) for x in args.offices.split(",")):
        for nodes in (int(x) for x in args.nodes.split(",")):
            rows.append(measure(url, offices, nodes, args))
            print_lines(table(rows[-1:]))
    print_lines(["", *table(rows)])
    if args.notify_seconds:
        print_lines(
            [
                "",
                f"PostgreSQL commits/s, pgbench -c {args.clients} -T {args.notify_seconds}"
                " (a one-row insert per transaction):",
                *notify_ceiling(args.pg, args.clients, args.notify_seconds),
            ]
        )


if __name__ == "__main__":
    main()
