"""The live event stream through real server processes: events written by one process reach
subscribers of another; a reconnect with Last-Event-ID replays exactly what was missed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.server.conftest import Office, fresh_database, load_test_office
from tests.server.processes import EventClient, ServerProcess


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def shared_db(
    backend: str, tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest
) -> str:
    pg = request.getfixturevalue("pg_url") if backend == "postgresql" else ""
    return fresh_database(backend, tmp_path, pg, sqlite_template)


@pytest.fixture
def two_servers(
    shared_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ServerProcess, ServerProcess, Office]]:
    """Two server processes on one database (SQLite allows it too: one writer at a time)."""
    monkeypatch.setenv("SWQ_KEEPALIVE_S", "0.5")
    office = load_test_office(shared_db)
    first = ServerProcess(shared_db, log_path=tmp_path / "first.log").start()
    second = ServerProcess(shared_db, log_path=tmp_path / "second.log").start()
    yield first, second, office
    first.stop()
    second.stop()


def post(server: ServerProcess, path: str, headers: dict[str, str], **body: object) -> dict:
    response = requests.post(f"{server.url}{path}", json=body or None, headers=headers, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_a_call_through_one_process_reaches_a_board_on_another(
    two_servers: tuple[ServerProcess, ServerProcess, Office],
) -> None:
    first, second, office = two_servers
    board = EventClient(f"{first.url}/api/v1/events")
    try:
        assert board.response.status == 200
        assert board.response.getheader("Content-Type").startswith("text/event-stream")
        ticket = post(second, "/api/v1/tickets", office.auth("kiosk"), service="A")
        called = post(second, "/api/v1/counters/1/next", office.auth("officer1"))
        events = board.wait_for(2)
        assert [e.event for e in events] == ["ticket.issued", "ticket.called"]
        data = events[1].json()
        assert (data["number"], data["counter"], data["service"], data["ticket_id"]) == (
            ticket["number"],
            "1",
            "A",
            called["id"],
        )
        assert int(events[0].id) < int(events[1].id)
        time.sleep(1.5)
        assert board.comments >= 1  # keep-alives flow while nothing happens
    finally:
        board.close()


def test_reconnect_replays_exactly_the_missed_events(
    two_servers: tuple[ServerProcess, ServerProcess, Office], shared_db: str, tmp_path: Path
) -> None:
    first, second, office = two_servers
    board = EventClient(f"{first.url}/api/v1/events")
    post(second, "/api/v1/tickets", office.auth("kiosk"), service="A")
    seen = board.wait_for(1)
    board.close()
    last = seen[-1].id
    assert last is not None
    # While the board is away, its server restarts and the office keeps working.
    first.stop()
    missed = [post(second, "/api/v1/tickets", office.auth("kiosk"), service="B") for _ in range(3)]
    post(second, "/api/v1/counters/2/next", office.auth("officer2"))
    restarted = ServerProcess(shared_db, log_path=tmp_path / "restarted.log").start()
    try:
        again = EventClient(f"{restarted.url}/api/v1/events", last_event_id=last)
        replayed = again.wait_for(4)
        assert [e.event for e in replayed] == ["ticket.issued"] * 3 + ["ticket.called"]
        assert [e.json()["number"] for e in replayed[:3]] == [t["number"] for t in missed]
        ids = [int(e.id) for e in replayed]
        assert ids == sorted(ids) and ids[0] > int(last)
        # Then live ones, with nothing replayed twice.
        post(restarted, "/api/v1/tickets/" + missed[0]["id"] + "/no-show", office.auth("officer2"))
        live = again.wait_for(5)
        assert [e.event for e in live[4:]] == ["ticket.no_show"]
        assert len({e.id for e in live}) == len(live)
        again.close()
    finally:
        restarted.stop()


def test_a_new_subscriber_starts_from_now(
    two_servers: tuple[ServerProcess, ServerProcess, Office],
) -> None:
    first, second, office = two_servers
    post(second, "/api/v1/tickets", office.auth("kiosk"), service="A")
    board = EventClient(f"{first.url}/api/v1/events")
    try:
        post(second, "/api/v1/tickets", office.auth("kiosk"), service="A")
        events = board.wait_for(1)
        assert [e.json()["number"] for e in events] == ["A002"]
        # ?last_event_id= does what the header does, for a browser's first connection.
        from_start = EventClient(f"{first.url}/api/v1/events?last_event_id=0")
        assert [e.json()["number"] for e in from_start.wait_for(2)] == ["A001", "A002"]
        from_start.close()
    finally:
        board.close()


def test_streams_past_the_share_are_refused_and_a_departed_board_frees_its_place(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWQ_KEEPALIVE_S", "0.3")
    load_test_office(sqlite_url)
    server = ServerProcess(sqlite_url, streams=2, log_path=tmp_path / "server.log").start()
    try:
        boards = [EventClient(f"{server.url}/api/v1/events") for _ in range(2)]
        refused = requests.get(f"{server.url}/api/v1/events", timeout=5)
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        assert refused.json()["error"]["code"] == "too_many_streams"
        # Requests still find threads while every stream place is taken.
        assert requests.get(f"{server.url}/api/v1/board", timeout=5).status_code == 200
        boards[0].close()
        deadline = time.monotonic() + 5
        while True:
            again = requests.get(f"{server.url}/api/v1/events", stream=True, timeout=5)
            if again.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert again.status_code == 200  # the keep-alive found the first board gone
        again.close()
        boards[1].close()
    finally:
        server.stop()
