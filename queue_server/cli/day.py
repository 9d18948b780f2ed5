"""`swq day close`: end what earlier days left open (the work is `queue_server.days.close`)."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import click

from core.errors import DomainError
from queue_server.cli.server import DB_OPTION, _database, _fail
from queue_server.days.close import close_day, days_left_open, erase_expired_bookings
from queue_server.db.database import Database


@click.group("day")
def day_group() -> None:
    """The office day: close it (history is kept)."""


@day_group.command("close")
@click.option("--office", "code", help="Office code (default: the only office).")
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The local day to close (default: every earlier day with open tickets).",
)
@DB_OPTION
def day_close_command(code: str | None, day: datetime | None, database_url: str) -> None:
    """End the tickets a day left open (waiting/called: cancelled, serving: done) and record it.

    Nothing is deleted but the names and phone numbers of bookings past the office's retention
    period; numbering restarts by itself each local day."""
    from queue_server.offices import resolve_office

    now = datetime.now(UTC)
    try:
        with _database(database_url) as engine:
            with engine.connect() as conn:
                office = resolve_office(conn, code)
            db = Database(database_url)
            try:
                days = [day.date()] if day else days_left_open(db, office, now)
                results = [close_day(db, office, d, now, f"cli:{getpass.getuser()}") for d in days]
                erased = erase_expired_bookings(db, office, now)
            finally:
                db.dispose()
    except DomainError as exc:
        raise _fail(exc) from None
    if not results:
        click.echo("ไม่มีวันที่ค้างปิด / no earlier day has open tickets")
    for result in results:
        click.echo(result.line())
    if erased:
        click.echo(
            f"ลบข้อมูลส่วนบุคคลของการจองที่เกินระยะเก็บ {erased} รายการ / "
            f"erased the personal data of {erased} bookings past retention"
        )
