"""Faults around a running server: the database restarts, a display's connection is cut, a
kiosk's answer is lost after the commit, the disk fills up. Each test ends with the stored
invariants clean and every ticket a kiosk was told about (a 201) present under its number.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import shutil
import socket
import sqlite3
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.sse import ServerSentEvent
from queue_server.db import schema as t
from queue_server.db.check import find_problems
from queue_server.db.engine import make_engine
from tests.server.conftest import Office, count_rows, load_test_office
from tests.server.pg_cluster import PrivateCluster, private_cluster
from tests.server.processes import EventClient, ServerProcess
from tests.server.test_concurrency import log_tails, read_database

pytestmark = pytest.mark.faults

# A kiosk here issues faster than a stuck-button guard would allow.
BASE_ENV = {"SWQ_KIOSK_RATE_LIMIT": "100000"}


def problems(url: str) -> list[str]:
    """What `swq check` would report about the database at `url`, one line per problem."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = [problem.line() for problem in find_problems(conn)]
    finally:
        engine.dispose()
    return found


def assert_acknowledged_present(url: str, acknowledged: dict[str, str]) -> None:
    """Every ticket a 201 told a kiosk about (id -> number) is stored under that number."""
    tickets = read_database(url).tickets
    missing = acknowledged.keys() - tickets.keys()
    assert not missing, f"acknowledged tickets lost: {missing}"
    assert {tid: tickets[tid]["number"] for tid in acknowledged} == acknowledged


# --- 1. PostgreSQL restarted mid-load ------------------------------------------------------

RESTART_KIOSKS = 4
RESTART_TICKETS_PER_KIOSK = 15
RESTART_AFTER_ANSWERS = 20  # restart once this many 201s were given: mid-load, not at the start
KEY_DEADLINE_S = 40.0  # a kiosk gives up on one key after this long (the test then fails)


@dataclass
class KeyedAnswers:
    """Everything a kiosk got while asking for one ticket under one Idempotency-Key."""

    key: str
    answers: list[str] = field(default_factory=list)  # "201", "503", "ConnectionError", ...
    tickets: list[tuple[str, str]] = field(default_factory=list)  # (id, number) of each 201


def issue_until_answered(
    session: requests.Session, url: str, office: Office, key: str, service: str
) -> KeyedAnswers:
    """POST the ticket, retrying the same key on 503s and broken connections, until a 201."""
    got = KeyedAnswers(key)
    deadline = time.monotonic() + KEY_DEADLINE_S
    while time.monotonic() < deadline:
        try:
            response = session.post(
                f"{url}/api/v1/tickets",
                json={"service": service},
                headers=office.auth("kiosk") | {"Idempotency-Key": key},
                timeout=10,
            )
        except requests.RequestException as exc:
            got.answers.append(type(exc).__name__)
            time.sleep(0.2)
            continue
        got.answers.append(str(response.status_code))
        if response.status_code == 201:
            doc = response.json()
            got.tickets.append((doc["id"], doc["number"]))
            return got
        if response.status_code != 503:
            got.answers[-1] += f" {response.text[:300]}"
            return got  # anything else is a failure the test reports
        assert response.json()["error"]["code"] == "database_unavailable", response.text
        time.sleep(min(float(response.headers.get("Retry-After", "1")), 0.5))
    return got


class Board:
    """A display connected throughout: when its stream ends it reconnects with Last-Event-ID,
    as a browser's EventSource does, and keeps every event it was sent."""

    def __init__(
        self, url: str, cafile: Path | None = None, source_address: str | None = None
    ) -> None:
        self.url = f"{url}/api/v1/events"
        self._source = source_address
        # A server behind TLS with a test certificate: trusted by the board and its first read.
        self._context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
        verify = str(cafile) if cafile else True
        start = requests.get(f"{url}/api/v1/board", timeout=10, verify=verify).json()[
            "last_event_id"
        ]
        self.connections = 0
        self.refusals: list[str] = []
        self._past: list[ServerSentEvent] = []  # what ended connections received
        self._last = str(start or 0)
        self._client: EventClient | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        assert self._connect()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _connect(self) -> bool:
        try:
            client = EventClient(
                self.url,
                last_event_id=self._last,
                context=self._context,
                source_address=self._source,
            )
        except (OSError, http.client.HTTPException) as exc:
            self.refusals.append(repr(exc))
            return False
        if client.response.status != 200:
            self.refusals.append(str(client.response.status))
            client.close()
            return False
        with self._lock:
            self._client = client
        self.connections += 1
        return True

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            client = self._client
            if client is None or not client.ended:
                continue
            with self._lock:
                self._past += client.wait_for(0, 0)
                self._last = client.last_event_id or self._last
                self._client = None
            client.close()
            while not self._stop.is_set() and not self._connect():
                time.sleep(0.5)

    @property
    def events(self) -> list[ServerSentEvent]:
        with self._lock:
            current = self._client.wait_for(0, 0) if self._client is not None else []
            return self._past + current

    def wait_for(self, count: int, timeout_s: float) -> list[ServerSentEvent]:
        deadline = time.monotonic() + timeout_s
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.events

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        if self._client is not None:
            self._client.close()


@pytest.fixture
def restartable_pg() -> Iterator[PrivateCluster]:
    with private_cluster() as cluster:
        yield cluster


def test_postgresql_restart_mid_load_loses_and_duplicates_nothing(
    restartable_pg: PrivateCluster, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    url = restartable_pg.database_url()
    office = load_test_office(url)
    server = ServerProcess(
        url,
        workers=2,
        log_path=tmp_path / "server.log",
        env=BASE_ENV | {"SWQ_KEEPALIVE_S": "0.5"},
    )
    servers.append(server)
    server.start()
    board = Board(server.url)

    results: list[KeyedAnswers] = []
    failures: list[str] = []
    answered = threading.Semaphore(0)

    def kiosk(k: int) -> None:
        try:
            with requests.Session() as session:
                for i in range(RESTART_TICKETS_PER_KIOSK):
                    got = issue_until_answered(
                        session, server.url, office, f"kiosk{k}-{i}", "AB"[(k + i) % 2]
                    )
                    results.append(got)
                    if not got.tickets:
                        failures.append(f"{got.key}: {got.answers}")
                        return
                    answered.release()
                    time.sleep(0.05)
        except Exception as exc:
            failures.append(f"kiosk{k}: {exc!r}")

    kiosks = [threading.Thread(target=kiosk, args=(k,), daemon=True) for k in range(RESTART_KIOSKS)]
    restarted_in_s = None
    try:
        for thread in kiosks:
            thread.start()
        for _ in range(RESTART_AFTER_ANSWERS):
            assert answered.acquire(timeout=30), failures
        started = time.monotonic()
        restartable_pg.restart()
        restarted_in_s = time.monotonic() - started
        for thread in kiosks:
            thread.join(timeout=KEY_DEADLINE_S + 20)
    except BaseException:
        board.close()
        raise
    assert not any(thread.is_alive() for thread in kiosks)
    assert not failures, "\n".join(failures) + "\n" + log_tails(servers)
    assert len(results) == RESTART_KIOSKS * RESTART_TICKETS_PER_KIOSK

    # The restart was felt: some request failed and was retried under its key.
    retried = [r for r in results if len(r.answers) > 1]
    assert retried, f"the restart ({restarted_in_s:.1f} s) disturbed no request"
    for got in results:
        assert all(a == "201" or a == "503" or "Error" in a or "Timeout" in a for a in got.answers)

    stored = read_database(url)
    assert problems(url) == []
    acknowledged = dict(ticket for got in results for ticket in got.tickets)
    assert_acknowledged_present(url, acknowledged)
    # Every key got exactly one ticket: no retry issued a second one after a lost commit answer.
    assert len(stored.tickets) == len(results), "a retried key made a second ticket"
    assert set(stored.tickets) == set(acknowledged)
    assert all(len({tid for tid, _ in got.tickets}) == 1 for got in results)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            c = t.idempotency_keys.c
            keys = {key: tid for key, tid in conn.execute(sa.select(c.key, c.ticket_id))}
    finally:
        engine.dispose()
    assert keys == {got.key: got.tickets[0][0] for got in results}

    # The board, connected throughout, saw every ticket issued, once.
    seen = board.wait_for(len(stored.tickets), timeout_s=15)
    board.close()
    issued = Counter(e.json()["ticket_id"] for e in seen if e.event == "ticket.issued")
    assert issued == Counter(set(stored.tickets)), (
        f"board: {len(seen)} events, {board.connections} connections, refusals {board.refusals}"
    )
    ids = [int(str(e.id)) for e in seen]
    assert ids == sorted(set(ids))
    server.stop()
    answers = Counter(a.split()[0] for got in results for a in got.answers)
    print(
        f"restart took {restarted_in_s:.1f} s; {len(retried)} keys retried; answers {answers}; "
        f"board reconnected {board.connections - 1} times"
    )


# --- 2. A display cut off for 30 s ---------------------------------------------------------

OUTAGE_S = 30.0  # real wall time: the office goes on calling while the display is away
FREED_WITHIN_S = 5.0  # with keep-alives every 0.3 s the server finds the dead socket at once


def open_stream(url: str, last_event_id: str | None, within_s: float) -> EventClient:
    """Connect, retrying while the server still holds the one stream place it allows."""
    deadline = time.monotonic() + within_s
    while True:
        client = EventClient(f"{url}/api/v1/events", last_event_id=last_event_id)
        if client.response.status == 200:
            return client
        status = client.response.status
        client.close()
        assert status == 503 and time.monotonic() < deadline, f"stream refused: {status}"
        time.sleep(0.1)


# Once, on PostgreSQL, the production database: the replay itself runs on both in test_live.py;
# this one is about half a minute of real time away.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_display_cut_off_for_30_s_gets_exactly_the_missed_events_in_order(
    database_url: str, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    url = database_url
    office = load_test_office(url)
    # One stream place: a new stream is only accepted once the server let go of the dead one.
    server = ServerProcess(
        url,
        streams=1,
        log_path=tmp_path / "server.log",
        env=BASE_ENV | {"SWQ_KEEPALIVE_S": "0.3"},
    )
    servers.append(server)
    server.start()
    session = requests.Session()

    def post(path: str, who: str, expect: int = 200, **body: object) -> requests.Response:
        response = session.post(
            f"{server.url}{path}", json=body or None, headers=office.auth(who), timeout=10
        )
        assert response.status_code == expect, response.text
        return response

    acknowledged: dict[str, str] = {}
    board = EventClient(f"{server.url}/api/v1/events")
    first = post("/api/v1/tickets", "kiosk", 201, service="A").json()
    acknowledged[first["id"]] = first["number"]
    seen = board.wait_for(1)
    assert [e.event for e in seen] == ["ticket.issued"]
    last = seen[-1].id
    assert last is not None

    # The connection is cut: the display is gone without a word.
    board.close()
    cut_at = time.monotonic()
    probe = open_stream(server.url, None, FREED_WITHIN_S)
    freed_after_s = time.monotonic() - cut_at
    probe.close()

    # Meanwhile the office works on: issue, call, recall, finish, no-show, for OUTAGE_S.
    expected: list[tuple[str, str]] = []  # (event type, ticket id) in the order they happened
    cycle = 0
    while time.monotonic() - cut_at < OUTAGE_S:
        ticket = post("/api/v1/tickets", "kiosk", 201, service="AB"[cycle % 2]).json()
        acknowledged[ticket["id"]] = ticket["number"]
        expected.append(("ticket.issued", ticket["id"]))
        counter = "13"[cycle % 2]
        called = post(f"/api/v1/counters/{counter}/next", f"officer{counter}").json()
        expected.append(("ticket.called", called["id"]))
        if cycle % 3 == 0:
            post(f"/api/v1/counters/{counter}/recall", f"officer{counter}")
            expected.append(("ticket.recalled", called["id"]))
        if cycle % 4 == 3:
            post(f"/api/v1/tickets/{called['id']}/no-show", f"officer{counter}")
            expected.append(("ticket.no_show", called["id"]))
        else:
            post(f"/api/v1/tickets/{called['id']}/done", f"officer{counter}", transactions=[])
            expected.append(("ticket.done", called["id"]))
        cycle += 1
        time.sleep(0.25)
    outage_s = time.monotonic() - cut_at

    # The display comes back, saying where it stopped.
    again = open_stream(server.url, last, FREED_WITHIN_S)
    try:
        replayed = again.wait_for(len(expected), timeout_s=15)
        got = [(e.event, e.json()["ticket_id"]) for e in replayed]
        assert got == expected
        stored = read_database(url)
        missed = [(int(str(e["id"])), str(e["type"])) for e in stored.events if e["id"] > int(last)]
        assert [(int(str(e.id)), e.event) for e in replayed] == missed
        # Then live events, nothing replayed twice.
        live = post("/api/v1/tickets", "kiosk", 201, service="B").json()
        acknowledged[live["id"]] = live["number"]
        after = again.wait_for(len(expected) + 1, timeout_s=10)
        assert [(e.event, e.json()["ticket_id"]) for e in after[len(expected) :]] == [
            ("ticket.issued", live["id"])
        ]
        assert len({e.id for e in after}) == len(after)
    finally:
        again.close()
        session.close()
    server.stop()
    print(f"outage {outage_s:.1f} s, {len(expected)} events missed, freed in {freed_after_s:.2f} s")
    assert problems(url) == []
    assert_acknowledged_present(url, acknowledged)


# --- 3. The answer to a committed issue is lost --------------------------------------------


class LosingProxy:
    """A TCP proxy on 127.0.0.1 that forwards requests to the server but swallows the server's
    answer on the first connection, as a network that drops a response would."""

    def __init__(self, upstream_port: int, drop_connections: int = 1) -> None:
        self.upstream_port = upstream_port
        self.drop_connections = drop_connections
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.swallowed = bytearray()
        self.swallowed_event = threading.Event()
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, upstream]
            self.connections += 1
            drop = self.connections <= self.drop_connections
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, drop), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, swallow: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if swallow:
                    self.swallowed += chunk
                    self.swallowed_event.set()
                else:
                    target.sendall(chunk)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()


def test_a_kiosk_whose_answer_is_lost_after_the_commit_gets_the_same_ticket_on_retry(
    database_url: str, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    url = database_url
    office = load_test_office(url)
    server = ServerProcess(url, log_path=tmp_path / "server.log", env=BASE_ENV)
    servers.append(server)
    server.start()
    proxy = LosingProxy(server.port)
    headers = office.auth("kiosk") | {"Idempotency-Key": "kiosk-press-0001"}
    try:
        started = time.monotonic()
        with pytest.raises(requests.ReadTimeout):
            requests.post(
                f"{proxy.url}/api/v1/tickets", json={"service": "A"}, headers=headers, timeout=3
            )
        timed_out_s = time.monotonic() - started
        # The server did commit and answer; the network ate the answer.
        assert proxy.swallowed_event.wait(5)
        head, _, body = bytes(proxy.swallowed).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 201"), head
        lost = json.loads(body)
        assert count_rows(url, "tickets") == 1

        retry = requests.post(
            f"{proxy.url}/api/v1/tickets", json={"service": "A"}, headers=headers, timeout=10
        )
        assert retry.status_code == 201, retry.text
        assert retry.headers.get("Idempotent-Replayed") == "true"
        assert (retry.json()["id"], retry.json()["number"]) == (lost["id"], lost["number"])
        assert proxy.connections == 2
    finally:
        proxy.close()
    server.stop()
    print(f"kiosk timed out after {timed_out_s:.1f} s")
    assert count_rows(url, "tickets") == 1
    assert count_rows(url, "idempotency_keys") == 1
    assert problems(url) == []
    assert_acknowledged_present(url, {lost["id"]: lost["number"]})


# --- 4. The disk under SQLite fills up -----------------------------------------------------
#
# We run as root, and root ignores file permissions, so chmod makes nothing read-only. chattr +i
# and chown/setpriv tricks act when a file is opened, but the server keeps its SQLite connections
# (and their file descriptors) open, so a running server would not notice them. A full file
# system fails every write, through open descriptors too: the database lives on a small tmpfs
# of its own, which the test fills with a filler file.

DISK_BYTES = 8 << 20


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill_up(directory: Path) -> Path:
    """Write a filler file until the file system has no byte left."""
    filler = directory / "filler"
    block = b"\0" * 65536
    with open(filler, "wb", buffering=0) as out:
        while True:
            try:
                out.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
        small = b"\0" * 512
        while True:
            try:
                out.write(small)
            except OSError:
                break
    return filler


def checkpoint_wal(path: Path) -> None:
    """Copy the WAL into the database and cut it to zero bytes, so the server's next write must
    grow it (SQLite otherwise reuses the WAL's space and a full disk would go unnoticed)."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        for _ in range(50):
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy == 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the WAL could not be checkpointed")
    finally:
        conn.close()
    assert Path(f"{path}-wal").stat().st_size == 0


def test_a_full_disk_gives_the_kiosk_a_json_503_and_loses_nothing(
    sqlite_template: Path, small_disk: Path, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    path = small_disk / "swq.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    assert make_url(url).get_backend_name() == "sqlite"
    office = load_test_office(url)
    server = ServerProcess(url, log_path=tmp_path / "server.log", env=BASE_ENV)
    servers.append(server)
    server.start()
    tickets = f"{server.url}/api/v1/tickets"
    kiosk = office.auth("kiosk")

    before = requests.post(tickets, json={"service": "A"}, headers=kiosk, timeout=10)
    assert before.status_code == 201, before.text
    acknowledged = {before.json()["id"]: before.json()["number"]}

    checkpoint_wal(path)
    filler = fill_up(small_disk)
    try:
        keyed = kiosk | {"Idempotency-Key": "press-during-disk-full"}
        started = time.monotonic()
        refused = requests.post(tickets, json={"service": "B"}, headers=keyed, timeout=20)
        refused_in_s = time.monotonic() - started
        assert refused.status_code == 503, refused.text
        assert refused.headers["Content-Type"].startswith("application/json")
        assert refused.json()["error"]["code"] == "database_unavailable"
        assert int(refused.headers["Retry-After"]) >= 1
        # An officer's call needs to write too: the same clear refusal.
        call = requests.post(
            f"{server.url}/api/v1/counters/1/next", headers=office.auth("officer1"), timeout=20
        )
        assert call.status_code == 503, call.text
        assert call.json()["error"]["code"] == "database_unavailable"
        # Reads go on: the ticket already given is still there.
        shown = requests.get(
            f"{tickets}/{before.json()['id']}", headers=office.auth("admin"), timeout=10
        )
        assert shown.status_code == 200, shown.text
        assert shown.json()["number"] == before.json()["number"]
    finally:
        filler.unlink()

    # Space again: the kiosk retries its key and gets one ticket, however often it asks.
    retried = requests.post(tickets, json={"service": "B"}, headers=keyed, timeout=10)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers  # the refused attempt committed nothing
    again = requests.post(tickets, json={"service": "B"}, headers=keyed, timeout=10)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == retried.json()["id"]
    acknowledged[retried.json()["id"]] = retried.json()["number"]
    server.stop()
    print(f"disk full: 503 after {refused_in_s:.2f} s")
    assert count_rows(url, "tickets") == 2
    assert problems(url) == []
    assert_acknowledged_present(url, acknowledged)
