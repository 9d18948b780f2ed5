"""The HTTP API under load, against real `swq server` processes on loopback.

    python bench/api.py [--duration 10] [--warmup 1] [--only sqlite,pg1,pg2,pg4]
                        [--measure 123456] [--offices 1] [--lock-writes 200] [--kiosks 8]
                        [--officers 8] [--subscribers 50] [--streams-open 200]
                        [--call-rate 10] [--paced-rate 8] [--paced-duration 15] [--break-in 2]
                        [--pg URL]

SQLite (1 process) and PostgreSQL with 2 and with 4 worker processes (and, asked for, 1) - each
measured five times, every time on a fresh database and a freshly started server:
  1. issue (POST /tickets), call (POST /counters/{c}/next) and done (POST /tickets/{id}/done),
     `kiosks` kiosk and `officers` officer clients (8 and 8; one counter per officer) as fast
     as they can, for `duration` seconds after a warm-up;
  2. call-to-event latency: officers call at a steady `call-rate` while `subscribers` event
     streams listen; the time from just before "next" is sent to each subscriber's receipt of the
     matching `ticket.called`;
  3. measurement 1 again while `streams-open` idle event streams are held open: open streams
     must not starve kiosks and officers;
  4. paced issue / call / done, twice: with no stream open and with `streams-open` idle streams.
     The kiosks issue `paced-rate` tickets a second between them and the officers call (then
     finish) as many, each client on an open-loop schedule, for `paced-duration` seconds: a
     realistic load, where 1 and 3 measure saturation. Issue and call latency run from the
     scheduled send time, so a slow server cannot hide the queue it causes. Each run starts
     with `break-in` seconds of unmeasured full load, which takes a fresh server through what
     a server that has been up a while is past (see break_in).
On demand: 5. CPU per operation (server processes' own CPU seconds over issues alone, then
calls+dones alone, then the same cycle as one `done-and-next` request); 6. how long a write
holds its office's lock, in this process, one at a time.
Errors (non-2xx, connection failures) are counted, never fatal; a 204 on "next" (nobody waits)
is counted apart. The load generator shares the machine with the server and PostgreSQL, so
each table is followed by who kept the CPUs busy during its measured window.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import os
import platform
import selectors
import shlex
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests
import sqlalchemy as sa

# Run as `python bench/api.py`: the repository root holds `tests`, which is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.office_file import loads_office
from core.sse import SSEDecoder
from queue_server.auth import Role, create_token
from queue_server.db.engine import make_engine
from queue_server.db.migrate import upgrade
from queue_server.extension import swq
from queue_server.offices import store_office
from tests.server.processes import ServerProcess

DEFAULT_KIOSKS = 8
DEFAULT_OFFICERS = 8
SERVICES = ("A", "B", "C", "D")
REQUEST_TIMEOUT_S = 10.0
PG_DATABASE = "swq_bench"


# Every counter serves every service (with different weights), so no officer ever idles while
# tickets wait; six-digit numbers, because a fast run issues far more than 999 of a service a day.
def office_toml(officers: int, services: Sequence[str] = SERVICES) -> str:
    """The bench office, with counters "1" to `officers`, one per officer client, each serving
    all of `services`."""
    return (
        """
[office]
code = "bench"
name_th = "ศูนย์บริการร่วม (ทดสอบความเร็ว)"
name_en = "Benchmark One-Stop Service Centre"
timezone = "Asia/Bangkok"

[[agencies]]
code = "dopa"
name_th = "สำนักทะเบียนอำเภอเมือง"
name_en = "District Registration Office"

[[agencies]]
code = "rd"
name_th = "สำนักงานสรรพากรพื้นที่"
name_en = "Revenue Department"
"""
        + "".join(
            f"""
[[services]]
code = "{code}"
agency = "{"dopa" if i < len(services) / 2 else "rd"}"
name_th = "บริการ {code}"
name_en = "Service {code}"
target_wait_min = 15
number_width = 6
"""
            for i, code in enumerate(services)
        )
        + "".join(
            f"""
[[counters]]
code = "{n}"
name_th = "ช่องบริการ {n}"
name_en = "Counter {n}"
services = {{ {", ".join(f"{c} = {1 + (n + i) % 3}" for i, c in enumerate(services))} }}
"""
            for n in range(1, officers + 1)
        )
    )


@dataclass(frozen=True)
class Config:
    name: str
    workers: int

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"


CONFIGS = (Config("sqlite", 1), Config("pg1", 1), Config("pg2", 2), Config("pg4", 4))


@dataclass
class Tokens:
    kiosks: list[str]
    officers: list[tuple[str, str]]  # (counter, token)


# --- databases -----------------------------------------------------------------------------------
def pg_url(server: str) -> str:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,)
        ).fetchone()
        if exists is None:
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    return f"{server}/{PG_DATABASE}".replace("postgresql://", "postgresql+psycopg://")


def fresh_database(config: Config, workdir: Path, pg: str, run: str) -> str:
    """An empty, current schema; each run starts from nothing so runs do not inherit queues."""
    if config.sqlite:
        url = f"sqlite:///{workdir / f'{config.name}-{run}.db'}"
        engine = make_engine(url)
    else:
        url = pg
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    upgrade(engine)
    engine.dispose()
    return url


def officer_tokens(
    conn: sa.Connection, office: str, count: int, now: datetime
) -> list[tuple[str, str]]:
    """(counter, token) for an officer at each of counters 1..count."""
    return [
        (
            str(n),
            create_token(
                conn, office=office, role=Role.OFFICER, name=f"officer{n}", counter=str(n), now=now
            ),
        )
        for n in range(1, count + 1)
    ]


def load_bench_office(
    url: str, kiosks: int, officers: int, offices: int = 1, services: Sequence[str] = SERVICES
) -> Tokens:
    """Store `offices` bench offices and a token per kiosk and per officer, dealt round the
    offices: kiosk i and officer i belong to office i % offices, each officer at a counter of
    its own there."""
    per_office = math.ceil(officers / offices)
    engine = make_engine(url)
    now = datetime.now(UTC)
    kiosk_tokens: list[str] = []
    officer_list: list[tuple[str, str]] = []
    with engine.begin() as conn:
        codes = []
        for n in range(offices):
            text = office_toml(per_office, services)
            if offices > 1:
                text = text.replace('code = "bench"', f'code = "bench{n + 1}"', 1)
            office = loads_office(text, "bench office")
            store_office(conn, office)
            codes.append(office.config.office.code)
        for i in range(kiosks):
            kiosk_tokens.append(
                create_token(
                    conn, office=codes[i % offices], role=Role.KIOSK, name=f"kiosk{i}", now=now
                )
            )
        for i in range(officers):
            counter = str(i // offices + 1)
            token = create_token(
                conn,
                office=codes[i % offices],
                role=Role.OFFICER,
                name=f"officer{i}",
                counter=counter,
                now=now,
            )
            officer_list.append((counter, token))
    engine.dispose()
    return Tokens(kiosk_tokens, officer_list)


# --- load generators ---------------------------------------------------------------------------
@dataclass
class Samples:
    """One operation's outcomes; each thread fills its own, merged after the join (no locks)."""

    latencies: list[float] = field(default_factory=list)
    empty: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Samples) -> None:
        self.latencies.extend(other.latencies)
        self.empty += other.empty
        self.errors.update(other.errors)


@dataclass
class Window:
    """Clients run until `end`; only requests sent at or after `measure_from` count."""

    measure_from: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.measure_from


def session_for(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def post(
    session: requests.Session,
    url: str,
    body: dict[str, object] | None = None,
    since: float | None = None,
) -> tuple[float, requests.Response | None, str]:
    """Send one request: (seconds taken, response or None, error label when it failed).

    The seconds run from `since` when given (a paced client's scheduled send time, so that time
    spent waiting for its previous request counts too), else from the moment it is sent."""
    t0 = time.perf_counter() if since is None else since
    try:
        response = session.post(url, json=body, timeout=REQUEST_TIMEOUT_S)
    except requests.RequestException as exc:
        return time.perf_counter() - t0, None, type(exc).__name__
    return time.perf_counter() - t0, response, ""


def record(samples: Samples, seconds: float, response: requests.Response | None, err: str) -> None:
    if response is None:
        samples.errors[err] += 1
    elif not 200 <= response.status_code < 300:
        samples.errors[str(response.status_code)] += 1
    else:
        samples.latencies.append(seconds)


def kiosk_loop(base: str, token: str, offset: int, window: Window, out: Samples) -> None:
    session = session_for(token)
    n = offset
    while (t0 := time.perf_counter()) < window.end:
        service = SERVICES[n % len(SERVICES)]
        n += 1
        seconds, response, err = post(session, f"{base}/api/v1/tickets", {"service": service})
        if t0 >= window.measure_from:
            record(out, seconds, response, err)
        if response is None or not response.ok:
            time.sleep(0.05)  # the server is gone or refusing: do not spin
    session.close()


# Told (ticket id, perf_counter just before "next" was sent) for every measured call.
CallHook = Callable[[str, float], None]


def officer_loop(
    base: str,
    counter: str,
    token: str,
    window: Window,
    calls: Samples,
    dones: Samples,
    pace_s: float = 0.0,
    first_at: float = 0.0,
    on_call: CallHook | None = None,
) -> None:
    """Call next, then finish it; with `pace_s`, one call per `pace_s` seconds from `first_at`."""
    session = session_for(token)
    slot = first_at
    while True:
        if pace_s:
            delay = slot - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            slot += pace_s
        t0 = time.perf_counter()
        if t0 >= window.end:
            break
        measured = t0 >= window.measure_from
        seconds, response, err = post(session, f"{base}/api/v1/counters/{counter}/next")
        if response is not None and response.status_code == 204:
            if measured:
                calls.empty += 1
            if not pace_s:
                time.sleep(0.005)  # as an officer's console would, rather than spin
            continue
        if measured:
            record(calls, seconds, response, err)
        if response is None or not response.ok:
            time.sleep(0.05)
            continue
        ticket = response.json()
        if on_call is not None and measured:
            on_call(str(ticket["id"]), t0)
        seconds, response, err = post(
            session, f"{base}/api/v1/tickets/{ticket['id']}/done", {"transactions": []}
        )
        if measured:
            record(dones, seconds, response, err)
    session.close()


def officer_one_step_loop(
    base: str, counter: str, token: str, window: Window, cycles: Samples
) -> None:
    """Call next once, then finish each ticket and call the next in one request
    (`done-and-next`); a cycle is one such request that called somebody."""
    session = session_for(token)
    current: str | None = None
    while (t0 := time.perf_counter()) < window.end:
        if current is None:
            url, body = f"{base}/api/v1/counters/{counter}/next", None
        else:
            url, body = f"{base}/api/v1/tickets/{current}/done-and-next", {"transactions": []}
        seconds, response, err = post(session, url, body)
        measured = t0 >= window.measure_from and current is not None
        if response is not None and response.status_code == 204:
            current = None
            if measured:
                cycles.empty += 1
            time.sleep(0.005)
            continue
        if measured:
            record(cycles, seconds, response, err)
        if response is None or not response.ok:
            current = None
            time.sleep(0.05)
            continue
        current = str(response.json()["id"])
    session.close()


# A paced client that has fallen this far behind its schedule, past the end of the window, stops
# sending; the slots it did not reach count as errors rather than vanish.
LATE_GRACE_S = 5.0
UNSENT = "unsent (server too slow)"


def slots(pace_s: float, first_at: float, window: Window, late: Samples) -> Iterator[float]:
    """An open-loop schedule: one send time every `pace_s` seconds from `first_at` to the end of
    `window`, each yielded at its time. A slot the client reaches late (its previous request was
    slow) is yielded at once, not dropped: the caller times from the slot, so a slow server
    cannot hide the queue it builds by slowing the client down (coordinated omission). Slots
    still unsent `LATE_GRACE_S` after the end are counted in `late` as errors."""
    slot = first_at
    while slot < window.end:
        now = time.perf_counter()
        if now > window.end + LATE_GRACE_S:
            if slot >= window.measure_from:
                late.errors[UNSENT] += 1
        else:
            if slot > now:
                time.sleep(slot - now)
            yield slot
        slot += pace_s


def paced_kiosk_loop(
    base: str, token: str, offset: int, pace_s: float, first_at: float, window: Window, out: Samples
) -> None:
    """Issue one ticket per `pace_s` seconds on an open-loop schedule, timed from each slot."""
    session = session_for(token)
    n = offset
    for slot in slots(pace_s, first_at, window, out):
        service = SERVICES[n % len(SERVICES)]
        n += 1
        seconds, response, err = post(
            session, f"{base}/api/v1/tickets", {"service": service}, since=slot
        )
        if slot >= window.measure_from:
            record(out, seconds, response, err)
    session.close()


def paced_officer_loop(
    base: str,
    counter: str,
    token: str,
    pace_s: float,
    first_at: float,
    window: Window,
    calls: Samples,
    dones: Samples,
) -> None:
    """Call next once per `pace_s` seconds on an open-loop schedule (timed from each slot), then
    finish the ticket at once (timed from its own send, which follows the call's answer)."""
    session = session_for(token)
    for slot in slots(pace_s, first_at, window, calls):
        measured = slot >= window.measure_from
        seconds, response, err = post(session, f"{base}/api/v1/counters/{counter}/next", since=slot)
        if response is not None and response.status_code == 204:
            calls.empty += measured
            continue
        if measured:
            record(calls, seconds, response, err)
        if response is None or not response.ok:
            continue
        ticket = response.json()
        seconds, response, err = post(
            session, f"{base}/api/v1/tickets/{ticket['id']}/done", {"transactions": []}
        )
        if measured:
            record(dones, seconds, response, err)
    session.close()


# --- where the CPU went -------------------------------------------------------------------------
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_snapshot(server_pgid: int) -> dict[str, float]:
    """CPU seconds so far: the machine's busy total, and per process of interest, from /proc.

    Server, load generator and PostgreSQL share the machine with whatever else runs on it, so
    a latency means little without knowing who had the CPUs. Keys: "machine", "steal",
    "bench", "postgres", "server <pid>" (the master and each worker)."""
    seconds: Counter[str] = Counter()
    with contextlib.suppress(OSError):
        busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        # user nice system idle iowait irq softirq steal: all but idle and iowait were busy;
        # steal is the hypervisor's, kept apart from what ran on this machine.
        seconds["machine"] = sum(int(busy[i]) for i in (0, 1, 2, 5, 6)) / CLOCK_TICKS
        seconds["steal"] = int(busy[7]) / CLOCK_TICKS
    if not Path("/proc/self/stat").exists():
        return seconds
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # it ended meanwhile
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()  # fields[0] is stat's 3rd field
        used = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        if int(entry.name) == os.getpid():
            seconds["bench"] += used
        elif int(fields[2]) == server_pgid:
            seconds[f"server {entry.name}"] += used
        elif comm == "postgres" and _ours(entry.path):
            seconds["postgres"] += used
    return seconds


def _ours(proc: str) -> bool:
    """A PostgreSQL process working for the bench: a backend of its database, or one of the
    server's own (writer, checkpointer...). Backends of other databases are someone else's."""
    try:
        title = Path(proc, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    # A backend's title: "postgres: 15/main: USER DATABASE HOST(PORT) STATE".
    words = title.split()
    backend = len(words) >= 5 and (words[4].endswith(")") or words[4] == "[local]")
    return not backend or words[3] == PG_DATABASE


@dataclass
class CpuUse:
    """Average CPUs busy over the measured window, per party."""

    cores: dict[str, float] = field(default_factory=dict)

    @classmethod
    def between(cls, before: dict[str, float], after: dict[str, float], seconds: float) -> CpuUse:
        cores = {k: (after[k] - before.get(k, 0.0)) / seconds for k in after}
        return cls(cores)

    def text(self) -> str:
        if not self.cores:
            return "not measured"
        server = sorted((v for k, v in self.cores.items() if k.startswith("server ")), reverse=True)
        known = sum(server) + self.cores.get("bench", 0.0) + self.cores.get("postgres", 0.0)
        other = max(0.0, self.cores.get("machine", known) - known)
        processes = "+".join(f"{v:.2f}" for v in server if v >= 0.005)
        steal = self.cores.get("steal", 0.0)
        return (
            f"server {sum(server):.2f} ({processes or '0'}), postgres"
            f" {self.cores.get('postgres', 0.0):.2f}, bench {self.cores.get('bench', 0.0):.2f},"
            f" other (incl. kernel) {other:.2f}"
            + (f", stolen by the hypervisor {steal:.2f}" if steal >= 0.005 else "")
            + f" of {os.cpu_count()}"
        )


def server_pid(server: ServerProcess) -> int:
    """The master's pid, which is also its process group (it runs in a session of its own)."""
    assert server.process is not None
    return server.process.pid


def run_threads(targets: list[threading.Thread], window: Window, server_pgid: int) -> CpuUse:
    """Run the clients to the end of `window`, noting who used the CPUs inside it."""
    for thread in targets:
        thread.start()
    time.sleep(max(0.0, window.measure_from - time.perf_counter()))
    before = cpu_snapshot(server_pgid)
    t0 = time.perf_counter()
    time.sleep(max(0.0, window.end - time.perf_counter()))
    use = CpuUse.between(before, cpu_snapshot(server_pgid), time.perf_counter() - t0)
    for thread in targets:
        # Every loop ends at its window's end plus at most one request timeout.
        thread.join()
    return use


def merged(parts: list[Samples]) -> Samples:
    total = Samples()
    for part in parts:
        total.merge(part)
    return total


@dataclass
class LoadResult:
    config: str
    ops: dict[str, Samples]
    window: Window
    cpu: CpuUse
    streams_open: int = 0  # idle streams asked for
    streams_held: int = 0
    streams_live: int = 0
    stream_bytes: int = 0

    @property
    def errors(self) -> int:
        return sum(sum(s.errors.values()) for s in self.ops.values())


def full_load(
    config: str, server: ServerProcess, tokens: Tokens, args: argparse.Namespace
) -> LoadResult:
    """Every kiosk and officer as fast as it goes, for the warm-up and then the measured window."""
    base = server.url
    start = time.perf_counter() + 0.2  # let every thread get going before the clock
    window = Window(start + args.warmup, start + args.warmup + args.duration)
    issue = [Samples() for _ in tokens.kiosks]
    calls = [Samples() for _ in tokens.officers]
    dones = [Samples() for _ in tokens.officers]
    threads = [
        threading.Thread(target=kiosk_loop, args=(base, token, i, window, issue[i]))
        for i, token in enumerate(tokens.kiosks)
    ] + [
        threading.Thread(
            target=officer_loop, args=(base, counter, token, window, calls[i], dones[i])
        )
        for i, (counter, token) in enumerate(tokens.officers)
    ]
    cpu = run_threads(threads, window, server_pid(server))
    ops = {"issue": merged(issue), "call": merged(calls), "done": merged(dones)}
    return LoadResult(config, ops, window, cpu)


# --- CPU per operation --------------------------------------------------------------------------
@dataclass
class Cost:
    """One operation run alone: how many completed and the CPU seconds the server's processes
    (and PostgreSQL's) spent meanwhile, from /proc: the load generator's own CPU is not in it."""

    config: str
    op: str
    count: int
    seconds: float
    server_cpu_s: float
    postgres_cpu_s: float
    errors: Counter[str]
    empty: int = 0
    split: tuple[float, ...] = ()  # CPU seconds per worker process, largest first

    def per_op_ms(self, cpu_s: float) -> float:
        return cpu_s / self.count * 1000 if self.count else float("nan")


def _cpu_seconds(snapshot: dict[str, float], prefix: str) -> float:
    return sum(v for k, v in snapshot.items() if k.startswith(prefix))


def _cost(
    config: str, op: str, server: ServerProcess, threads: list[threading.Thread], window: Window
) -> tuple[float, float, tuple[float, ...]]:
    """Run `threads` through `window`: (server CPU s, PostgreSQL CPU s, per-worker CPU s)."""
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window.measure_from - time.perf_counter()))
    before = cpu_snapshot(server_pid(server))
    time.sleep(max(0.0, window.end - time.perf_counter()))
    after = cpu_snapshot(server_pid(server))
    for thread in threads:
        thread.join()
    per_process = sorted(
        (after[k] - before.get(k, 0.0) for k in after if k.startswith("server ")), reverse=True
    )
    return (
        _cpu_seconds(after, "server ") - _cpu_seconds(before, "server "),
        after.get("postgres", 0.0) - before.get("postgres", 0.0),
        tuple(per_process),
    )


def cost_per_op(
    config: str, server: ServerProcess, tokens: Tokens, args: argparse.Namespace
) -> list[Cost]:
    """Kiosks alone issue as fast as they go, then officers alone call and finish the tickets so
    issued, then finish and call in one request: each phase's server CPU divided by what it
    completed."""
    url = server.url
    issue = [Samples() for _ in tokens.kiosks]
    costs = [
        _phase(
            config,
            "issue",
            server,
            args,
            lambda window: [
                threading.Thread(target=kiosk_loop, args=(url, token, i, window, issue[i]))
                for i, token in enumerate(tokens.kiosks)
            ],
            issue,
        )
    ]
    calls = [Samples() for _ in tokens.officers]
    dones = [Samples() for _ in tokens.officers]
    costs.append(
        _phase(
            config,
            "next+done",
            server,
            args,
            lambda window: [
                threading.Thread(
                    target=officer_loop, args=(url, counter, token, window, calls[i], dones[i])
                )
                for i, (counter, token) in enumerate(tokens.officers)
            ],
            dones,
            also=calls,
        )
    )
    # The same cycle as one request; enough waiting tickets first, so that nobody runs dry.
    issue_backlog(url, tokens, round(args.duration * BACKLOG_PER_S))
    cycles = [Samples() for _ in tokens.officers]
    costs.append(
        _phase(
            config,
            "done-and-next",
            server,
            args,
            lambda window: [
                threading.Thread(
                    target=officer_one_step_loop, args=(url, counter, token, window, cycles[i])
                )
                for i, (counter, token) in enumerate(tokens.officers)
            ],
            cycles,
        )
    )
    return costs


def _phase(
    config: str,
    op: str,
    server: ServerProcess,
    args: argparse.Namespace,
    clients: Callable[[Window], list[threading.Thread]],
    completed: list[Samples],
    also: list[Samples] | None = None,
) -> Cost:
    """One phase of `cost_per_op`: the `clients` for a window from now, and what they did. An
    operation counts once its `completed` part succeeded; errors and 204s are those of every
    part (`also`: the calls before a finish)."""
    start = time.perf_counter() + 0.2
    window = Window(start + args.warmup, start + args.warmup + args.duration)
    server_s, pg_s, split = _cost(config, op, server, clients(window), window)
    every = merged([*completed, *(also or [])])
    return Cost(
        config,
        op,
        len(merged(completed).latencies),
        window.seconds,
        server_s,
        pg_s,
        every.errors,
        every.empty,
        split,
    )


# Tickets issued per second of `--duration` before the one-step cycles are measured: more than
# the officers of this machine finish in one request each.
BACKLOG_PER_S = 700


def cost_table(rows: list[Cost]) -> list[str]:
    lines = [
        f"{'config':<8} {'op':<13} {'ops/s':>8} {'server ms/op':>13} {'postgres ms/op':>15}"
        f" {'count':>7} {'errors':>6} {'204':>5}  per-process CPU s"
    ]
    for row in rows:
        lines.append(
            f"{row.config:<8} {row.op:<13} {row.count / row.seconds:>8.1f}"
            f" {row.per_op_ms(row.server_cpu_s):>13.2f}"
            f" {row.per_op_ms(row.postgres_cpu_s):>15.2f} {row.count:>7}"
            f" {sum(row.errors.values()):>6} {row.empty if row.op != 'issue' else '':>5}"
            f"  {'+'.join(f'{s:.2f}' for s in row.split if s >= 0.005) or '0'}"
        )
        if row.errors:
            lines.append(f"  {row.config} {row.op} errors: {errors_text(row.errors)}")
    return lines


# --- the office lock -----------------------------------------------------------------------------
@dataclass
class LockHold:
    config: str
    op: str
    seconds: list[float]


@contextlib.contextmanager
def timed_office_lock(held: list[float]) -> Iterator[None]:
    """Note, for every writing unit of work, the seconds from holding the office's lock (its
    `with` entered: the office row locked, or SQLite's write gate taken) to its commit's
    return, when the lock is free again whatever the version of the code. Patched in this
    process only."""
    from queue_server.db.uow import SqlUnitOfWork

    enter, commit = SqlUnitOfWork.__enter__, SqlUnitOfWork.commit
    since: dict[int, float] = {}

    def timed_enter(uow: SqlUnitOfWork) -> SqlUnitOfWork:
        entered = enter(uow)
        if uow.write:
            since[id(uow)] = time.perf_counter()
        return entered

    def timed_commit(uow: SqlUnitOfWork) -> None:
        commit(uow)
        if id(uow) in since:
            held.append(time.perf_counter() - since.pop(id(uow)))

    SqlUnitOfWork.__enter__ = timed_enter  # type: ignore[method-assign]
    SqlUnitOfWork.commit = timed_commit  # type: ignore[method-assign]
    try:
        yield
    finally:
        SqlUnitOfWork.__enter__ = enter  # type: ignore[method-assign]
        SqlUnitOfWork.commit = commit  # type: ignore[method-assign]


def office_lock_hold(config: str, url: str, tokens: Tokens, count: int) -> list[LockHold]:
    """How long one write holds its office's lock: the app in this process (Flask's test
    client, one request at a time, so no wait for the lock is counted), `count` issues, then
    `count` calls each followed by its done."""
    from queue_server.app import create_app

    app = create_app({"DATABASE_URL": url})
    client = app.test_client()
    kiosk = {"Authorization": f"Bearer {tokens.kiosks[0]}"}
    counter, officer_token = tokens.officers[0]
    officer = {"Authorization": f"Bearer {officer_token}"}
    holds = {op: LockHold(config, op, []) for op in ("issue", "next", "done")}
    for n in range(count + 5):  # five to warm the caches, not counted
        held = holds["issue"].seconds if n >= 5 else []
        with timed_office_lock(held):
            answer = client.post(
                "/api/v1/tickets", json={"service": SERVICES[n % len(SERVICES)]}, headers=kiosk
            )
        assert answer.status_code == 201, answer.get_data(as_text=True)
    for n in range(count + 5):
        held = holds["next"].seconds if n >= 5 else []
        with timed_office_lock(held):
            answer = client.post(f"/api/v1/counters/{counter}/next", headers=officer)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        held = holds["done"].seconds if n >= 5 else []
        with timed_office_lock(held):
            answer = client.post(
                f"/api/v1/tickets/{answer.get_json()['id']}/done",
                json={"transactions": []},
                headers=officer,
            )
        assert answer.status_code == 200, answer.get_data(as_text=True)
    with app.app_context():
        swq().hub.stop()
        swq().db.dispose()
    return list(holds.values())


def lock_table(rows: list[LockHold]) -> list[str]:
    lines = [f"{'config':<8} {'write':<6} {'p50 ms':>8} {'p90 ms':>8} {'mean ms':>8} {'count':>6}"]
    for row in rows:
        mean = sum(row.seconds) / len(row.seconds) * 1000 if row.seconds else float("nan")
        lines.append(
            f"{row.config:<8} {row.op:<6} {percentile_ms(row.seconds, 0.5):>8.2f}"
            f" {percentile_ms(row.seconds, 0.9):>8.2f} {mean:>8.2f} {len(row.seconds):>6}"
        )
    return lines


# --- event streams -----------------------------------------------------------------------------
class Subscriber:
    """A display's event stream that notes, per `ticket.called`, when its bytes arrived."""

    def __init__(self, host: str, port: int, path: str = "/api/v1/events") -> None:
        self._conn = http.client.HTTPConnection(host, port, timeout=60)
        self._conn.connect()
        self._sock = self._conn.sock
        self._conn.request("GET", path, headers={"Accept": "text/event-stream"})
        self.response = self._conn.getresponse()
        self.ok = self.response.status == 200
        self.called: dict[str, float] = {}
        self.arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        if self.ok:
            # The stream's position was fixed when the server opened it, before these headers.
            self._reader.start()

    def _read(self) -> None:
        decoder = SSEDecoder()
        try:
            while chunk := self.response.read1(65536):
                # Stamp before decoding: parsing cost is the bench's, not the server's.
                arrived = time.perf_counter()
                for event in decoder.feed(chunk):
                    if event.event == "ticket.called":
                        with self.arrived:
                            self.called[str(event.json()["ticket_id"])] = arrived
                            self.arrived.notify_all()
        except (OSError, http.client.HTTPException, ValueError):
            return

    def wait_for(self, ticket_ids: set[str], until: float) -> None:
        with self.arrived:
            self.arrived.wait_for(
                lambda: ticket_ids <= self.called.keys(), max(0.0, until - time.perf_counter())
            )

    def close(self) -> None:
        # shutdown wakes the reader blocked in recv (close alone would not); closing the
        # connection under a reader still inside http.client would make it trip over itself.
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
        if self._reader.is_alive():
            self._reader.join(timeout=5)
        self._conn.close()


class IdleStreams:
    """Open event streams that read and drop what comes, like boards nobody looks at.

    One thread drains them all through a selector: a thread per stream would put hundreds of
    threads on the bench's own interpreter lock, next to the kiosks and officers it times."""

    def __init__(self, host: str, port: int, count: int, path: str = "/api/v1/events") -> None:
        self.path = path
        self.received = 0
        self.live: set[socket.socket] = set()  # streams that received anything after the head
        self._selector = selectors.DefaultSelector()
        self._socks: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        try:
            for _ in range(count):
                self._open(host, port)
        except BaseException:
            self.close()
            raise
        self._thread.start()

    @property
    def held(self) -> int:
        return len(self._selector.get_map())

    def _open(self, host: str, port: int) -> None:
        sock = socket.create_connection((host, port), timeout=30)
        self._socks.append(sock)
        request = f"GET {self.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        sock.sendall((request + "Accept: text/event-stream\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(65536)
            if not chunk:
                break
            head += chunk
        if head.startswith(b"HTTP/1.1 200"):
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ)

    def _drain(self) -> None:
        buffer = bytearray(65536)
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                sock: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    n = sock.recv_into(buffer)
                except BlockingIOError:
                    continue
                except OSError:
                    n = 0
                if n == 0:
                    self._selector.unregister(sock)  # the server ended it: no longer held
                    continue
                self.received += n
                self.live.add(sock)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for sock in self._socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._selector.close()


def issue_backlog(base: str, tokens: Tokens, count: int) -> int:
    """At least `count` more waiting tickets, issued by all the kiosks at once."""
    share = math.ceil(count / len(tokens.kiosks))
    issued = [0] * len(tokens.kiosks)

    def kiosk(i: int, token: str) -> None:
        session = session_for(token)
        for n in range(share):
            service = SERVICES[(i + n) % len(SERVICES)]
            _, response, _ = post(session, f"{base}/api/v1/tickets", {"service": service})
            issued[i] += response is not None and response.status_code == 201
        session.close()

    threads = [
        threading.Thread(target=kiosk, args=(i, token)) for i, token in enumerate(tokens.kiosks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(issued)


@dataclass
class EventResult:
    config: str
    latencies: list[float]
    window: Window
    cpu: CpuUse
    calls: Samples
    dones: Samples
    subscribers: int
    refused: int
    missed: int

    @property
    def errors(self) -> int:
        failed = sum(self.calls.errors.values()) + sum(self.dones.errors.values())
        return self.refused + self.missed + failed


def paced_officers(
    server: ServerProcess, tokens: Tokens, args: argparse.Namespace
) -> tuple[dict[str, float], Window, CpuUse, Samples, Samples]:
    """Officers calling `call_rate` tickets a second between them, staggered; each call is
    noted as (ticket id -> perf_counter just before its "next" was sent)."""
    called_at: list[dict[str, float]] = [{} for _ in tokens.officers]
    calls = [Samples() for _ in tokens.officers]
    dones = [Samples() for _ in tokens.officers]
    start = time.perf_counter() + 0.2
    window = Window(start + args.warmup, start + args.warmup + args.duration)
    pace = len(tokens.officers) / args.call_rate
    threads = [
        threading.Thread(
            target=officer_loop,
            args=(server.url, counter, token, window, calls[i], dones[i]),
            kwargs={
                "pace_s": pace,
                "first_at": start + i * pace / len(tokens.officers),
                # Each officer notes its own calls: no lock on the timed path.
                "on_call": called_at[i].__setitem__,
            },
        )
        for i, (counter, token) in enumerate(tokens.officers)
    ]
    cpu = run_threads(threads, window, server_pid(server))
    sent = {tid: t0 for part in called_at for tid, t0 in part.items()}
    return sent, window, cpu, merged(calls), merged(dones)


def event_latency(
    config: str, server: ServerProcess, tokens: Tokens, args: argparse.Namespace
) -> EventResult:
    # Tickets waiting before anyone listens: the streams then carry only calls and dones.
    backlog = int(args.call_rate * (args.duration + args.warmup) * 1.2) + len(tokens.officers)
    issue_backlog(server.url, tokens, backlog)
    subs: list[Subscriber] = []
    try:
        for _ in range(args.subscribers):
            subs.append(Subscriber("127.0.0.1", server.port))
        listening = [s for s in subs if s.ok]
        sent, window, cpu, calls, dones = paced_officers(server, tokens, args)
        # Stragglers: the streams get a few seconds to deliver what was called before the end.
        until = time.perf_counter() + 5.0
        for sub in listening:
            sub.wait_for(set(sent), until)
        latencies: list[float] = []
        missed = 0
        for sub in listening:
            with sub.arrived:
                got = dict(sub.called)
            for tid, t0 in sent.items():
                if tid in got:
                    latencies.append(got[tid] - t0)
                else:
                    missed += 1
        refused = len(subs) - len(listening)
        return EventResult(
            config, latencies, window, cpu, calls, dones, len(listening), refused, missed
        )
    finally:
        for sub in subs:
            sub.close()


def break_in(server: ServerProcess, tokens: Tokens, seconds: float) -> None:
    """Every kiosk and officer as fast as it goes for `seconds`, nothing measured.

    A freshly started server process spends its first seconds of work opening database
    connections (about 100 ms a request each on PostgreSQL here) and growing its heap, with a
    full garbage collection of some 80 ms every few seconds on the way; a server that has been
    up a while is past that. Paced at a few requests a second, a fresh server meets them inside
    the measured window, at random (and less in a run with streams, whose opening grows the
    heap first), which would swamp the comparison; a short burst gets them over with."""
    if seconds <= 0:
        return
    end = time.perf_counter() + seconds
    window = Window(end, end)  # loops measure from `measure_from`: never
    threads = [
        threading.Thread(target=kiosk_loop, args=(server.url, token, i, window, Samples()))
        for i, token in enumerate(tokens.kiosks)
    ] + [
        threading.Thread(
            target=officer_loop, args=(server.url, counter, token, window, Samples(), Samples())
        )
        for counter, token in tokens.officers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def paced_load(
    config: str, server: ServerProcess, tokens: Tokens, args: argparse.Namespace, streams: int
) -> LoadResult:
    """Kiosks issuing `paced_rate` tickets a second between them and officers calling (then
    finishing) as many, each on an open-loop schedule, while `streams` idle event streams are
    held open (none with 0)."""
    rate = args.paced_rate
    break_in(server, tokens, args.break_in)
    # Tickets waiting before the clock starts: calls and issues then run at the same rate and no
    # call finds the queue empty (which would time a 204, not a call).
    issue_backlog(server.url, tokens, len(tokens.officers) * 4)
    with idle_streams(server, streams) as idle:
        start = time.perf_counter() + 0.2
        window = Window(start + args.warmup, start + args.warmup + args.paced_duration)
        issue = [Samples() for _ in tokens.kiosks]
        calls = [Samples() for _ in tokens.officers]
        dones = [Samples() for _ in tokens.officers]
        kiosk_pace = len(tokens.kiosks) / rate
        officer_pace = len(tokens.officers) / rate
        # Staggered evenly: together the kiosks send one request every 1/rate seconds, and the
        # officers too, half a step after.
        threads = [
            threading.Thread(
                target=paced_kiosk_loop,
                args=(server.url, token, i, kiosk_pace, start + i / rate, window, issue[i]),
            )
            for i, token in enumerate(tokens.kiosks)
        ] + [
            threading.Thread(
                target=paced_officer_loop,
                args=(
                    server.url,
                    counter,
                    token,
                    officer_pace,
                    start + (i + 0.5) / rate,
                    window,
                    calls[i],
                    dones[i],
                ),
            )
            for i, (counter, token) in enumerate(tokens.officers)
        ]
        cpu = run_threads(threads, window, server_pid(server))
        ops = {"issue": merged(issue), "call": merged(calls), "done": merged(dones)}
        result = LoadResult(config, ops, window, cpu, streams, idle.held, len(idle.live))
        result.stream_bytes = idle.received
        return result


# --- reporting ---------------------------------------------------------------------------------
def percentile_ms(values: list[float], q: float) -> float:
    """Nearest-rank percentile of seconds, in milliseconds; NaN when there is nothing."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(1, round(q * len(ordered))) - 1] * 1000


def errors_text(errors: Counter[str]) -> str:
    return ", ".join(f"{label} x{n}" for label, n in errors.most_common())


def ops_table(rows: list[LoadResult], streams_column: bool = False) -> list[str]:
    """One line per configuration and operation; with `streams_column`, per number of open
    streams too (rows then carry it in `streams_open`)."""
    streams = f"{'streams':>7} " if streams_column else ""
    lines = [
        f"{'config':<8} {streams}{'op':<6} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'count':>7}"
        f" {'errors':>6} {'204':>5}"
    ]
    notes = []
    for row in rows:
        label = f"{row.config}, {row.streams_open} streams" if streams_column else row.config
        for op in ("issue", "call", "done"):
            s = row.ops[op]
            n = len(s.latencies)
            errors = sum(s.errors.values())
            p50, p99 = percentile_ms(s.latencies, 0.5), percentile_ms(s.latencies, 0.99)
            open_ = f"{row.streams_open:>7} " if streams_column else ""
            lines.append(
                f"{row.config:<8} {open_}{op:<6} {n / row.window.seconds:>8.1f} {p50:>8.1f}"
                f" {p99:>8.1f} {n:>7} {errors:>6} {s.empty if op == 'call' else '':>5}"
            )
            if errors:
                notes.append(f"  {label} {op} errors: {errors_text(s.errors)}")
        notes.append(f"  {label} CPUs busy: {row.cpu.text()}")
    return lines + notes


def events_table(rows: list[EventResult]) -> list[str]:
    lines = [f"{'config':<8} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'count':>7} {'errors':>6}"]
    notes = [
        "  ops/s, count: ticket.called deliveries (calls x subscribers); errors: refused"
        " streams + missed deliveries + failed requests"
    ]
    for ev in rows:
        lines.append(
            f"{ev.config:<8} {len(ev.latencies) / ev.window.seconds:>8.1f}"
            f" {percentile_ms(ev.latencies, 0.5):>8.1f} {percentile_ms(ev.latencies, 0.99):>8.1f}"
            f" {len(ev.latencies):>7} {ev.errors:>6}"
        )
        failed = ev.calls.errors + ev.dones.errors
        notes.append(
            f"  {ev.config}: {len(ev.calls.latencies)} calls, call p50"
            f" {percentile_ms(ev.calls.latencies, 0.5):.1f} ms / p99"
            f" {percentile_ms(ev.calls.latencies, 0.99):.1f} ms; {ev.subscribers} streams"
            f" listening, {ev.refused} refused, {ev.missed} deliveries missed,"
            f" {ev.calls.empty} empty calls"
            + (f"; request errors: {errors_text(failed)}" if failed else "")
        )
        notes.append(f"  {ev.config} CPUs busy: {ev.cpu.text()}")
    return lines + notes


def print_lines(lines: list[str]) -> None:
    print("\n".join(lines), flush=True)


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def machine_facts(pg_server: str) -> list[str]:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        with psycopg.connect(f"{pg_server}/postgres") as conn:
            row = conn.execute("SHOW server_version").fetchone()
            pg_version = row[0] if row else "?"
    except psycopg.Error:
        pg_version = "unreachable"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    # Someone else's work skews every number below: say how busy the machine was already.
    before = cpu_snapshot(-1)
    time.sleep(1.0)
    idle_use = CpuUse.between(before, cpu_snapshot(-1), 1.0)
    busy = idle_use.cores.get("machine", 0.0) - idle_use.cores.get("bench", 0.0)
    return [
        f"machine: {os.cpu_count()} CPUs ({usable} usable; {model}), {platform.platform()}",
        f"python {platform.python_version()}, PostgreSQL {pg_version};"
        f" CPUs busy just before the run (not counting the bench): {busy:.2f}",
        "server processes, PostgreSQL and the load generator share these CPUs",
    ]


# --- main --------------------------------------------------------------------------------------
@dataclass
class Bench:
    workdir: Path
    pg: str
    streams: int
    kiosks: int
    officers: int
    offices: int = 1

    @contextlib.contextmanager
    def serving(self, config: Config, run: str) -> Iterator[tuple[ServerProcess, Tokens]]:
        """A fresh database with the bench office and a server on it, stopped whatever happens."""
        url = fresh_database(config, self.workdir, self.pg, run)
        tokens = load_bench_office(url, self.kiosks, self.officers, self.offices)
        log = self.workdir / f"{config.name}-{run}.log"
        server = ServerProcess(url, workers=config.workers, streams=self.streams, log_path=log)
        try:
            yield server.start(), tokens
        finally:
            server.stop()


@contextlib.contextmanager
def idle_streams(server: ServerProcess, count: int) -> Iterator[IdleStreams]:
    streams = IdleStreams("127.0.0.1", server.port, count)
    try:
        yield streams
    finally:
        streams.close()


DEFAULT_CONFIGS = ("sqlite", "pg2", "pg4")


def config_names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(","))
    unknown = [name for name in names if name not in {c.name for c in CONFIGS}]
    if unknown:
        raise argparse.ArgumentTypeError(f"no configuration {', '.join(unknown)}")
    return names


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds run, not measured")
    parser.add_argument(
        "--only",
        type=config_names,
        help=f"configurations, comma-separated, of {', '.join(c.name for c in CONFIGS)}"
        " (default: sqlite, pg2, pg4)",
    )
    parser.add_argument(
        "--measure",
        default="1234",
        help="which measurements, e.g. 14 (default: 1234; on demand: 5, CPU per operation,"
        " 6, the office lock's hold per write)",
    )
    parser.add_argument(
        "--kiosks", type=positive_int, default=DEFAULT_KIOSKS, help="kiosk clients (threads)"
    )
    parser.add_argument(
        "--officers",
        type=positive_int,
        default=DEFAULT_OFFICERS,
        help="officer clients (threads), one counter each in the bench office",
    )
    parser.add_argument(
        "--offices",
        type=positive_int,
        default=1,
        help="bench offices the kiosks and officers are dealt round (one by default)",
    )
    parser.add_argument(
        "--lock-writes", type=positive_int, default=200, help="writes of each kind timed in 6"
    )
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--streams-open", type=int, default=200)
    parser.add_argument(
        "--call-rate", type=float, default=10.0, help="calls/s in measurement 2 (all officers)"
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=8.0,
        help="measurement 4: tickets issued a second (all kiosks), and as many called",
    )
    parser.add_argument(
        "--paced-duration", type=float, default=15.0, help="seconds measured per paced run"
    )
    parser.add_argument(
        "--break-in",
        type=float,
        default=2.0,
        help="seconds of unmeasured full load on a fresh server before each paced run",
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("SWQ_BENCH_PG", "postgresql://postgres@127.0.0.1:5432"),
        help=f"PostgreSQL server URL without a database; the bench uses {PG_DATABASE}",
    )
    args = parser.parse_args()
    configs = [c for c in CONFIGS if c.name in (args.only or DEFAULT_CONFIGS)]
    # Enough for all the streams on one process, however the workers happen to split them.
    streams = max(256, args.streams_open + args.subscribers)
    # The server reads SWQ_* from its environment; a stuck-button guard has no place in a bench.
    os.environ["SWQ_KIOSK_RATE_LIMIT"] = "1000000"
    # Every simulated board and phone streams from 127.0.0.1, so no per-address share either.
    os.environ["SWQ_STREAMS_PER_ADDRESS"] = "1000000"
    os.environ["SWQ_STREAMS_PUBLIC_SHARE"] = "1"

    print_lines(
        [
            "swq HTTP API benchmark",
            f"command: {shlex.join([Path(sys.executable).name, *sys.argv])}",
            *machine_facts(args.pg),
            f"load: {args.kiosks} kiosks, {args.officers} officers, {args.offices} office(s)"
            " (threads, a requests.Session each);"
            f" {args.duration:g} s measured (measurements 1-3; 4: {args.paced_duration:g} s)"
            f" after {args.warmup:g} s warm-up; server --streams {streams}; fresh database and"
            " server per run",
            "",
        ]
    )
    pg = pg_url(args.pg) if any(not c.sqlite for c in configs) else ""
    bench = Bench(
        Path(tempfile.mkdtemp(prefix="swq-bench-")),
        pg,
        streams,
        args.kiosks,
        args.officers,
        args.offices,
    )
    plain: list[LoadResult] = []
    events: list[EventResult] = []
    crowded: list[LoadResult] = []
    paced: list[LoadResult] = []
    costs: list[Cost] = []
    holds: list[LockHold] = []
    try:
        for config in configs:
            if "1" in args.measure:
                progress(f"{config.name}: issue/call/done")
                with bench.serving(config, "plain") as (server, tokens):
                    plain.append(full_load(config.name, server, tokens, args))
            if "2" in args.measure:
                progress(f"{config.name}: call-to-event latency")
                with bench.serving(config, "events") as (server, tokens):
                    events.append(event_latency(config.name, server, tokens, args))
            if "3" in args.measure:
                progress(f"{config.name}: issue/call/done with {args.streams_open} streams open")
                with (
                    bench.serving(config, "crowded") as (server, tokens),
                    idle_streams(server, args.streams_open) as idle,
                ):
                    result = full_load(config.name, server, tokens, args)
                    result.streams_held = idle.held
                    result.streams_live = len(idle.live)
                    result.stream_bytes = idle.received
                    crowded.append(result)
            if "4" in args.measure:
                for open_ in (0, args.streams_open):
                    progress(f"{config.name}: paced issue/call/done, {open_} streams open")
                    with bench.serving(config, f"paced-{open_}") as (server, tokens):
                        paced.append(paced_load(config.name, server, tokens, args, open_))
            if "5" in args.measure:
                progress(f"{config.name}: CPU per operation")
                with bench.serving(config, "cost") as (server, tokens):
                    costs.extend(cost_per_op(config.name, server, tokens, args))
            if "6" in args.measure:
                progress(f"{config.name}: the office lock's hold per write")
                url = fresh_database(config, bench.workdir, bench.pg, "lock")
                tokens = load_bench_office(url, 1, 1)
                holds.extend(office_lock_hold(config.name, url, tokens, args.lock_writes))
    finally:
        if holds:
            print_lines(
                [
                    "6. the office lock's hold per write: from the lock taken to the commit's"
                    f" return, {args.lock_writes} of each, one at a time, in the bench's process",
                    *lock_table(holds),
                    "",
                ]
            )
        if costs:
            print_lines(
                [
                    "5. CPU per operation: the kiosks alone issue as fast as they go, then the"
                    " officers alone call and finish those tickets, then (after a backlog) finish"
                    " and call in one request; CPU seconds of the server's"
                    " processes (and PostgreSQL's) from /proc over each measured window, divided"
                    " by the operations completed in it",
                    *cost_table(costs),
                    "",
                ]
            )
        if plain:
            print_lines(["1. issue / call / done, no event streams open", *ops_table(plain), ""])
        if events:
            print_lines(
                [
                    f"2. call-to-event latency: {args.subscribers} subscribers,"
                    f" {args.call_rate:g} calls/s by {args.officers} officers, each call then done",
                    *events_table(events),
                    "",
                ]
            )
        if crowded:
            print_lines(
                [
                    f"3. issue / call / done with {args.streams_open} idle event streams open",
                    *ops_table(crowded),
                    *(
                        f"  {r.config}: {r.streams_held}/{args.streams_open} streams accepted,"
                        f" {r.streams_live} received events, {r.stream_bytes / 1e6:.1f} MB"
                        " delivered to them"
                        for r in crowded
                    ),
                    "",
                ]
            )
        if paced:
            print_lines(
                [
                    f"4. paced issue / call / done: {args.paced_rate:g} tickets/s issued by"
                    f" {args.kiosks} kiosks and {args.paced_rate:g} calls/s (each then done) by"
                    f" {args.officers} officers, open loop, {args.paced_duration:g} s measured"
                    f" after {args.break_in:g} s of unmeasured full load; issue and call latency"
                    " from the scheduled send time",
                    *ops_table(paced, streams_column=True),
                    *(
                        f"  {r.config}: {r.streams_held}/{r.streams_open} streams accepted,"
                        f" {r.streams_live} received events, {r.stream_bytes / 1e6:.1f} MB"
                        " delivered to them"
                        for r in paced
                        if r.streams_open
                    ),
                    "",
                ]
            )
        troubled = any(r.errors for r in [*plain, *crowded, *paced]) or any(
            e.errors for e in events
        )
        if troubled:
            print(f"server logs kept in {bench.workdir}")
        else:
            shutil.rmtree(bench.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
