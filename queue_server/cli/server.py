"""`swq server`, `swq db`, `swq office`, `swq token`: running and administering the server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.errors import DomainError
from queue_server.auth import Role, create_token
from queue_server.db.engine import make_engine, normalise_url
from queue_server.db.migrate import is_current, upgrade

DB_OPTION = click.option(
    "--db",
    "database_url",
    envvar="SWQ_DATABASE_URL",
    default="sqlite:///swq.db",
    show_default=True,
    help="Database URL (also SWQ_DATABASE_URL).",
)


def _fail(exc: DomainError) -> click.ClickException:
    return click.ClickException(f"{exc.message_th}\n{exc.message_en}")


UNREACHABLE = "ติดต่อฐานข้อมูลไม่ได้ / cannot reach the database: {}"


@contextmanager
def _database(database_url: str) -> Iterator[sa.Engine]:
    """An engine on a database whose schema is current, disposed of afterwards."""
    url = make_url(normalise_url(database_url))
    # Connecting would create a missing SQLite file (a typo in --db), then call it unmigrated.
    if (
        url.get_backend_name() == "sqlite"
        and url.database not in (None, "", ":memory:")
        and not Path(url.database).exists()
    ):
        raise click.ClickException(
            f"ไม่พบไฟล์ฐานข้อมูล {url.database} (สร้างด้วย swq db upgrade) / "
            f"no database file {url.database} (create it with `swq db upgrade`)"
        )
    engine = make_engine(database_url)
    try:
        try:
            current = is_current(engine)
        except sa.exc.OperationalError as exc:
            raise click.ClickException(UNREACHABLE.format(exc.orig)) from None
        if not current:
            raise click.ClickException(
                "ฐานข้อมูลยังไม่เป็นรุ่นล่าสุด ใช้คำสั่ง swq db upgrade / "
                "the database schema is not current: run `swq db upgrade`"
            )
        yield engine
    finally:
        engine.dispose()


def _upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
    except sa.exc.OperationalError as exc:
        raise click.ClickException(UNREACHABLE.format(exc.orig)) from None
    finally:
        engine.dispose()


def _warn_if_connections_short(url: str, workers: int) -> None:
    """Say so before starting when the workers' pools could exhaust PostgreSQL's connections."""
    from queue_server.settings import current_settings

    settings = current_settings()
    per_worker = int(settings["DB_POOL_SIZE"]) + int(settings["DB_MAX_OVERFLOW"])
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            limit = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
    finally:
        engine.dispose()
    wanted = workers * (per_worker + 2)
    if wanted > limit:
        click.echo(
            f"คำเตือน: {workers} กระบวนการอาจใช้การเชื่อมต่อฐานข้อมูลถึง {wanted} แต่ PostgreSQL "
            f"รับได้ {limit} / warning: {workers} workers may open {wanted} database connections, "
            f"PostgreSQL allows {limit}: lower SWQ_DB_POOL_SIZE/SWQ_DB_MAX_OVERFLOW or --workers",
            err=True,
        )


@click.command("server")
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes; more than 1 needs PostgreSQL.",
)
@click.option(
    "--streams",
    default=256,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Open event streams (boards, phones) each process holds at most.",
)
@click.option("--access-log/--no-access-log", default=False)
def server_command(
    database_url: str, host: str, port: int, workers: int, streams: int, access_log: bool
) -> None:
    """Run the queue server (gunicorn, threaded workers). Migrates the schema first."""
    from queue_server.server import serve

    url = normalise_url(database_url)
    if workers > 1 and make_url(url).get_backend_name() == "sqlite":
        raise click.ClickException(
            "--workers มากกว่า 1 ต้องใช้ PostgreSQL / --workers > 1 needs PostgreSQL "
            "(SQLite allows one writing process)"
        )
    _upgrade(url)
    if workers > 1:
        _warn_if_connections_short(url, workers)
    click.echo(f"swq server: http://{host}:{port}/ ({workers} x {streams} streams)", err=True)
    serve(
        database_url=url,
        host=host,
        port=port,
        workers=workers,
        streams=streams,
        access_log=access_log,
    )


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@DB_OPTION
def db_upgrade(database_url: str) -> None:
    """Create or migrate the schema to the newest revision."""
    _upgrade(database_url)
    click.echo("ฐานข้อมูลเป็นรุ่นล่าสุดแล้ว / database schema is up to date", err=True)


@click.group("office")
def office_group() -> None:
    """Offices: load from or dump to a TOML file."""


@office_group.command("load")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
def office_load(path: Path, database_url: str) -> None:
    """Create or update an office from FILE.toml (the same file twice changes nothing)."""
    from core.office_file import load_office
    from queue_server.offices import store_office

    try:
        office = load_office(path)
        with _database(database_url) as engine, engine.begin() as conn:
            changed = store_office(conn, office)
    except DomainError as exc:
        raise _fail(exc) from None
    code = office.config.office.code
    click.echo(
        f"office {code}: {'updated' if changed else 'unchanged'} / "
        f"สำนักงาน {code}: {'ปรับปรุงแล้ว' if changed else 'ไม่มีการเปลี่ยนแปลง'}",
        err=True,
    )


@office_group.command("dump")
@click.option("--office", "code", help="Office code (default: the only office).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File (default: stdout).",
)
@DB_OPTION
def office_dump(code: str | None, output: Path | None, database_url: str) -> None:
    """Write an office as TOML (officers with password hashes, never passwords)."""
    from core.office_file import dumps_office
    from queue_server.offices import read_office, resolve_office

    try:
        with _database(database_url) as engine, engine.connect() as conn:
            text = dumps_office(read_office(conn, resolve_office(conn, code)))
    except DomainError as exc:
        raise _fail(exc) from None
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@click.group("token")
def token_group() -> None:
    """Bearer tokens for kiosks, displays, officers and admins."""


@token_group.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", required=True, help="Who or what holds it, e.g. kiosk-hall-1.")
@click.option("--counter", help="The counter an officer token acts on (officer: required).")
@click.option("--office", "code", help="Office code (default: the only office).")
@DB_OPTION
def token_create(
    role: str, name: str, counter: str | None, code: str | None, database_url: str
) -> None:
    """Print one new bearer token on stdout, nothing else."""
    from queue_server.offices import resolve_office

    try:
        with _database(database_url) as engine, engine.begin() as conn:
            token = create_token(
                conn,
                office=resolve_office(conn, code),
                role=Role(role),
                name=name,
                counter=counter,
                now=datetime.now(UTC),
            )
    except DomainError as exc:
        raise _fail(exc) from None
    click.echo(token)


@click.command("check")
@DB_OPTION
def check_command(database_url: str) -> None:
    """Verify the stored invariants: unique numbers, no double calls, events consistent with
    ticket states. Exit 0 when clean, 1 with one line per problem otherwise."""
    from queue_server.db.check import check

    sqlite = make_url(normalise_url(database_url)).get_backend_name() == "sqlite"
    with _database(database_url) as engine:
        # One snapshot: a server writing while we read must not show up as problems.
        options = {} if sqlite else {"isolation_level": "REPEATABLE READ"}
        try:
            with engine.connect().execution_options(**options) as conn, conn.begin():
                report = check(conn)
        except sa.exc.OperationalError as exc:
            raise click.ClickException(UNREACHABLE.format(exc.orig)) from None
    for problem in report.problems:
        click.echo(problem.line())
    click.echo(report.summary())
    if not report.clean:
        sys.exit(1)
