"""`swq db backup` while kiosks take tickets, `swq db restore` into a new database: every ticket
acknowledged before the backup started is in it, `swq check` is clean, and numbering goes on."""

from __future__ import annotations

import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner

from queue_server.cli import main
from queue_server.db.engine import make_engine
from tests.server.conftest import PG_SERVER, Office, load_test_office
from tests.server.processes import SWQ, ServerProcess

UNLIMITED = {"SWQ_KIOSK_RATE_LIMIT": "100000"}  # two kiosks here issue as fast as they can


@pytest.fixture
def new_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind to restore into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"swq_restored_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield f"{PG_SERVER}/{name}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def issue(url: str, office: Office, who: str = "kiosk") -> dict:
    response = requests.post(
        f"{url}/api/v1/tickets",
        json={"service": "A"},
        headers={**office.auth(who), "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def ticket_ids(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        ids = set(conn.execute(sa.text("SELECT id FROM tickets")).scalars())
    engine.dispose()
    return ids


def test_backup_under_load_restores_clean_and_numbering_goes_on(
    database_url: str, new_database: str, tmp_path: Path
) -> None:
    office = load_test_office(database_url)
    server = ServerProcess(database_url, log_path=tmp_path / "server.log", env=UNLIMITED).start()
    acknowledged: list[str] = []
    stop = threading.Event()

    def kiosk(who: str) -> None:
        while not stop.is_set():
            acknowledged.append(issue(server.url, office, who)["id"])

    kiosks = [threading.Thread(target=kiosk, args=(who,)) for who in ("kiosk", "kiosk2")]
    backup_file = tmp_path / "swq.backup"
    try:
        for thread in kiosks:
            thread.start()
        while len(acknowledged) < 10:
            stop.wait(0.05)
        before = set(acknowledged)
        done = subprocess.run(
            [*SWQ, "db", "backup", str(backup_file), "--db", database_url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "backed up" in done.stderr
    finally:
        stop.set()
        for thread in kiosks:
            thread.join()
        server.stop()

    runner = CliRunner()
    restored = runner.invoke(main, ["db", "restore", str(backup_file), "--db", new_database])
    assert restored.exit_code == 0, restored.output
    saved = ticket_ids(new_database)
    assert before <= saved <= set(acknowledged)
    check = runner.invoke(main, ["check", "--db", new_database])
    assert check.exit_code == 0, check.output

    # The same file again into a database that now holds data: refused, nothing touched.
    again = runner.invoke(main, ["db", "restore", str(backup_file), "--db", new_database])
    assert again.exit_code == 1 and "new, empty" in again.output
    assert ticket_ids(new_database) == saved

    server = ServerProcess(new_database, log_path=tmp_path / "restored.log", env=UNLIMITED).start()
    try:
        number = issue(server.url, office)["number"]
    finally:
        server.stop()
    assert number == f"A{len(saved) + 1:03d}"


def test_restore_says_what_is_wrong_with_the_file(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["db", "restore", str(junk), "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 1
    assert "not an swq backup" in result.output and "ไม่ใช่ไฟล์สำรองข้อมูล" in result.output
    assert not (tmp_path / "x.db").exists()
