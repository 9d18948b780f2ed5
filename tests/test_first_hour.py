"""A new operator's first hour: the README's "Queue server" commands, run as written, in order,
in an empty folder, work and say what they did; the server they start answers `/` with a page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.server.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def readme_commands() -> list[str]:
    """The first shell block under "## Queue server", one command a line, comments dropped."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Queue server\n") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def run(command: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_readme_commands_work_as_written_from_an_empty_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWQ_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    commands = readme_commands()
    assert [c.split()[1] for c in commands[:4]] == ["db", "office", "office", "token"]
    server_line = commands.pop()
    assert server_line == "swq server --port 8000"

    said: dict[str, subprocess.CompletedProcess[str]] = {}
    for command in commands:
        if command == "swq office load office.toml":
            # Before an office exists, a token or a dump says how to get one.
            for early in ("swq token create --role kiosk --name early", "swq office dump"):
                refused = run(early, tmp_path, env)
                assert refused.returncode == 1
                assert "no office yet" in refused.stderr
                assert "swq office load" in refused.stderr
                assert "swq office example" in refused.stderr
        said[command] = result = run(command, tmp_path, env)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr

    assert "created the database schema" in said["swq db upgrade"].stderr
    assert "created office udn" in said["swq office load office.toml"].stderr
    token = said["swq token create --role kiosk --name kiosk-1"].stdout
    assert re.fullmatch(r"swq_[A-Za-z0-9_-]{43}\n", token)
    assert "[office]" in (tmp_path / "office-now.toml").read_text(encoding="utf-8")
    again = run("swq office load office.toml", tmp_path, env)
    assert "office udn unchanged" in again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "office-now.toml",
        "office.toml",
        "swq.db",
    ]

    port = free_port()
    server = subprocess.Popen(
        ["bash", "-c", f"exec {server_line.replace('8000', str(port))}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = requests.get(f"{url}/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                # not listening yet, or its worker still booting on a busy machine
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.1)
        assert health.json() == {"status": "ok"}
        landing = requests.get(f"{url}/", timeout=10)
        assert landing.status_code == 200
        assert landing.headers["Content-Type"].startswith("text/html")
        for link in ('href="/board?office=udn"', 'href="/console"', 'href="/admin"'):
            assert link in landing.text
        assert "ติดตามบัตรคิว" in landing.text
        english = requests.get(f"{url}/?lang=en", timeout=10).text
        assert "Follow your ticket" in english
    finally:
        server.terminate()
        server.wait(timeout=20)
