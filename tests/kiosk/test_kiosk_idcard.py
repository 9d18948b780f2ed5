"""Check-in with a Thai ID card at the real Kivy kiosk (offscreen window) against a real server:
pcscd with vsmartcard's virtual reader, a virtual Thai ID card answering the public APDUs, the
ticket through a real printer port. The citizen ID is in the booking only as the server's keyed
digest, and in no log of the kiosk or the server."""

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
from tests.kiosk.virtual_idcard import Pcscd, VirtualThaiIdCard
from tests.kiosk.window import KioskProcess
from tests.server.booking_office import enable_booking
from tests.server.conftest import load_test_office
from tests.server.processes import ServerProcess

BKK = ZoneInfo("Asia/Bangkok")
SECRET = "idcard-test-secret"
CITIZEN = "1101700203450"
STRANGER = "3100600123450"  # a valid number with no booking


@pytest.fixture
def pcscd(tmp_path: Path) -> Iterator[Pcscd]:
    daemon = Pcscd(tmp_path)
    yield daemon
    daemon.close()


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    listener = TcpPrinter()
    yield listener
    listener.close()


def test_an_inserted_id_card_checks_in_and_prints(
    sqlite_url: str,
    servers: list[ServerProcess],
    pcscd: Pcscd,
    printer: TcpPrinter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    office = load_test_office(sqlite_url)
    enable_booking(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        store.add_booking(
            conn,
            office="udn",
            service="A",
            start=datetime.now(BKK) + timedelta(minutes=5),  # early: an appointment ticket
            day=datetime.now(BKK).date(),
            now=datetime.now(UTC),
            name=None,
            phone=None,
            citizen_hash=store.citizen_digest(SECRET, CITIZEN),
        )
    engine.dispose()
    server_log = tmp_path / "server.log"
    server = ServerProcess(sqlite_url, log_path=server_log, env={"SWQ_SECRET_KEY": SECRET})
    servers.append(server.start())
    for name, value in pcscd.env.items():
        monkeypatch.setenv(name, value)  # the kiosk process's PC/SC client finds this pcscd
    kiosk = KioskProcess(server.url, office.tokens["kiosk"], printer.uri, tmp_path)
    try:
        kiosk.send("wait home")
        assert "ID card check-in on: reader Virtual PCD" in kiosk.log()

        card = VirtualThaiIdCard(CITIZEN)
        card.insert(pcscd.card_port)
        kiosk.send("wait result")
        kiosk.send("wait_print")
        state = kiosk.state()
        assert (state["texts"]["number"], state["print_state"]) == ("A001", "printed")
        kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_id_card_result.png'}")
        (job,) = printer.wait_jobs(1)
        printed = decode(job)
        assert printed.commands[-1] == "cut"
        ticket_id = rows(sqlite_url, "SELECT id FROM tickets")[0][0]
        assert printed.qr_data[0].decode().split("/t/")[1].startswith(str(ticket_id))
        # Only the ID was asked for: SELECT, READ of the citizen ID, and their GET RESPONSEs.
        assert [apdu[:2].hex() for apdu in card.apdus] == ["00a4", "00c0", "80b0", "00c0"]
        card.remove()
        assert rows(sqlite_url, "SELECT number, priority FROM tickets") == [("A001", "appointment")]

        kiosk.send("tap_result")
        kiosk.send("wait home")
        stranger = VirtualThaiIdCard(STRANGER)  # no booking today: said on the check-in screen
        stranger.insert(pcscd.card_port)
        kiosk.send("wait check_in")
        assert kiosk.state()["texts"]["question"].startswith("ไม่พบการจองของวันนี้")
        kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_id_card_unknown.png'}")
        stranger.remove()
        assert len(rows(sqlite_url, "SELECT id FROM tickets")) == 1
    finally:
        alive = kiosk.alive
        kiosk.close()
    assert alive, kiosk.log()
    kiosk_log = (tmp_path / "kiosk.log").read_text(errors="replace")
    assert "Traceback" not in kiosk_log
    for number in (CITIZEN, STRANGER):
        assert number not in kiosk_log and number not in server_log.read_text(errors="replace")
