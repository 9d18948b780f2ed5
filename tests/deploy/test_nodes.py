"""Two `swq server` nodes behind the shipped nginx site, on one PostgreSQL; one node is killed
with kill -9 while kiosks, officers and boards work through nginx. Nothing a client was told
about is lost, no number is given twice, no ticket is called twice, and every board (resuming
with Last-Event-ID on the other node) holds exactly the events the table holds."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from queue_server.auth import Role, create_token
from queue_server.db.engine import make_engine
from tests.deploy.nginx import Nginx
from tests.server.conftest import HERE, fresh_database, load_test_office, pg_url, servers
from tests.server.processes import ServerProcess
from tests.server.test_concurrency import log_tails, read_database
from tests.server.test_faults import BASE_ENV, Board, assert_acknowledged_present, problems

__all__ = ["pg_url", "servers"]  # the server tests' fixtures
pytestmark = pytest.mark.faults

KIOSKS = 16
OFFICERS = 16  # counters 1-16 of the busy office
BOARDS = 20
# The kill comes once this many tickets are acknowledged, the end once as many more are: the
# load is measured in tickets, not seconds, so a busy machine takes longer, never less load.
KILL_AT = 100
AFTER_KILL = 100
PHASE_TIMEOUT_S = 120.0
RETRY_FOR_S = 40.0  # a client gives up on one request after this long (the test then fails)
PASSING = (502, 503, 504)  # nginx while a node dies, or a node whose database is busy


class Client:
    """A device or officer through nginx, retrying a request while a node dies under it."""

    def __init__(self, nginx: Nginx, token: str, address: str) -> None:
        self.base = nginx.url
        self.session = nginx.session(address)
        self.auth = {"Authorization": f"Bearer {token}"}
        self.retries = 0

    def send(self, method: str, path: str, **kwargs: object) -> requests.Response:
        deadline = time.monotonic() + RETRY_FOR_S
        # Every try carries the same headers: a retry without its Idempotency-Key would be a
        # second ticket, not the same one.
        headers = self.auth | kwargs.pop("headers", {})
        while True:
            try:
                response = self.session.request(
                    method, self.base + path, headers=headers, timeout=10, **kwargs
                )
                if response.status_code not in PASSING:
                    return response
            except requests.RequestException:
                pass
            self.retries += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path}: no answer for {RETRY_FOR_S} s")
            time.sleep(0.2)  # back off while nginx marks the dead node down


def test_a_node_killed_mid_load_loses_and_repeats_nothing(
    pg_url: str, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    url = fresh_database("postgresql", tmp_path, pg_url, tmp_path)
    office = load_test_office(url, HERE / "office_busy.toml")
    engine = make_engine(url)
    with engine.begin() as conn:
        officer_tokens = {
            str(c): create_token(
                conn, office=office.code, role=Role.OFFICER, name=f"officer{c}",
                counter=str(c), now=datetime.now(UTC),
            )
            for c in range(1, OFFICERS + 1)
        }  # fmt: skip
    engine.dispose()
    # The boards read without a token, each from an address of its own (as boards in twenty
    # halls would), so nginx's and the server's per-address stream limits see twenty clients.
    env = BASE_ENV | {"SWQ_TRUSTED_PROXY_COUNT": "1"}
    nodes = [ServerProcess(url, log_path=tmp_path / f"node{n}.log", env=env) for n in (1, 2)]
    servers.extend(nodes)
    with ThreadPoolExecutor() as pool:  # both boot at once; a failed start is raised here
        list(pool.map(ServerProcess.start, nodes))
    nginx = Nginx(tmp_path / "nginx", nodes[0].port, more_upstreams=(nodes[1].port,)).start()

    boards: list[Board] = []
    stop = threading.Event()
    failures: list[str] = []
    acknowledged: dict[str, str] = {}  # ticket id -> number, from a 201
    keys: dict[str, str] = {}  # Idempotency-Key -> ticket id
    calls: list[str] = []  # every ticket an officer was given to call
    clients: list[Client] = []
    # Kiosks tell officers (waiting on an empty queue) and the test (waiting for a milestone).
    issued = threading.Condition()

    def reached(count: int) -> bool:
        with issued:
            return (
                issued.wait_for(
                    lambda: len(acknowledged) >= count or bool(failures), PHASE_TIMEOUT_S
                )
                and not failures
            )

    def kiosk(k: int) -> None:
        client = Client(nginx, office.tokens["kiosk" if k % 2 else "kiosk2"], f"127.0.1.{k}")
        clients.append(client)
        i = 0
        try:
            while not stop.is_set():
                key = f"kiosk{k}-{i}"
                response = client.send(
                    "POST", "/api/v1/tickets", json={"service": "AB"[i % 2]},
                    headers={"Idempotency-Key": key},
                )  # fmt: skip
                assert response.status_code == 201, response.text
                doc = response.json()
                with issued:
                    acknowledged[doc["id"]] = doc["number"]
                    keys[key] = doc["id"]
                    issued.notify_all()
                i += 1
        except Exception as exc:
            failures.append(f"kiosk{k}: {exc!r}")
            with issued:
                issued.notify_all()

    def officer(counter: str) -> None:
        client = Client(nginx, officer_tokens[counter], f"127.0.2.{counter}")
        clients.append(client)
        try:
            while not stop.is_set():
                before = len(acknowledged)
                response = client.send("POST", f"/api/v1/counters/{counter}/next")
                if response.status_code == 204:
                    with issued:  # nobody waiting: until a kiosk issues a ticket
                        issued.wait_for(lambda n=before: len(acknowledged) > n or stop.is_set(), 5)
                    continue
                if response.status_code == 409:
                    # The call was made on the node that died, its answer lost: the counter
                    # holds the ticket, and the console shows it.
                    assert response.json()["error"]["code"] == "counter_busy", response.text
                    desk = client.send("GET", f"/api/v1/counters/{counter}")
                    ticket_id = desk.json()["ticket"]["id"]
                    if ticket_id not in calls:
                        calls.append(ticket_id)
                else:
                    assert response.status_code == 200, response.text
                    ticket_id = response.json()["id"]
                    calls.append(ticket_id)
                done = client.send("POST", f"/api/v1/tickets/{ticket_id}/done", json={})
                # 409: the first "done" committed on the dying node and only its answer was lost.
                assert done.status_code in (200, 409), done.text
        except Exception as exc:
            failures.append(f"officer{counter}: {exc!r}")
            with issued:
                issued.notify_all()

    threads = [threading.Thread(target=kiosk, args=(k,), daemon=True) for k in range(KIOSKS)]
    threads += [
        threading.Thread(target=officer, args=(str(c),), daemon=True)
        for c in range(1, OFFICERS + 1)
    ]
    began = time.monotonic()
    try:
        first = nginx.session().get(f"{nginx.url}/api/v1/board", timeout=10).json()
        start = int(first["last_event_id"] or 0)
        boards = [Board(nginx.url, nginx.cert, f"127.0.3.{b + 1}") for b in range(BOARDS)]
        for thread in threads:
            thread.start()
        assert reached(KILL_AT), "\n".join(failures) or f"{len(acknowledged)} tickets"
        nodes[0].kill()
        killed_at = len(acknowledged)
        assert reached(killed_at + AFTER_KILL), "\n".join(failures) or f"{len(acknowledged)}"
        stop.set()
        with issued:
            issued.notify_all()
        for thread in threads:
            thread.join(timeout=RETRY_FOR_S + 20)
        assert not any(thread.is_alive() for thread in threads)
        assert not failures, "\n".join(failures) + "\n" + log_tails(servers) + nginx.errors()
        loaded_s = time.monotonic() - began

        stored = read_database(url)
        assert problems(url) == []
        assert_acknowledged_present(url, acknowledged)
        # One ticket per key: a retry after a lost answer got the same ticket, not a second.
        assert set(stored.tickets) == set(keys.values()) == set(acknowledged)
        numbers = [(row["day"], row["number"]) for row in stored.tickets.values()]
        assert len(numbers) == len(set(numbers))
        # No ticket called twice, and every call an officer made is in the table.
        assert max(Counter(calls).values()) == 1
        called = [e["ticket_id"] for e in stored.events if e["type"] == "ticket.called"]
        assert Counter(called) == Counter(calls)
        # Each board, through nginx and across the kill, holds exactly the table's events.
        table = [int(e["id"]) for e in stored.events if int(e["id"]) > start]
        for board in boards:
            seen = board.wait_for(len(table), timeout_s=30)
            assert [int(str(e.id)) for e in seen] == table, (
                f"board: {len(seen)} of {len(table)} events, {board.connections} connections"
            )
        assert any(board.connections > 1 for board in boards), "no board lost its node"
        assert sum(c.retries for c in clients) > 0, "the kill disturbed no request"
        print(
            f"{loaded_s:.1f} s of load, {killed_at} tickets before the kill, "
            f"{len(acknowledged)} tickets, {len(calls)} calls, "
            f"{sum(c.retries for c in clients)} retried requests, "
            f"board connections {[b.connections for b in boards]}"
        )
    finally:
        stop.set()
        for board in boards:
            board.close()
        nginx.stop()
