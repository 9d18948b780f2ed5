"""`swq demo --headless`: the demo office comes up, moves on its own with --simulate, lets the
printed accounts in, and Ctrl-C stops every process it started and leaves only its database."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from tests.server.people import sign_in_over_http
from tests.server.processes import SWQ, free_port


def start_demo(tmp_path: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    """Its stderr (the server's log too) goes to a file: a pipe nobody reads would fill up."""
    with open(tmp_path / "demo.log", "a") as log:
        return subprocess.Popen(
            [
                *SWQ,
                "demo",
                "--headless",
                "--port",
                str(port),
                "--db",
                f"sqlite:///{tmp_path}/d.db",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def read_banner(demo: subprocess.Popen[str]) -> str:
    assert demo.stdout is not None
    lines: list[str] = []
    for line in demo.stdout:
        lines.append(line)
        if "Ctrl-C" in line:
            return "".join(lines)
    raise AssertionError("demo exited before printing its banner: " + "".join(lines))


def stop(demo: subprocess.Popen[str], port: int) -> None:
    demo.send_signal(signal.SIGINT)
    demo.communicate(timeout=30)
    assert demo.returncode == 0
    with socket.socket() as sock:  # the server it started is gone too
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_demo_runs_an_office_that_moves_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    demo = start_demo(tmp_path, port, "--simulate")
    try:
        banner = read_banner(demo)
        url = f"http://127.0.0.1:{port}"
        assert f"{url}/board" in banner and f"{url}/login" in banner
        kiosk_token = re.search(r"kiosk token:\s+(\S+)", banner)
        assert kiosk_token is not None
        services = requests.get(f"{url}/api/v1/services", timeout=10).json()
        assert len(services) == 6
        assert {s["agency"] for s in services} == {"dopa", "muni", "msdhs"}
        deadline = time.monotonic() + 60
        calls: list[dict] = []
        while not calls and time.monotonic() < deadline:
            calls = requests.get(f"{url}/api/v1/board", timeout=10).json()["calls"]
            time.sleep(0.5)
        assert calls, "the simulated officers called nobody in 60 s"
        # The printed kiosk token issues; the printed officer account signs in.
        ticket = requests.post(
            f"{url}/api/v1/tickets",
            json={"service": "A"},
            headers={"Authorization": f"Bearer {kiosk_token.group(1)}"},
            timeout=10,
        )
        assert ticket.status_code == 201
        _, console = sign_in_over_http(url, "officer1", "demo1")
        assert "ช่องบริการ 1" in console
    finally:
        stop(demo, port)
    # SQLite's write-ahead log is folded back in: only the database file stays behind.
    assert sorted(path.name for path in tmp_path.glob("d.db*")) == ["d.db"]


def test_demo_reuses_its_database_and_refuses_a_busy_port(tmp_path: Path) -> None:
    port = free_port()
    first = start_demo(tmp_path, port)
    try:
        banner = read_banner(first)
        old_token = re.search(r"kiosk token:\s+(\S+)", banner)
        assert old_token is not None
        busy = subprocess.run(
            [*SWQ, "demo", "--headless", "--port", str(port), "--db", f"sqlite:///{tmp_path}/x.db"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert busy.returncode == 1
        assert f"port {port} is in use" in busy.stderr
        assert "Traceback" not in busy.stderr
    finally:
        stop(first, port)
    second = start_demo(tmp_path, port)
    try:
        read_banner(second)
        url = f"http://127.0.0.1:{port}"
        stale = requests.post(
            f"{url}/api/v1/tickets",
            json={"service": "A"},
            headers={"Authorization": f"Bearer {old_token.group(1)}"},
            timeout=10,
        )
        assert stale.status_code == 401  # last run's tokens were revoked, new ones printed
    finally:
        stop(second, port)
