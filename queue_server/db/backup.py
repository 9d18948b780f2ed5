"""Backups of a running server's database, and restoring one into a new database.

SQLite uses its online backup API (`sqlite3.Connection.backup`): it copies a consistent
snapshot page by page while the server keeps writing (WAL). PostgreSQL uses `pg_dump -Fc`, which
reads one snapshot in a REPEATABLE READ transaction, and `pg_restore`. A restore only ever goes
into a database with no swq tables, so it never overwrites anything; the restored schema is then
brought to the newest revision.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from core.errors import DomainError
from queue_server.db.engine import make_engine, normalise_url
from queue_server.db.migrate import upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
PG_BIN_DIRS = "/usr/lib/postgresql"


class BackupFailed(DomainError):
    """A backup or restore that could not be done, and why."""


def backup(database_url: str, path: Path) -> str:
    """Write a consistent copy of the database to `path` (replaced only once complete); what
    was done, in English."""
    url = make_url(normalise_url(database_url))
    partial = path.with_name(path.name + ".partial")
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_path(url, must_exist=True), partial)
        else:
            _run(_pg_tool("pg_dump"), ["-Fc", "--no-owner", "-f", str(partial)], url)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return f"backed up {url.render_as_string(hide_password=True)} to {path}"


def restore(path: Path, database_url: str) -> str:
    """Restore the backup at `path` into the empty database at `database_url`."""
    url = make_url(normalise_url(database_url))
    kind = _backup_kind(path)
    sqlite = url.get_backend_name() == "sqlite"
    if kind != ("sqlite" if sqlite else "postgresql"):
        raise BackupFailed(
            f"{path} is a {kind} backup: restore it into a {kind} database",
            f"{path} เป็นข้อมูลสำรองของ {kind}: กู้คืนได้เฉพาะฐานข้อมูล {kind}",
        )
    if sqlite:
        target = _sqlite_path(url, must_exist=False)
        if target.exists() and target.stat().st_size > 0:
            raise _not_empty(str(target))
        partial = target.with_name(target.name + ".partial")
        try:
            _sqlite_backup(path, partial)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    else:
        _refuse_if_not_empty(url)
        _run(_pg_tool("pg_restore"), ["--no-owner", "--exit-on-error", str(path)], url)
    engine = make_engine(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return f"restored {path} into {url.render_as_string(hide_password=True)}"


def _sqlite_path(url: URL, *, must_exist: bool) -> Path:
    if url.database in (None, "", ":memory:"):
        raise BackupFailed(
            "an in-memory database has nothing to back up or restore into",
            "ฐานข้อมูลในหน่วยความจำสำรองหรือกู้คืนไม่ได้",
        )
    path = Path(url.database)
    if must_exist and not path.exists():
        raise BackupFailed(f"no database file {path}", f"ไม่พบไฟล์ฐานข้อมูล {path}")
    return path


def _sqlite_backup(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=1024)  # a page run at a time lets the server's writers in between
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(
            f"SQLite backup failed: {exc}", f"สำรองข้อมูล SQLite ไม่สำเร็จ: {exc}"
        ) from None
    finally:
        dst.close()
        src.close()


def _backup_kind(path: Path) -> str:
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupFailed(
            f"cannot read {path}: {exc.strerror}", f"อ่านไฟล์ {path} ไม่ได้: {exc.strerror}"
        ) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupFailed(
        f"{path} is not an swq backup (neither a SQLite file nor a pg_dump -Fc archive)",
        f"{path} ไม่ใช่ไฟล์สำรองข้อมูลของ swq",
    )


def _not_empty(where: str) -> BackupFailed:
    return BackupFailed(
        f"{where} already holds a database: restore into a new, empty one",
        f"{where} มีข้อมูลอยู่แล้ว: กู้คืนลงฐานข้อมูลใหม่ที่ว่างเท่านั้น",
    )


def _refuse_if_not_empty(url: URL) -> None:
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
    except sa.exc.OperationalError as exc:
        raise BackupFailed(
            f"cannot reach the database: {exc.orig}", f"ติดต่อฐานข้อมูลไม่ได้: {exc.orig}"
        ) from None
    finally:
        engine.dispose()
    if tables:
        raise _not_empty(url.render_as_string(hide_password=True))


def _pg_tool(name: str) -> str:
    """The newest installed client: pg_dump refuses a server newer than itself."""
    candidates = sorted(
        Path(PG_BIN_DIRS).glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    found = str(candidates[-1]) if candidates else shutil.which(name)
    if found is None:
        raise BackupFailed(
            f"{name} is not installed: apt-get install postgresql-client",
            f"ไม่พบโปรแกรม {name}: ติดตั้งด้วย apt-get install postgresql-client",
        )
    return found


def _run(tool: str, args: list[str], url: URL) -> None:
    """Runs a PostgreSQL client on `url`; the password goes in the environment, not on the
    command line where `ps` shows it."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string()
    done = subprocess.run(
        [tool, *args, "-d", conninfo], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message"
        name = Path(tool).name
        raise BackupFailed(f"{name} failed: {detail}", f"{name} ทำงานไม่สำเร็จ: {detail}")
