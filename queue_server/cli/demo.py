"""`swq demo`: the demo office in a SQLite file, the server, a kiosk and a board window, and
(with --simulate) citizens and officers played by the computer. Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import FrameType

import click
import sqlalchemy as sa

from core.errors import DomainError
from core.office_file import OfficeFile, loads_office
from queue_server.auth import Role, create_token
from queue_server.db import schema as t
from queue_server.db.engine import make_engine, normalise_url
from queue_server.db.migrate import upgrade
from queue_server.demo.simulated_day import SimulatedDay
from queue_server.offices import store_office

SWQ = [sys.executable, "-m", "queue_server.cli"]
NOTICE_TH = "กรุณาเตรียมบัตรประจำตัวประชาชนให้พร้อมก่อนถึงช่องบริการ"
NOTICE_EN = "Please have your ID card ready before you reach the counter"
TOKEN_PREFIX = "demo-"
STOP_GRACE_S = 10.0


def demo_office_text() -> str:
    return (resources.files("queue_server.demo") / "office.toml").read_text(encoding="utf-8")


def prepare(database_url: str, spec: OfficeFile) -> dict[str, str]:
    """Schema, the demo office, and fresh device tokens (the last run's are revoked: only their
    hashes were kept, so they cannot be shown again)."""
    code = spec.config.office.code
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        now = datetime.now(UTC)
        with engine.begin() as conn:
            store_office(conn, spec)
            conn.execute(  # the boards' scrolling line, until an admin writes their own
                sa.update(t.offices)
                .where(t.offices.c.code == code, t.offices.c.notice_th == "")
                .values(notice_th=NOTICE_TH, notice_en=NOTICE_EN)
            )
            conn.execute(
                sa.update(t.tokens)
                .where(
                    t.tokens.c.office == code,
                    t.tokens.c.name.startswith(TOKEN_PREFIX),
                    t.tokens.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
            tokens = {
                "kiosk": create_token(
                    conn, office=code, role=Role.KIOSK, name="demo-kiosk", now=now
                ),
                "display": create_token(
                    conn, office=code, role=Role.DISPLAY, name="demo-display", now=now
                ),
            }
            for counter in spec.counters:
                tokens[f"officer{counter.code}"] = create_token(
                    conn,
                    office=code,
                    role=Role.OFFICER,
                    name=f"demo-officer-{counter.code}",
                    counter=counter.code,
                    now=now,
                )
    finally:
        engine.dispose()
    return tokens


def _can_open_windows() -> bool:
    """A desktop session, or an SDL driver chosen on purpose (offscreen in tests)."""
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"))


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the server will: a port left in TIME_WAIT by the last run is free to take.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise click.ClickException(
                f"เซิร์ฟเวอร์หยุดทำงาน (exit {server.returncode}) / the server exited; "
                "is the port in use? try --port"
            )
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise click.ClickException(f"the server did not answer at {url} within {timeout_s:.0f} s")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _announce(url: str, tokens: dict[str, str], printer: str, headless: bool) -> None:
    lines = [
        "",
        "swq demo: ศูนย์บริการร่วม ศาลากลางจังหวัดขอนแก่น (demo office)",
        f"  ป้ายแสดงผล / board:           {url}/board",
        f"  เจ้าหน้าที่ / officer console: {url}/login   officer1..officer6, password demo1..demo6",
        f"  ผู้ดูแล / admin:               {url}/admin   admin / demo-admin",
        f"  API:                          {url}/api/v1/openapi.json",
        f"  kiosk token:   {tokens['kiosk']}",
        f"  display token: {tokens['display']}",
    ]
    if not headless:
        lines.append(f"  บัตรคิวที่พิมพ์ / printed tickets: {printer}")
    lines += ["  กด Ctrl-C เพื่อหยุด / press Ctrl-C to stop", ""]
    click.echo("\n".join(lines))


@click.command("demo")
@click.option(
    "--db",
    "database_url",
    default="sqlite:///swq-demo.db",
    show_default=True,
    help="Database URL (created or reused).",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--headless", is_flag=True, help="No kiosk or display window: server and web pages.")
@click.option("--simulate", is_flag=True, help="Citizens and officers played by the computer.")
@click.option(
    "--printer",
    default=None,
    help="The kiosk's printer URI (default: ticket files in ./swq-demo-tickets/).",
)
def demo_command(
    database_url: str, port: int, headless: bool, simulate: bool, printer: str | None
) -> None:
    """The whole office on this machine: server, kiosk window, board window."""
    url = f"http://127.0.0.1:{port}"
    if not headless and not _can_open_windows():
        click.echo(
            "swq demo: ไม่มีหน้าจอ (DISPLAY) จึงเปิดเฉพาะเว็บ / no display here: running "
            "--headless (the board and console are in the browser)",
            err=True,
        )
        headless = True
    if not _port_free(port):
        raise click.ClickException(
            f"พอร์ต {port} ถูกใช้งานอยู่ / port {port} is in use: try --port {port + 1}"
        )
    printer = printer or f"file:{Path.cwd() / 'swq-demo-tickets'}/"
    try:
        spec = loads_office(demo_office_text(), "demo office")
        tokens = prepare(normalise_url(database_url), spec)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message_th}\n{exc.message_en}") from None
    except sa.exc.SQLAlchemyError as exc:
        raise click.ClickException(f"database {database_url}: {exc.__class__.__name__}") from None

    def interrupted(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    processes: list[subprocess.Popen[bytes]] = []
    day: SimulatedDay | None = None
    try:
        server = subprocess.Popen(
            [*SWQ, "server", "--db", database_url, "--port", str(port)],
            start_new_session=True,
        )
        processes.append(server)
        wait_until_up(url, server)
        if not headless:
            processes.append(
                subprocess.Popen(
                    [*SWQ, "display", "--server", url, "--token", tokens["display"]],
                    start_new_session=True,
                )
            )
            processes.append(
                subprocess.Popen(
                    [
                        *SWQ,
                        "kiosk",
                        "--server",
                        url,
                        "--token",
                        tokens["kiosk"],
                        "--printer",
                        printer,
                    ],
                    start_new_session=True,
                )
            )
        if simulate:
            day = SimulatedDay(
                server=url,
                kiosk_token=tokens["kiosk"],
                officer_tokens={
                    k.code: tokens[f"officer{k.code}"] for k in spec.counters if k.code != "1"
                },
                services=[s for s, svc in spec.config.services.items() if svc.open],
            )
            day.start()
        _announce(url, tokens, printer, headless)
        while server.poll() is None:
            time.sleep(0.5)
        raise click.ClickException(f"the server stopped (exit {server.returncode})")
    except KeyboardInterrupt:
        click.echo("swq demo: กำลังหยุด / stopping", err=True)
    finally:
        # A second Ctrl-C while the windows close must not leave them running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if day is not None:
            day.stop.set()
        _stop(processes)
