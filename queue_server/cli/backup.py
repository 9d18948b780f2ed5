"""`swq db backup FILE` and `swq db restore FILE`: safe while the server runs."""

from __future__ import annotations

from pathlib import Path

import click

from queue_server.cli.server import DB_OPTION, _fail
from queue_server.db.backup import BackupFailed, backup, restore


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
def db_backup(path: Path, database_url: str) -> None:
    """Write a consistent copy of the database to FILE, while the server runs (SQLite: the
    online backup; PostgreSQL: pg_dump -Fc)."""
    try:
        click.echo(backup(database_url, path), err=True)
    except BackupFailed as exc:
        raise _fail(exc) from None


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB_OPTION
def db_restore(path: Path, database_url: str) -> None:
    """Restore FILE (made by `swq db backup`) into a new, empty database (--db); the server then
    runs on it and numbers on from where the backup was taken."""
    try:
        click.echo(restore(path, database_url), err=True)
    except BackupFailed as exc:
        raise _fail(exc) from None
