"""How long a report of a busy day takes: the JSON summary, the CSV, the XLSX and the admin page
with its three charts, on SQLite and on PostgreSQL.

    python bench/report_render.py [--visits 20000] [--runs 5] [--only sqlite|pg]
                                  [--pg postgresql://postgres@127.0.0.1:5432]

One office-local day of `visits` tickets is written straight into a fresh database (going
through the HTTP API would take longer than what is measured): 6 services of 3 agencies, 80
counters that call the ticket waiting longest, core's own transitions for every ticket (issue,
call, serving, done; 3% no-shows, 2% transfers to another service, 1% cancelled while waiting),
a lunch pause at every counter and a rating for a third of the finished visits. `swq check` is
run on it, so the data keeps every invariant the server keeps. Then each request is made `runs`
times in-process through the real app (Flask's test client, an admin token, a signed-in admin
for the page), after one unmeasured warm-up, and the median (p50) and the slowest are printed,
with the split between reading the database and computing the report.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import lifecycle
from core.codec import event_to_json
from core.events import Event, TicketEvent
from core.model import Counter, CounterState, Ticket, WorkProfile
from core.office_file import loads_office
from core.reports import build_report
from queue_server import create_app
from queue_server.auth import Role, create_token
from queue_server.db import schema as t
from queue_server.db.check import check
from queue_server.db.engine import make_engine
from queue_server.db.migrate import upgrade
from queue_server.db.rows import ticket_to_row
from queue_server.offices import store_office
from queue_server.reports.data import read_report_input

TZ = ZoneInfo("Asia/Bangkok")
DAY = date(2026, 11, 26)
SERVICES = {"A": "dopa", "B": "dopa", "C": "rd", "D": "rd", "E": "mun", "F": "mun"}
COUNTERS = 80
OFFICERS = 20  # accounts bound to the first counters (scrypt makes each one slow to store)


def office_toml() -> str:
    lines = [
        '[office]\ncode = "bench"\nname_th = "ศูนย์บริการร่วม (ทดสอบรายงาน)"',
        'name_en = "One-Stop Service Centre (report bench)"\ntimezone = "Asia/Bangkok"',
    ]
    for code, th in (("dopa", "ทะเบียน"), ("rd", "สรรพากร"), ("mun", "เทศบาล")):
        lines.append(f'[[agencies]]\ncode = "{code}"\nname_th = "{th}"\nname_en = "{code}"')
    for code, agency in SERVICES.items():
        lines.append(
            f'[[services]]\ncode = "{code}"\nagency = "{agency}"\nname_th = "บริการ {code}"\n'
            f'name_en = "Service {code}"\ntarget_wait_min = 15\nnumber_width = 5'
        )
    for n in range(1, COUNTERS + 1):
        profile = ", ".join(f"{code} = 1" for code in SERVICES)
        lines.append(
            f'[[counters]]\ncode = "{n}"\nname_th = "ช่องบริการ {n}"\nname_en = "Counter {n}"\n'
            f"services = {{ {profile} }}"
        )
    for n in range(1, OFFICERS + 1):
        lines.append(
            f'[[officers]]\nusername = "officer{n}"\npassword = "bench-pass"\ncounter = "{n}"'
        )
    lines.append('[[officers]]\nusername = "boss"\npassword = "bench-pass"\nrole = "admin"')
    return "\n\n".join(lines) + "\n"


def local(seconds: float) -> datetime:
    return datetime.combine(DAY, clock_time(8, 30), TZ) + timedelta(seconds=seconds)


def simulate(visits: int, seed: int = 1) -> tuple[list[Ticket], list[Event], list[dict]]:
    """Tickets, their events in time order and the ratings of one day, through core."""
    rng = random.Random(seed)
    config = loads_office(office_toml()).config
    desks = [
        Counter("bench", str(n), f"ช่องบริการ {n}", f"Counter {n}", WorkProfile({"A": 1}))
        for n in range(1, COUNTERS + 1)
    ]
    free = [(0.0, n) for n in range(COUNTERS)]  # (free from, counter index)
    heapq.heapify(free)
    events: list[Event] = []
    ratings: list[dict] = []
    tickets: list[Ticket] = []
    numbers = dict.fromkeys(SERVICES, 0)
    arrivals = sorted(rng.uniform(0, 8 * 3600) for _ in range(visits))
    waiting: list[tuple[float, int, Ticket]] = []
    for i, issued_s in enumerate(arrivals):
        code = rng.choice(list(SERVICES))
        numbers[code] += 1
        ticket, issued = lifecycle.issue(
            config,
            config.service(code),
            ticket_id=uuid.uuid4().hex,
            status_key=uuid.uuid4().hex,
            number=f"{code}{numbers[code]:05d}",
            day=DAY,
            priority="normal",
            extra_services=(),
            now=local(issued_s),
        )
        tickets.append(ticket)
        events.append(issued)
        heapq.heappush(waiting, (issued_s, i, ticket))
    while waiting:
        ready_s, i, ticket = heapq.heappop(waiting)
        free_s, n = heapq.heappop(free)
        start = max(free_s, ready_s)
        desk = desks[n]
        if rng.random() < 0.01 and ticket.status.value == "waiting":
            events.append(lifecycle.cancel(ticket, local(ready_s + rng.uniform(60, 900))))
            heapq.heappush(free, (free_s, n))
            continue
        events.append(lifecycle.call(ticket, desk, local(start)))
        roll = rng.random()
        if roll < 0.03:
            end = start + 120
            events.append(lifecycle.no_show(ticket, local(end)))
        elif roll < 0.05 and len(ticket.transactions) == 1:
            end = start + rng.uniform(60, 180)
            other = rng.choice([c for c in SERVICES if c != ticket.service])
            events.append(lifecycle.transfer(config, ticket, local(end), service=other))
            heapq.heappush(waiting, (end, i, ticket))
        else:
            events.append(lifecycle.start_serving(ticket, local(start + 20)))
            end = start + 20 + rng.uniform(40, 200)
            events.append(lifecycle.done(config, ticket, (), local(end)))
            if rng.random() < 0.33:
                ratings.append(
                    {
                        "ticket_id": ticket.id,
                        "office": "bench",
                        "at": local(end + 30),
                        "day": DAY,
                        "rating": rng.choice((3, 4, 4, 5, 5, 5, 2)),
                        "comment": "",
                        "source": "status",
                        "service": ticket.service,
                        "counter": desk.code,
                    }
                )
        heapq.heappush(free, (end, n))
    for desk in desks:  # lunch: 12:00 for 45 minutes, at every counter
        desk.state = CounterState.OPEN
        events.append(lifecycle.pause_counter(desk, "พักกลางวัน", local(3.5 * 3600)))
        events.append(lifecycle.resume_counter(desk, local(3.5 * 3600 + 2700)))
    events.sort(key=lambda e: e.at)
    return tickets, events, ratings


def fill(url: str, visits: int) -> str:
    """Office, admin token and the simulated day in the database; returns the admin token."""
    engine = make_engine(url)
    upgrade(engine)
    tickets, events, ratings = simulate(visits)
    with engine.begin() as conn:
        store_office(conn, loads_office(office_toml()))
        token = create_token(
            conn, office="bench", role=Role.ADMIN, name="bench", counter=None, now=datetime.now(UTC)
        )
        conn.execute(sa.insert(t.tickets), [ticket_to_row(k) for k in tickets])
        last: dict[str, int] = {}
        for k in tickets:
            prefix = k.number[0]
            last[prefix] = max(last.get(prefix, 0), int(k.number[1:]))
        conn.execute(
            sa.insert(t.ticket_numbers),
            [{"office": "bench", "service": s, "day": DAY, "last": n} for s, n in last.items()],
        )
        rows = [
            {
                "office": "bench",
                "type": e.type,
                "at": e.at,
                "ticket_id": e.ticket_id if isinstance(e, TicketEvent) else None,
                "counter": getattr(e, "counter", None) or None,
                "service": e.service if isinstance(e, TicketEvent) else None,
                "data": json.dumps(event_to_json(e, TZ), ensure_ascii=False),
            }
            for e in events
        ]
        for i in range(0, len(rows), 5000):
            conn.execute(sa.insert(t.events), rows[i : i + 5000])
        conn.execute(sa.insert(t.feedback), ratings)
    if engine.dialect.name == "postgresql":
        # A live database's autovacuum keeps statistics; a bulk load has none until analysed.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    with engine.connect() as conn:
        report = check(conn)
    engine.dispose()
    if not report.clean:
        raise SystemExit(f"the generated day breaks an invariant: {report.problems[:3]}")
    print(f"  {len(tickets)} visits, {len(events)} events, {len(ratings)} ratings: check clean")
    return token


def timed(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    action()  # warm-up: caches, first imports (matplotlib), the office configuration
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


@contextmanager
def database(kind: str, pg: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = "swq_bench_reports"
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{pg}/{name}"
    finally:
        with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def measure(kind: str, url: str, visits: int, runs: int) -> None:
    print(f"{kind}: filling {visits} visits ...")
    token = fill(url, visits)
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    query = f"date={DAY.isoformat()}"
    login = client.get("/login").get_data(as_text=True)
    marker = 'name="csrf-token" content="'
    csrf = login[login.index(marker) + len(marker) :].split('"', 1)[0]
    signed = client.post(
        "/login", data={"username": "boss", "password": "bench-pass", "csrf_token": csrf}
    )
    assert signed.status_code == 302, signed.get_data(as_text=True)[:300]

    def get(path: str, **headers: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            return response

        return run

    db = app.extensions["swq"].db
    now = datetime.now(UTC)
    rows = [
        ("read (SQL -> records)", lambda: read_report_input(db, "bench", DAY, DAY, now)),
        (
            "compute (core/reports.py)",
            (lambda data: lambda: build_report(data))(
                read_report_input(db, "bench", DAY, DAY, now)
            ),
        ),
        ("GET summary JSON", get(f"/api/v1/reports/summary?{query}", **auth)),
        ("GET summary CSV", get(f"/api/v1/reports/summary?{query}", Accept="text/csv", **auth)),
        ("GET summary XLSX", get(f"/api/v1/reports/summary?{query}&format=xlsx", **auth)),
        ("GET /admin/reports (3 SVG charts)", get(f"/admin/reports?{query}")),
    ]
    print(f"  {'what':<36} {'p50 ms':>8} {'max ms':>8}   ({runs} runs after a warm-up)")
    for name, action in rows:
        p50, worst = timed(runs, action)
        print(f"  {name:<36} {p50 * 1000:8.0f} {worst * 1000:8.0f}")
    ext = app.extensions["swq"]
    ext.hub.stop()
    ext.hub.join()
    ext.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["sqlite", "pg"])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    print("$ python " + " ".join(sys.argv))
    for kind in ("sqlite", "pg"):
        if args.only in (None, kind):
            with database(kind, args.pg) as url:
                measure(kind, url, args.visits, args.runs)


if __name__ == "__main__":
    main()
