"""Check-in of bookings at the real Kivy kiosk (offscreen window) against a real server: a code
typed on the keypad, a code from a barcode scanner (keys and Enter through the window's keyboard
events, on the home screen), a wrong code refused on screen; the tickets reach a real printer
port."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_server.db import bookings as store
from queue_server.db.engine import make_engine
from tests.kiosk.escpos_decode import decode
from tests.kiosk.links import TcpPrinter
from tests.kiosk.test_kiosk_window import rows
from tests.kiosk.test_ticket import SCREENSHOTS
from tests.kiosk.window import KioskProcess
from tests.server.booking_office import enable_booking
from tests.server.conftest import Office, load_test_office
from tests.server.processes import ServerProcess

BKK = ZoneInfo("Asia/Bangkok")


def _booking(database_url: str, start: datetime) -> str:
    """A booking of service A at `start`, today, as the booking page stores one."""
    engine = make_engine(database_url)
    with engine.begin() as conn:
        code, _token = store.add_booking(
            conn,
            office="udn",
            service="A",
            start=start,
            day=datetime.now(BKK).date(),
            now=datetime.now(UTC),
            name=None,
            phone=None,
        )
    engine.dispose()
    return code


@pytest.fixture
def office(sqlite_url: str) -> Office:
    loaded = load_test_office(sqlite_url)
    enable_booking(sqlite_url)
    return loaded


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    listener = TcpPrinter()
    yield listener
    listener.close()


@pytest.fixture
def kiosk(
    sqlite_url: str,
    office: Office,
    printer: TcpPrinter,
    servers: list[ServerProcess],
    tmp_path: Path,
) -> Iterator[KioskProcess]:
    server = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    servers.append(server)
    process = KioskProcess(server.url, office.tokens["kiosk"], printer.uri, tmp_path)
    yield process
    alive = process.alive
    process.close()
    assert alive, f"the kiosk died:\n{process.log()}"
    assert "Traceback" not in process.log()


def test_typed_and_scanned_codes_print_their_tickets(
    kiosk: KioskProcess, printer: TcpPrinter, sqlite_url: str
) -> None:
    now = datetime.now(BKK)
    early = _booking(sqlite_url, now + timedelta(minutes=1))
    late = _booking(sqlite_url, now - timedelta(minutes=30))  # past the 10 minutes' grace

    kiosk.send("wait home")
    assert kiosk.state()["texts"]["booking"] == "มีนัดหมาย"
    kiosk.send("tap_widget home booking")
    kiosk.send("wait check_in")
    for key in early[:4]:
        kiosk.send(f"tap_key {key}")
    assert kiosk.state()["texts"]["code"] == " ".join(early[:4] + "__")
    kiosk.send("tap_widget check_in go")  # four of six: said so, nothing sent
    assert kiosk.state()["texts"]["question"] == "รหัสการจองมี 6 ตัว"
    for key in early[4:]:
        kiosk.send(f"tap_key {key}")
    kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_check_in.png'}")
    kiosk.send("tap_widget check_in go")
    kiosk.send("wait result")
    kiosk.send("wait_print")
    state = kiosk.state()
    assert (state["texts"]["number"], state["print_state"]) == ("A001", "printed")
    assert state["texts"]["service"] == "ทะเบียนราษฎร์"
    kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_check_in_result.png'}")
    (job,) = printer.wait_jobs(1)
    printed = decode(job)
    assert printed.commands[-1] == "cut"
    assert (
        printed.qr_data[0]
        .decode()
        .split("/t/")[1]
        .startswith(
            rows(sqlite_url, "SELECT id FROM tickets")[0][0]  # type: ignore[arg-type]
        )
    )
    printed.save_raster(SCREENSHOTS / "kiosk_check_in_ticket.png")

    kiosk.send("tap_result")
    kiosk.send("wait home")
    kiosk.send(f"scan {late.lower()}")  # on the home screen, no touch at all
    kiosk.send("wait result")
    kiosk.send("wait_print")
    assert kiosk.state()["texts"]["number"] == "A002"
    assert len(printer.wait_jobs(2)) == 2
    assert rows(sqlite_url, "SELECT number, priority FROM tickets ORDER BY number") == [
        ("A001", "appointment"),
        ("A002", "normal"),
    ]

    kiosk.send("tap_result")
    kiosk.send("wait home")
    kiosk.send("scan ACDEFG" if "ACDEFG" not in (early, late) else "scan ACDEFH")
    kiosk.send("wait check_in")
    assert kiosk.state()["texts"]["question"].startswith("ไม่พบรหัสการจอง")
    kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_check_in_unknown.png'}")
    kiosk.send("tap_widget check_in back")
    kiosk.send("wait home")
    assert len(rows(sqlite_url, "SELECT id FROM tickets")) == 2
