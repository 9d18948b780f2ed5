"""`swq demo` with windows: the kiosk and the board open (offscreen here), report to the server,
and Ctrl-C closes them with the server."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from queue_server.db.engine import make_engine
from tests.server.processes import SWQ, free_port


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                    found.append(int(entry.name))
            except OSError:
                continue  # ended while we looked
    return found


def devices_seen(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT t.name FROM devices d JOIN tokens t ON t.id = d.token_id")
            )
            return {name for (name,) in rows}
    except sa.exc.OperationalError:
        return set()  # not created yet
    finally:
        engine.dispose()


@pytest.mark.faults
def test_demo_opens_the_kiosk_and_board_windows_and_closes_them(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{tmp_path}/demo.db"
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "offscreen",
        "SDL_AUDIODRIVER": "dummy",
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(tmp_path / "kivy"),
    }
    with open(tmp_path / "demo.log", "w") as log:
        demo = subprocess.Popen(
            [*SWQ, "demo", "--port", str(port), "--db", database_url],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=env,
        )
    try:
        deadline = time.monotonic() + 90
        while devices_seen(database_url) != {"demo-kiosk", "demo-display"}:
            assert demo.poll() is None, (tmp_path / "demo.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (
                devices_seen(database_url),
                (tmp_path / "demo.log").read_text()[-3000:],
            )
            time.sleep(0.5)
        assert len(processes_mentioning(f"--server {url}")) == 2  # the kiosk and the board
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
    assert demo.returncode == 0
    assert processes_mentioning(f"--server {url}") == []
    assert processes_mentioning(f"--port {port}") == []
    log = (tmp_path / "demo.log").read_text()
    assert "Traceback" not in log
