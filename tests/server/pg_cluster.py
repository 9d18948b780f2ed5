"""A PostgreSQL cluster of one test's own, on a free port of 127.0.0.1, so that test may restart
it: the machine's shared PostgreSQL serves every other test (and every parallel worker) meanwhile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.server.conftest import new_pg_database
from tests.server.processes import free_port

PG_ROOT = Path("/usr/lib/postgresql")


def _server_bin() -> Path:
    versions = sorted(PG_ROOT.glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not versions:
        pytest.fail("no PostgreSQL server binaries under /usr/lib/postgresql: run scripts/test.sh")
    return versions[-1].parent


class PrivateCluster:
    """initdb, start, restart and stop; trust authentication for the user `postgres`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.bin = _server_bin()

    def _run(self, *command: str) -> None:
        # The server refuses to run as root: as root, run it as the `postgres` user.
        runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*runner, str(self.bin / command[0]), *command[1:]],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", self.log, "start")

    @property
    def log(self) -> str:
        return str(self.folder / "server.log")

    def restart(self) -> None:
        """A fast shutdown and start again, as an administrator's restart is."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-l", self.log, "restart")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def database_url(self, name: str = "swq") -> str:
        """A new database in this cluster with the current schema."""
        return new_pg_database(f"postgresql://postgres@127.0.0.1:{self.port}", name)


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    # Not under pytest's tmp_path: its folders are private to root, the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="swq-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = PrivateCluster(folder)
    try:
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
