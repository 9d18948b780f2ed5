"""Many kiosks and officers at once, against real server processes on a real database.

Sixteen kiosk threads issue tickets (some retried with the same Idempotency-Key, the first retry
racing the original on another process) while sixteen officers call and finish tickets on their
own counters, every request going round-robin to the server processes. Afterwards the tables, the
event log and two live event streams must tell one consistent story: unique gapless numbers, no
ticket at two counters, every ticket issued once, called once, done once.

The helpers here (the busy office, tokens, reading the tables) are shared with test_crash.py; the
invariants themselves are `swq check`'s (queue_server/db/check.py).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.office_file import load_office
from queue_server.auth import Role, create_token
from queue_server.db import schema as t
from queue_server.db.check import find_problems
from queue_server.db.engine import make_engine
from queue_server.offices import store_office
from tests.server.processes import EventClient, ServerProcess

BUSY_OFFICE_FILE = Path(__file__).parent / "office_busy.toml"
BUSY_COUNTERS = 16
# The servers must not refuse a busy kiosk: the rate limit guards against stuck buttons, not load.
SERVER_ENV = {"SWQ_KIOSK_RATE_LIMIT": "100000"}
HTTP_TIMEOUT_S = 30.0

KIOSKS = 16
OFFICERS = BUSY_COUNTERS
# Tickets each kiosk thread issues (192 in all): about 10 s on SQLite, 15 s on PostgreSQL.
TICKETS_PER_KIOSK = 12
SERVERS = {"postgresql": 2, "sqlite": 1}
KEYED_EVERY = 4  # every 4th ticket is sent with an Idempotency-Key, three times


@dataclass
class BusyOffice:
    """The busy office loaded into a database, with tokens made for this test."""

    url: str
    code: str
    kiosks: list[str] = field(default_factory=list)
    officers: dict[str, str] = field(default_factory=dict)  # counter code -> token
    admin: str = ""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def load_busy_office(url: str, kiosks: int, officers: int) -> BusyOffice:
    """Store the 16-counter office and make `kiosks` kiosk tokens, one officer token for each of
    the first `officers` counters, and an admin token."""
    spec = load_office(BUSY_OFFICE_FILE)
    office = BusyOffice(url, spec.config.office.code)
    now = datetime.now(UTC)
    engine = make_engine(url)
    with engine.begin() as conn:
        store_office(conn, spec)
        for i in range(kiosks):
            office.kiosks.append(
                create_token(conn, office=office.code, role=Role.KIOSK, name=f"kiosk{i}", now=now)
            )
        for i in range(1, officers + 1):
            office.officers[str(i)] = create_token(
                conn,
                office=office.code,
                role=Role.OFFICER,
                name=f"officer{i}",
                counter=str(i),
                now=now,
            )
        office.admin = create_token(
            conn, office=office.code, role=Role.ADMIN, name="admin", now=now
        )
    engine.dispose()
    return office


def serial(number: str) -> int:
    """The running number of a ticket number such as A007."""
    return int(number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


@dataclass
class Stored:
    """What the database holds once the clients are finished."""

    tickets: dict[str, dict[str, object]]  # id -> row
    events: list[dict[str, object]]  # every event, by id
    last_numbers: dict[tuple[str, str, date], int]  # ticket_numbers: (office, service, day)


def read_database(url: str) -> Stored:
    engine = make_engine(url)
    with engine.connect() as conn:
        tickets = {row["id"]: dict(row) for row in conn.execute(sa.select(t.tickets)).mappings()}
        events = [
            dict(row)
            for row in conn.execute(sa.select(t.events).order_by(t.events.c.id)).mappings()
        ]
        c = t.ticket_numbers.c
        last_numbers = {
            (office, service, day): last
            for office, service, day, last in conn.execute(
                sa.select(c.office, c.service, c.day, c.last)
            )
        }
    engine.dispose()
    return Stored(tickets, events, last_numbers)


def problems_in(url: str) -> list[str]:
    """What `swq check` would report about the database at `url`, one line per problem."""
    engine = make_engine(url)
    with engine.connect() as conn:
        problems = [problem.line() for problem in find_problems(conn)]
    engine.dispose()
    return problems


def events_by_ticket(stored: Stored) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = defaultdict(list)
    for event in stored.events:
        if isinstance(event["ticket_id"], str):
            kinds[event["ticket_id"]].append(str(event["type"]))
    return kinds


def log_tails(servers: list[ServerProcess]) -> str:
    """The end of each server's log, to show next to a failure."""
    tails = []
    for server in servers:
        if server.log_path is not None and server.log_path.exists():
            text = server.log_path.read_text(errors="replace")
            tails.append(f"--- {server.log_path}\n{text[-4000:]}")
    return "\n".join(tails)


@dataclass
class Issued:
    ticket_id: str
    number: str
    service: str


@dataclass
class Keyed:
    """The three answers to one Idempotency-Key: (ticket id, replayed?)."""

    key: str
    answers: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Traffic:
    """What the clients saw; `failures` collects every unexpected answer, from any thread."""

    issued: list[Issued] = field(default_factory=list)
    keyed: list[Keyed] = field(default_factory=list)
    called: list[tuple[str, str]] = field(default_factory=list)  # (ticket id, counter)
    done: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def guarded(traffic: Traffic, name: str, body: Callable[[], None]) -> threading.Thread:
    """A thread whose unexpected exception is a recorded failure, not a lost traceback."""

    def run() -> None:
        try:
            body()
        except Exception as exc:
            traffic.failures.append(f"{name}: {exc!r}")

    return threading.Thread(target=run, name=name, daemon=True)


def issue_once(
    session: requests.Session | None,
    server: ServerProcess,
    token: str,
    body: dict[str, object],
    key: str | None,
) -> requests.Response:
    headers = bearer(token) | ({"Idempotency-Key": key} if key else {})
    post = session.post if session is not None else requests.post
    return post(f"{server.url}/api/v1/tickets", json=body, headers=headers, timeout=HTTP_TIMEOUT_S)


def raced_issue(
    into: list[requests.Response],
    server: ServerProcess,
    token: str,
    body: dict[str, object],
    key: str,
) -> None:
    into.append(issue_once(None, server, token, body, key))


def kiosk_loop(
    traffic: Traffic, servers: list[ServerProcess], token: str, k: int, tickets: int
) -> None:
    with requests.Session() as session:
        for i in range(tickets):
            body = {"service": "AB"[(k + i) % 2], "priority": "elderly" if i % 5 == 4 else "normal"}
            server = servers[(k + i) % len(servers)]
            if i % KEYED_EVERY != KEYED_EVERY - 1:
                response = issue_once(session, server, token, body, None)
                answers = [response]
            else:
                # The first retry races the original on the other process (the network lost the
                # answer, the kiosk asked again at once); the second comes after both.
                key = f"kiosk{k}-ticket{i}"
                other = servers[(k + i + 1) % len(servers)]
                raced: list[requests.Response] = []
                racer = guarded(
                    traffic,
                    f"kiosk{k} racer",
                    functools.partial(raced_issue, raced, other, token, body, key),
                )
                racer.start()
                first = issue_once(session, server, token, body, key)
                racer.join()
                answers = [first, *raced, issue_once(session, server, token, body, key)]
                if len(answers) == 3 and all(a.status_code == 201 for a in answers):
                    traffic.keyed.append(
                        Keyed(
                            key,
                            [(a.json()["id"], "Idempotent-Replayed" in a.headers) for a in answers],
                        )
                    )
            for response in answers:
                if response.status_code != 201:
                    traffic.failures.append(
                        f"kiosk{k} ticket {i}: {response.status_code} {response.text[:300]}"
                    )
                    return
                doc = response.json()
                traffic.issued.append(Issued(doc["id"], doc["number"], doc["service"]))


def officer_loop(
    traffic: Traffic,
    servers: list[ServerProcess],
    token: str,
    counter: str,
    n: int,
    issuing_over: threading.Event,
    deadline: float,
) -> None:
    """Call next, then done, until nobody waits after the kiosks have finished."""
    with requests.Session() as session:
        while time.monotonic() < deadline:
            # Read before asking: a 204 only ends the day if no kiosk could still be issuing.
            over = issuing_over.is_set()
            response = session.post(
                f"{servers[n % len(servers)].url}/api/v1/counters/{counter}/next",
                headers=bearer(token),
                timeout=HTTP_TIMEOUT_S,
            )
            if response.status_code == 204:
                if over:
                    return
                time.sleep(0.02)
                continue
            if response.status_code != 200:
                traffic.failures.append(
                    f"counter {counter} next: {response.status_code} {response.text[:300]}"
                )
                return
            ticket = response.json()
            traffic.called.append((ticket["id"], counter))
            # Finish through the other process: it must see what this one just wrote.
            finished = session.post(
                f"{servers[(n + 1) % len(servers)].url}/api/v1/tickets/{ticket['id']}/done",
                json={"transactions": []},
                headers=bearer(token),
                timeout=HTTP_TIMEOUT_S,
            )
            if finished.status_code != 200 or finished.json()["status"] != "done":
                traffic.failures.append(
                    f"counter {counter} done {ticket['number']}: "
                    f"{finished.status_code} {finished.text[:300]}"
                )
                return
            traffic.done.append(ticket["id"])
        traffic.failures.append(f"counter {counter}: tickets still waiting at the deadline")


def start_servers(url: str, count: int, tmp_path: Path, into: list[ServerProcess]) -> None:
    for i in range(count):
        server = ServerProcess(url, log_path=tmp_path / f"server{i}.log", env=SERVER_ENV)
        into.append(server)
        server.start()


def test_kiosks_and_officers_at_once(
    database_url: str, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    url = database_url
    backend = make_url(url).get_backend_name()
    office = load_busy_office(url, kiosks=KIOSKS, officers=OFFICERS)
    start_servers(url, SERVERS[backend], tmp_path, servers)
    # A display on each process, listening from the very start; with a token, so it is told
    # everything the events table holds (anonymous readers see only what a board shows).
    auth = {"Authorization": f"Bearer {office.admin}"}
    streams = [
        EventClient(f"{s.url}/api/v1/events", last_event_id="0", headers=auth) for s in servers
    ]
    try:
        traffic = Traffic()
        issuing_over = threading.Event()
        deadline = time.monotonic() + 75
        kiosks = [
            guarded(
                traffic,
                f"kiosk{k}",
                lambda k=k: kiosk_loop(traffic, servers, office.kiosks[k], k, TICKETS_PER_KIOSK),
            )
            for k in range(KIOSKS)
        ]
        officers = [
            guarded(
                traffic,
                f"officer{n}",
                lambda n=n, code=code, token=token: officer_loop(
                    traffic, servers, token, code, n, issuing_over, deadline
                ),
            )
            for n, (code, token) in enumerate(office.officers.items())
        ]
        for thread in [*kiosks, *officers]:
            thread.start()
        for thread in kiosks:
            thread.join(timeout=90)
        issuing_over.set()
        for thread in officers:
            thread.join(timeout=90)
        assert not traffic.failures, "\n".join(traffic.failures[:20]) + "\n" + log_tails(servers)

        stored = read_database(url)
        received = [s.wait_for(len(stored.events), timeout_s=15) for s in streams]
    finally:
        for stream in streams:
            stream.close()

    assert problems_in(url) == []
    # The check allows a day's numbers to start anywhere; this office's start at 1.
    first: dict[str, list[int]] = defaultdict(list)
    for row in stored.tickets.values():
        first[str(row["number"])[0]].append(serial(str(row["number"])))
    assert {service: min(got) for service, got in first.items()} == {"A": 1, "B": 1}

    # Every ticket a kiosk was given exists, was called once and is done; and nothing else exists.
    given = {i.ticket_id for i in traffic.issued}
    keyed_tickets = len(traffic.keyed)
    expected = KIOSKS * TICKETS_PER_KIOSK
    assert len(given) == expected
    assert len(traffic.issued) == expected + 2 * keyed_tickets
    assert set(stored.tickets) == given
    assert {row["status"] for row in stored.tickets.values()} == {"done"}
    numbers = {(i.ticket_id, i.number) for i in traffic.issued}
    assert numbers == {(tid, row["number"]) for tid, row in stored.tickets.items()}

    # The same Idempotency-Key always gave the same ticket, and exactly one answer was new.
    assert keyed_tickets == KIOSKS * (TICKETS_PER_KIOSK // KEYED_EVERY)
    for keyed in traffic.keyed:
        assert len({tid for tid, _ in keyed.answers}) == 1, keyed
        assert [replayed for _, replayed in keyed.answers].count(False) == 1, keyed

    # Each ticket went to exactly one counter, as the officers saw it and as the events tell.
    called = Counter(tid for tid, _ in traffic.called)
    assert set(called) == given and set(called.values()) == {1}
    assert sorted(traffic.done) == sorted(given)
    kinds = events_by_ticket(stored)
    assert set(kinds) == given
    bad = {
        tid: k for tid, k in kinds.items() if k != ["ticket.issued", "ticket.called", "ticket.done"]
    }
    assert bad == {}
    where_called = {
        e["ticket_id"]: e["counter"] for e in stored.events if e["type"] == "ticket.called"
    }
    assert where_called == dict(traffic.called)

    # Every process streamed every event, in strictly increasing id order, each exactly once.
    stored_ids = [int(str(e["id"])) for e in stored.events]
    for got in received:
        ids = [int(str(e.id)) for e in got]
        assert ids == stored_ids
        assert [e.event for e in got] == [e["type"] for e in stored.events]
        assert [json.loads(e.data) for e in got] == [
            json.loads(str(e["data"])) for e in stored.events
        ]
