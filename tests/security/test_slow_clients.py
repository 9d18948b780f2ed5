"""Finding 1: connections that never finish their request head must not take the server's
threads: kiosks and officers are served while 300 of them stay open."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
import requests

from tests.security.conftest import Target

SLOW_CLIENTS = 300


@pytest.fixture
def slow_clients(target: Target) -> Iterator[list[socket.socket]]:
    """Half send a head's first lines and stop, half connect and send nothing at all."""
    sockets = []
    try:
        for n in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", target.server.port), timeout=5)
            if n % 2 == 0:
                sock.sendall(b"POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()


def test_kiosks_and_officers_are_served_while_300_clients_stall(
    target: Target, slow_clients: list[socket.socket]
) -> None:
    for _ in range(3):
        issued = requests.post(
            f"{target.url}/api/v1/tickets",
            json={"service": "A"},
            headers=target.office.auth("kiosk2"),
            timeout=5,
        )
        assert issued.status_code == 201, issued.text
    desk = requests.get(
        f"{target.url}/api/v1/counters/3", headers=target.office.auth("officer3"), timeout=5
    )
    assert desk.status_code == 200
