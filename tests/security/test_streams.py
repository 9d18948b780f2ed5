"""Findings 4 and 13: one client cannot take every event stream of the server (a board with a
display token always gets one), and anonymous readers learn only what a board shows."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from tests.security.conftest import STREAMS, Target, new_address
from tests.server.processes import EventClient

STREAMS_PER_ADDRESS = 8  # the setting's default


def _open(target: Target, address: str, token: str | None = None) -> tuple[socket.socket, int]:
    sock = socket.create_connection(
        ("127.0.0.1", target.server.port), timeout=10, source_address=(address, 0)
    )
    auth = f"Authorization: Bearer {token}\r\n".encode() if token else b""
    sock.sendall(
        b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        + auth
        + b"\r\n"
    )
    status = int(sock.recv(12)[9:12])
    return sock, status


@pytest.fixture
def grabbed(target: Target) -> Iterator[list[socket.socket]]:
    sockets: list[socket.socket] = []
    yield sockets
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.close()


def test_stream_grabbers_leave_boards_and_other_citizens_a_stream(
    target: Target, grabbed: list[socket.socket]
) -> None:
    workers = target.server.workers
    grabber = new_address()
    statuses = []
    for _ in range(3 * STREAMS * workers):
        sock, status = _open(target, grabber)
        grabbed.append(sock)
        statuses.append(status)
    assert statuses.count(200) <= STREAMS_PER_ADDRESS * workers
    assert statuses.count(503) >= len(statuses) - STREAMS_PER_ADDRESS * workers
    for _ in range(3):  # more grabbers, each within its own address's share
        helper = new_address()
        for _ in range(STREAMS * workers):
            sock, _status = _open(target, helper)
            grabbed.append(sock)
    for _ in range(2 * workers):  # whichever worker it lands on, the board gets a stream
        sock, status = _open(target, new_address(), target.office.tokens["display"])
        grabbed.append(sock)
        assert status == 200


def _stream(target: Target, headers: dict[str, str] | None = None) -> EventClient:
    """A stream, once the places of streams closed earlier are back (the server notices a
    client has left at its next keep-alive, 1 s here)."""
    deadline = time.monotonic() + 15
    while True:
        stream = EventClient(f"{target.url}/api/v1/events", headers=headers)
        if stream.response.status != 503 or time.monotonic() > deadline:
            return stream
        stream.close()
        time.sleep(0.5)


def test_anonymous_readers_see_no_priority_class(target: Target) -> None:
    office = target.office
    public = _stream(target)
    board = _stream(target, office.auth("display"))
    try:
        assert public.response.status == 200 and board.response.status == 200
        issued = requests.post(
            f"{target.url}/api/v1/tickets",
            json={"service": "B", "priority": "pregnant"},
            headers=office.auth("kiosk2"),
            timeout=10,
        )
        assert issued.status_code == 201, issued.text
        number = issued.json()["number"]  # ticket.issued carries it with its class
        seen = [e for e in public.wait_for(1, 10) if number in e.data]
        full = [e for e in board.wait_for(1, 10) if number in e.data]
        assert seen and full
        for event in seen:
            data = json.loads(event.data)
            assert "priority" not in data and "pregnant" not in event.data
            assert {"ticket_id", "number", "service"} <= data.keys()
        assert all(json.loads(e.data)["priority"] == "pregnant" for e in full)
    finally:
        public.close()
        board.close()
    doc = requests.get(f"{target.url}/api/v1/board", timeout=10).text
    assert "pregnant" not in doc and "priority" not in doc
