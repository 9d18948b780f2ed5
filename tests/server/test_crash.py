"""kill -9 a busy server, start a new one on the same database: nothing a kiosk was promised is
lost, and no number is given twice.

A kiosk prints a ticket only after its 201, so every 201 must survive the crash; a request cut off
by the kill may or may not have committed, and either way the next number must be a new one.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import requests
from sqlalchemy.engine import make_url

from tests.server.processes import ServerProcess
from tests.server.test_concurrency import (
    HTTP_TIMEOUT_S,
    SERVER_ENV,
    Issued,
    Traffic,
    bearer,
    guarded,
    load_busy_office,
    log_tails,
    problems_in,
    read_database,
    serial,
)

KIOSKS = 6
OFFICERS = 2
# Kill once this many tickets were answered, so the kill lands mid-stream, not at the start.
ANSWERED_BEFORE_KILL = 40
NEW_PER_SERVICE = 3


def kiosk_until_gone(traffic: Traffic, url: str, token: str, k: int) -> None:
    """Issue tickets back to back until the server stops answering."""
    with requests.Session() as session:
        for i in range(10_000):
            try:
                response = session.post(
                    f"{url}/api/v1/tickets",
                    json={"service": "AB"[(k + i) % 2]},
                    headers=bearer(token),
                    timeout=HTTP_TIMEOUT_S,
                )
            except requests.RequestException:
                return  # killed: this request's fate is unknown, and it was never promised
            if response.status_code != 201:
                traffic.failures.append(f"kiosk{k}: {response.status_code} {response.text[:300]}")
                return
            doc = response.json()
            traffic.issued.append(Issued(doc["id"], doc["number"], doc["service"]))


def officer_until_gone(traffic: Traffic, url: str, token: str, counter: str) -> None:
    """Call and finish tickets until the server stops answering, so the kill also finds tickets
    at counters and transactions that move them."""
    with requests.Session() as session:
        while True:
            try:
                called = session.post(
                    f"{url}/api/v1/counters/{counter}/next",
                    headers=bearer(token),
                    timeout=HTTP_TIMEOUT_S,
                )
                if called.status_code == 204:
                    time.sleep(0.01)
                    continue
                if called.status_code != 200:
                    traffic.failures.append(f"counter {counter} next: {called.status_code}")
                    return
                ticket_id = called.json()["id"]
                traffic.called.append((ticket_id, counter))
                done = session.post(
                    f"{url}/api/v1/tickets/{ticket_id}/done",
                    json={},
                    headers=bearer(token),
                    timeout=HTTP_TIMEOUT_S,
                )
            except requests.RequestException:
                return
            if done.status_code != 200:
                traffic.failures.append(f"counter {counter} done: {done.status_code}")
                return
            traffic.done.append(ticket_id)


def test_kill_9_loses_no_promised_ticket_and_reuses_no_number(
    database_url: str, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    url = database_url
    backend = make_url(url).get_backend_name()
    office = load_busy_office(url, kiosks=KIOSKS, officers=OFFICERS)
    # On PostgreSQL two worker processes under one gunicorn master: the kill takes all three.
    first = ServerProcess(
        url,
        workers=2 if backend == "postgresql" else 1,
        log_path=tmp_path / "before.log",
        env=SERVER_ENV,
    )
    servers.append(first)
    first.start()

    traffic = Traffic()
    clients = [
        guarded(
            traffic,
            f"kiosk{k}",
            lambda k=k: kiosk_until_gone(traffic, first.url, office.kiosks[k], k),
        )
        for k in range(KIOSKS)
    ] + [
        guarded(
            traffic,
            f"officer{code}",
            lambda code=code, token=token: officer_until_gone(traffic, first.url, token, code),
        )
        for code, token in office.officers.items()
    ]
    for thread in clients:
        thread.start()
    deadline = time.monotonic() + 30
    while len(traffic.issued) < ANSWERED_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)
    first.kill()
    for thread in clients:
        thread.join(timeout=HTTP_TIMEOUT_S + 5)
    assert not any(thread.is_alive() for thread in clients)
    assert not traffic.failures, "\n".join(traffic.failures) + "\n" + log_tails(servers)
    assert len(traffic.issued) >= ANSWERED_BEFORE_KILL

    # What the crash left: every promised ticket, under the number it was promised with.
    before = read_database(url)
    assert problems_in(url) == []
    promised = {i.ticket_id: i.number for i in traffic.issued}
    assert len(promised) == len(traffic.issued)
    assert promised.keys() - before.tickets.keys() == set()
    assert {tid: before.tickets[tid]["number"] for tid in promised} == promised
    # The highest number of each service and day, answered or not.
    highest: dict[tuple[str, object], int] = defaultdict(int)
    for row in before.tickets.values():
        key = (str(row["service"]), row["day"])
        highest[key] = max(highest[key], serial(str(row["number"])))

    second = ServerProcess(url, log_path=tmp_path / "after.log", env=SERVER_ENV)
    servers.append(second)
    second.start()
    with requests.Session() as session:
        # The new server knows each promised ticket, as any officer or admin would look it up.
        for ticket_id, number in promised.items():
            got = session.get(
                f"{second.url}/api/v1/tickets/{ticket_id}",
                headers=bearer(office.admin),
                timeout=HTTP_TIMEOUT_S,
            )
            assert got.status_code == 200, got.text
            assert got.json()["number"] == number
        # A ticket at a counter when the server died can still be finished.
        for ticket_id, row in before.tickets.items():
            if row["status"] in ("called", "serving"):
                finished = session.post(
                    f"{second.url}/api/v1/tickets/{ticket_id}/done",
                    json={},
                    headers=bearer(office.officers[str(row["counter"])]),
                    timeout=HTTP_TIMEOUT_S,
                )
                assert finished.status_code == 200, finished.text
        # Numbering goes on above everything issued before, committed-but-unanswered included.
        fresh: list[str] = []
        for service in ("A", "B"):
            for _ in range(NEW_PER_SERVICE):
                issued = session.post(
                    f"{second.url}/api/v1/tickets",
                    json={"service": service},
                    headers=bearer(office.kiosks[0]),
                    timeout=HTTP_TIMEOUT_S,
                )
                assert issued.status_code == 201, issued.text
                fresh.append(issued.json()["id"])
    second.stop()

    after = read_database(url)
    assert problems_in(url) == []
    for ticket_id in fresh:
        row = after.tickets[ticket_id]
        assert serial(str(row["number"])) > highest[(str(row["service"]), row["day"])], row
    assert set(before.tickets) | set(fresh) == set(after.tickets)
