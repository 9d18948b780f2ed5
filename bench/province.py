"""A province's day compressed in time: many offices on one `swq server` over PostgreSQL.

    python bench/province.py [--offices 20] [--visits 2000] [--max-seconds 150] [--workers 4]
                             [--nodes 1] [--seed 1] [--pg URL]

`offices` generated offices (codes o01, o02, ...; 6 services of 3 agencies, 8 counters with
overlapping work profiles, no quotas) share one fresh PostgreSQL database and one server with
`workers` processes (or `nodes` such servers on the one database, each office's devices on one
of them). Per office, one kiosk issues `visits` tickets over an office day (08:30 to
16:30, busiest in the morning, a lull at lunch) compressed to fit the time allowed, and its 8
officers call next and finish each ticket as fast as tickets come. Every generator stops by
itself at the deadline, so the load ends within `max-seconds` of the start whatever the machine
manages; the report says how many visits each office completed against the target, the latency
of issue / call / done over all offices, then how long `swq check` takes on the day's database
and how big that database is.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg

# Run as `python bench/province.py`: the repository root holds `bench` and `tests`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api import (
    PG_DATABASE,
    Config,
    CpuUse,
    Samples,
    cpu_snapshot,
    errors_text,
    fresh_database,
    machine_facts,
    merged,
    officer_tokens,
    percentile_ms,
    pg_url,
    post,
    print_lines,
    progress,
    record,
    server_pid,
    session_for,
)
from core.office_file import loads_office
from queue_server.auth import Role, create_token
from queue_server.db.engine import make_engine
from queue_server.offices import store_office
from tests.server.processes import ServerProcess

OFFICERS = 8
# The office day that gets compressed: 08:30 to 16:30, in hours, with how busy each hour is
# relative to the others (a morning rush, a lunch lull, a quiet last hour), so that the load is
# uneven as a real day is and the officers meet both a backlog and an empty hall.
DAY_START_H = 8.5
HOURLY_WEIGHTS = (1.5, 1.7, 1.4, 0.7, 0.9, 1.0, 0.8, 0.4)
# Kiosks issue during this share of the load's time; the rest lets officers finish the last
# tickets before the deadline (a real office also serves those who came just before closing).
ISSUE_SHARE = 0.85
# Kept out of `max-seconds` for what follows the load: `swq check`, the report, the teardown.
AFTER_LOAD_RESERVE_S = 15.0

# (code, agency, Thai name, English name, share of visits): ID cards and house registration
# make up most of a district office's day.
SERVICES = (
    ("A", "dopa", "บัตรประจำตัวประชาชน", "ID card", 0.30),
    ("B", "dopa", "ทะเบียนบ้าน", "House registration", 0.20),
    ("C", "rd", "ยื่นแบบภาษี", "Tax return", 0.15),
    ("D", "rd", "เลขประจำตัวผู้เสียภาษี", "Taxpayer ID", 0.05),
    ("E", "dlt", "ต่ออายุใบขับขี่", "Driving licence renewal", 0.18),
    ("F", "dlt", "ชำระภาษีรถยนต์", "Vehicle tax", 0.12),
)
AGENCIES = (
    ("dopa", "ที่ทำการปกครองอำเภอ", "District Administration Office"),
    ("rd", "สำนักงานสรรพากรพื้นที่สาขา", "Area Revenue Branch Office"),
    ("dlt", "สำนักงานขนส่งสาขา", "Land Transport Branch Office"),
)
# Chiang Mai's districts name the offices; past 25, they are numbered.
DISTRICTS = (
    ("เมืองเชียงใหม่", "Mueang Chiang Mai"),
    ("จอมทอง", "Chom Thong"),
    ("แม่แจ่ม", "Mae Chaem"),
    ("เชียงดาว", "Chiang Dao"),
    ("ดอยสะเก็ด", "Doi Saket"),
    ("แม่แตง", "Mae Taeng"),
    ("แม่ริม", "Mae Rim"),
    ("สะเมิง", "Samoeng"),
    ("ฝาง", "Fang"),
    ("แม่อาย", "Mae Ai"),
    ("พร้าว", "Phrao"),
    ("สันป่าตอง", "San Pa Tong"),
    ("สันกำแพง", "San Kamphaeng"),
    ("สันทราย", "San Sai"),
    ("หางดง", "Hang Dong"),
    ("ฮอด", "Hot"),
    ("ดอยเต่า", "Doi Tao"),
    ("อมก๋อย", "Omkoi"),
    ("สารภี", "Saraphi"),
    ("เวียงแหง", "Wiang Haeng"),
    ("ไชยปราการ", "Chai Prakan"),
    ("แม่วาง", "Mae Wang"),
    ("แม่ออน", "Mae On"),
    ("ดอยหล่อ", "Doi Lo"),
    ("กัลยาณิวัฒนา", "Galyani Vadhana"),
)


# --- the offices -------------------------------------------------------------------------------
def office_code(n: int) -> str:
    return f"o{n:02d}"


def office_toml(n: int, visits: int) -> str:
    """Office `n` (from 1): counter k serves services k, k+1, k+2 (of 6, wrapping) with weights
    3, 2, 1, so every service has 3 counters and neighbouring counters share two services."""
    th, en = DISTRICTS[n - 1] if n <= len(DISTRICTS) else (f"แห่งที่ {n}", f"No. {n}")
    # Wide enough that a service taking every visit of the day still fits its numbers.
    width = max(3, len(str(visits)))
    parts = [
        f"""
[office]
code = "{office_code(n)}"
name_th = "ศูนย์บริการร่วม อำเภอ{th}"
name_en = "{en} District One-Stop Service Centre"
timezone = "Asia/Bangkok"
"""
    ]
    parts += [
        f"""
[[agencies]]
code = "{code}"
name_th = "{name_th}"
name_en = "{name_en}"
"""
        for code, name_th, name_en in AGENCIES
    ]
    parts += [
        f"""
[[services]]
code = "{code}"
agency = "{agency}"
name_th = "{name_th}"
name_en = "{name_en}"
target_wait_min = 20
number_width = {width}
"""
        for code, agency, name_th, name_en, _ in SERVICES
    ]
    for k in range(OFFICERS):
        weights = ", ".join(f"{SERVICES[(k + i) % len(SERVICES)][0]} = {3 - i}" for i in range(3))
        parts.append(
            f"""
[[counters]]
code = "{k + 1}"
name_th = "ช่องบริการ {k + 1}"
name_en = "Counter {k + 1}"
services = {{ {weights} }}
"""
        )
    return "".join(parts)


@dataclass
class OfficeTokens:
    code: str
    kiosk: str
    officers: list[tuple[str, str]]  # (counter, token)


def load_offices(url: str, offices: int, visits: int) -> list[OfficeTokens]:
    """Every office and its tokens, in one transaction: the database starts the day complete."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    loaded = []
    with engine.begin() as conn:
        for n in range(1, offices + 1):
            office = loads_office(office_toml(n, visits), f"office {office_code(n)}")
            code = office.config.office.code
            store_office(conn, office)
            kiosk = create_token(conn, office=code, role=Role.KIOSK, name="kiosk", now=now)
            officers = officer_tokens(conn, code, OFFICERS, now)
            loaded.append(OfficeTokens(code, kiosk, officers))
    engine.dispose()
    return loaded


# --- the compressed day ------------------------------------------------------------------------
def arrivals(visits: int, start: float, span_s: float, rng: random.Random) -> list[float]:
    """`visits` send times over [start, start + span_s), spread as HOURLY_WEIGHTS say.

    Each visit sits at its quantile of the day's arrival curve (inverse of the piecewise-linear
    cumulative share), nudged by up to half a gap at random: offices then do not send in lock
    step, yet every office gets the same day and the same total."""
    total = sum(HOURLY_WEIGHTS)
    hour_s = span_s / len(HOURLY_WEIGHTS)
    times = []
    for i in range(visits):
        share = (i + 0.5 + rng.uniform(-0.5, 0.5)) / visits * total
        for hour, weight in enumerate(HOURLY_WEIGHTS):
            if share <= weight or hour == len(HOURLY_WEIGHTS) - 1:
                times.append(start + (hour + min(1.0, share / weight)) * hour_s)
                break
            share -= weight
    times.sort()
    return times


@dataclass
class OfficeResult:
    code: str
    target: int
    issue: Samples = field(default_factory=Samples)
    calls: list[Samples] = field(default_factory=list)
    dones: list[Samples] = field(default_factory=list)
    unsent: int = 0  # tickets the kiosk had not sent by the deadline
    max_lag_s: float = 0.0  # how far behind its schedule the kiosk fell at worst
    completed: int = 0  # tickets done: visits served
    recovered: int = 0  # tickets left at a counter by a failed request, found with "recall"
    all_issued: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def kiosk(base: str, token: str, times: list[float], deadline: float, out: OfficeResult) -> None:
    """Issue a ticket at each of `times` (at once when behind), until the deadline.

    Latency runs from the send, not the schedule: with 20 offices on a couple of CPUs the server
    may well fall behind, and the lag is reported on its own rather than folded into every
    sample (`max_lag_s`)."""
    rng = random.Random(out.code)
    session = session_for(token)
    codes = [s[0] for s in SERVICES]
    shares = [s[4] for s in SERVICES]
    try:
        for i, at in enumerate(times):
            now = time.perf_counter()
            if now >= deadline:
                out.unsent = len(times) - i
                break
            if at > now:
                time.sleep(at - now)
            else:
                out.max_lag_s = max(out.max_lag_s, now - at)
            service = rng.choices(codes, shares)[0]
            seconds, response, err = post(session, f"{base}/api/v1/tickets", {"service": service})
            record(out.issue, seconds, response, err)
    finally:
        # The officers stop at the first empty queue once nothing more can come.
        out.all_issued.set()
        session.close()


def officer(
    base: str,
    counter: str,
    token: str,
    deadline: float,
    idle_s: float,
    out: OfficeResult,
    calls: Samples,
    dones: Samples,
) -> None:
    """Call next and finish it at once, until the deadline or until the kiosk is through and
    nothing waits for this counter. On an empty queue, wait `idle_s` (jittered) before asking
    again: 8 counters polling the office between them about as often as visitors arrive, rather
    than 160 consoles hammering the server with empty calls that no real console would send.

    A failed "done" leaves the ticket at the counter, and every later "next" would answer 409
    (counter busy); a call whose answer was lost leaves one there too. So, as a console would,
    the officer retries "done" until it passes, and on a 409 asks "recall" which ticket the
    counter holds and finishes that one (`out.recovered` counts these)."""
    rng = random.Random(f"{out.code}/{counter}")
    session = session_for(token)
    completed = 0
    pending: str | None = None  # a ticket at this counter still to finish
    try:
        while time.perf_counter() < deadline:
            if pending is not None:
                seconds, response, err = post(
                    session, f"{base}/api/v1/tickets/{pending}/done", {"transactions": []}
                )
                record(dones, seconds, response, err)
                if response is not None and response.ok:
                    completed += 1
                    pending = None
                else:
                    time.sleep(0.05)  # the server is refusing or gone: do not spin
                continue
            # Read before asking: a 204 after the last ticket was issued means nothing is left.
            through = out.all_issued.is_set()
            seconds, response, err = post(session, f"{base}/api/v1/counters/{counter}/next")
            if response is not None and response.status_code == 204:
                calls.empty += 1
                if through:
                    break
                pause = idle_s * rng.uniform(0.5, 1.5)
                time.sleep(max(0.0, min(pause, deadline - time.perf_counter())))
                continue
            record(calls, seconds, response, err)
            if response is not None and response.status_code == 409:
                _, held, _ = post(session, f"{base}/api/v1/counters/{counter}/recall")
                if held is not None and held.ok:
                    pending = str(held.json()["id"])
                    with out.lock:
                        out.recovered += 1
                    continue
            if response is None or not response.ok:
                time.sleep(0.05)
                continue
            pending = str(response.json()["id"])
    finally:
        session.close()
        with out.lock:
            out.completed += completed


@dataclass
class DayResult:
    offices: list[OfficeResult]
    seconds: float  # from the first scheduled ticket to the last generator's end
    cpu: CpuUse
    issue_span_s: float


def nodes_snapshot(nodes: list[ServerProcess]) -> dict[str, float]:
    """cpu_snapshot with every node's processes as "server" processes."""
    seconds = cpu_snapshot(server_pid(nodes[0]))
    for node in nodes[1:]:
        more = cpu_snapshot(server_pid(node))
        seconds.update({k: v for k, v in more.items() if k.startswith("server ")})
    return seconds


def run_day(
    nodes: list[ServerProcess],
    offices: list[OfficeTokens],
    visits: int,
    deadline: float,
    seed: int,
) -> DayResult:
    start = time.perf_counter() + 0.5  # every thread started before the first ticket is due
    issue_span = (deadline - start) * ISSUE_SHARE
    idle_s = OFFICERS * issue_span / visits  # see officer()
    results = []
    threads = []
    for n, tokens in enumerate(offices):
        # An office's devices all talk to one node, the offices spread over the nodes (as nginx
        # would spread them, without nginx's own CPU on this machine).
        base = nodes[n % len(nodes)].url
        rng = random.Random(seed * 1000 + n)
        result = OfficeResult(tokens.code, visits)
        results.append(result)
        threads.append(
            threading.Thread(
                target=kiosk,
                args=(
                    base,
                    tokens.kiosk,
                    arrivals(visits, start, issue_span, rng),
                    deadline,
                    result,
                ),
            )
        )
        for counter, token in tokens.officers:
            calls, dones = Samples(), Samples()
            result.calls.append(calls)
            result.dones.append(dones)
            threads.append(
                threading.Thread(
                    target=officer,
                    args=(base, counter, token, deadline, idle_s, result, calls, dones),
                )
            )
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, start - time.perf_counter()))
    before = nodes_snapshot(nodes)
    for thread in threads:
        # Each generator ends by the deadline, plus at most one request's timeout.
        thread.join()
    seconds = time.perf_counter() - start
    cpu = CpuUse.between(before, nodes_snapshot(nodes), seconds)
    return DayResult(results, seconds, cpu, issue_span)


# --- after the day -----------------------------------------------------------------------------
@dataclass
class CheckResult:
    seconds: float
    returncode: int
    output: str

    @property
    def summary(self) -> str:
        lines = self.output.strip().splitlines()
        return lines[-1] if lines else "(no output)"


def run_check(url: str) -> CheckResult:
    """`swq check` on the day's database, as an operator would run it after closing."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "queue_server.cli", "check", "--db", url],
        capture_output=True,
        text=True,
        check=False,
    )
    return CheckResult(time.perf_counter() - t0, done.returncode, done.stdout + done.stderr)


def database_bytes(pg_server: str) -> int:
    with psycopg.connect(f"{pg_server}/postgres") as conn:
        row = conn.execute("SELECT pg_database_size(%s)", (PG_DATABASE,)).fetchone()
    return int(row[0]) if row else 0


def report(day: DayResult, check: CheckResult | None) -> list[str]:
    ops = {
        "issue": merged([r.issue for r in day.offices]),
        "call": merged([s for r in day.offices for s in r.calls]),
        "done": merged([s for r in day.offices for s in r.dones]),
    }
    lines = [
        f"{'op':<6} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'count':>7} {'errors':>6} {'204':>6}"
    ]
    notes = []
    for op, s in ops.items():
        n = len(s.latencies)
        errors = sum(s.errors.values())
        lines.append(
            f"{op:<6} {n / day.seconds:>8.1f} {percentile_ms(s.latencies, 0.5):>8.1f}"
            f" {percentile_ms(s.latencies, 0.99):>8.1f} {n:>7} {errors:>6}"
            f" {s.empty if op == 'call' else '':>6}"
        )
        if errors:
            notes.append(f"  {op} errors: {errors_text(s.errors)}")
    target = sum(r.target for r in day.offices)
    completed = sorted(day.offices, key=lambda r: r.completed)
    total = sum(r.completed for r in completed)
    median = statistics.median(r.completed for r in completed)
    unsent = sum(r.unsent for r in day.offices)
    lag = max(day.offices, key=lambda r: r.max_lag_s)
    lines += notes
    lines += [
        "  204: calls that found nobody waiting for the counter (not errors)",
        f"  CPUs busy: {day.cpu.text()}",
        f"visits completed: {total} of {target} ({100 * total / target:.1f}%) in"
        f" {day.seconds:.1f} s; per office min {completed[0].completed} ({completed[0].code}),"
        f" median {median:g}, max {completed[-1].completed} ({completed[-1].code})"
        f" of {day.offices[0].target}",
        f"  tickets not issued by the deadline: {unsent}; kiosk furthest behind its schedule:"
        f" {lag.max_lag_s:.1f} s ({lag.code})",
        "  tickets left at a counter by a failed request and finished after a recall:"
        f" {sum(r.recovered for r in day.offices)}",
    ]
    if check is not None:
        lines.append(f"swq check: {check.seconds:.1f} s, exit {check.returncode}: {check.summary}")
        if check.returncode != 0:
            lines += [f"  {line}" for line in check.output.strip().splitlines()[:20]]
    return lines


# --- main --------------------------------------------------------------------------------------
@contextlib.contextmanager
def serving(url: str, nodes: int, workers: int, workdir: Path) -> Iterator[list[ServerProcess]]:
    """`nodes` separate `swq server` processes (each with `workers` workers) on one database."""
    started: list[ServerProcess] = []
    try:
        for n in range(1, nodes + 1):
            node = ServerProcess(url, workers=workers, log_path=workdir / f"node{n}.log")
            started.append(node.start())
        yield started
    finally:
        for node in started:
            node.stop()


def main() -> None:
    began = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=20)
    parser.add_argument("--visits", type=int, default=2000, help="tickets issued per office")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=150.0,
        help="the run's budget once the offices are stored (storing 100 offices takes a"
        f" minute); the load stops {AFTER_LOAD_RESERVE_S:g} s before its end",
    )
    parser.add_argument("--workers", type=int, default=4, help="worker processes per node")
    parser.add_argument(
        "--nodes", type=int, default=1, help="separate `swq server` nodes on the one database"
    )
    parser.add_argument("--seed", type=int, default=1, help="arrival times and service mix")
    parser.add_argument(
        "--pg",
        default=os.environ.get("SWQ_BENCH_PG", "postgresql://postgres@127.0.0.1:5432"),
        help=f"PostgreSQL server URL without a database; the bench uses {PG_DATABASE}",
    )
    args = parser.parse_args()
    if not 1 <= args.offices <= 999:
        parser.error("--offices must be 1 to 999 (office codes o01..o999)")
    # The server reads SWQ_* from its environment; the kiosk's stuck-button guard (30 tickets a
    # minute) would refuse a compressed day.
    os.environ["SWQ_KIOSK_RATE_LIMIT"] = "1000000"

    print_lines(
        [
            "swq province benchmark: a day of many offices, compressed, on PostgreSQL",
            f"command: {shlex.join([Path(sys.executable).name, *sys.argv])}",
            *machine_facts(args.pg),
            f"load: {args.offices} offices x (1 kiosk + {OFFICERS} officers) ="
            f" {args.offices * (1 + OFFICERS)} threads, a requests.Session each;"
            f" {args.visits} visits per office; {args.nodes} node(s) of swq server"
            f" --workers {args.workers}, offices spread over the nodes",
            "",
        ]
    )
    workdir = Path(tempfile.mkdtemp(prefix="swq-province-"))
    url = pg_url(args.pg)
    progress("fresh database, loading offices")
    # bench.api's reset: drop and recreate swq_bench's public schema, then migrate.
    fresh_database(Config("pg", args.workers), workdir, url, "province")
    offices = load_offices(url, args.offices, args.visits)
    loaded = time.perf_counter()
    deadline = loaded + args.max_seconds - AFTER_LOAD_RESERVE_S
    day: DayResult | None = None
    check: CheckResult | None = None
    failed = False
    try:
        with serving(url, args.nodes, args.workers, workdir) as nodes:
            if deadline - time.perf_counter() < 10:
                raise SystemExit("--max-seconds leaves under 10 s for the load")
            progress(f"day running, generators stop within {deadline - time.perf_counter():.0f} s")
            day = run_day(nodes, offices, args.visits, deadline, args.seed)
        day_hours = len(HOURLY_WEIGHTS)
        print_lines(
            [
                f"compressed day: {day_hours} h of office hours (from"
                f" {int(DAY_START_H):02d}:{int(DAY_START_H % 1 * 60):02d}) issued over"
                f" {day.issue_span_s:.1f} s, 1 s = {day_hours * 60 / day.issue_span_s:.1f} min;"
                f" hourly arrival weights {', '.join(f'{w:g}' for w in HOURLY_WEIGHTS)}",
                "",
            ]
        )
        progress("swq check")
        check = run_check(url)
        failed = check.returncode != 0
    finally:
        if day is not None:
            print_lines(["issue / call / done over all offices", *report(day, check)])
        size = database_bytes(args.pg)
        print_lines(
            [
                f"database size: {size / 1e6:.1f} MB (pg_database_size of {PG_DATABASE})",
                f"total wall time: {time.perf_counter() - began:.1f} s, of which storing the"
                f" offices {loaded - began:.1f} s (budget after that {args.max_seconds:g} s)",
            ]
        )
        errors = day is None or any(
            sum(s.errors.values()) for r in day.offices for s in [r.issue, *r.calls, *r.dones]
        )
        if errors or failed:
            print(f"server log kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
