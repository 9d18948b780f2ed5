"""The real Kivy kiosk (offscreen SDL window, one process per test) against a real `swq server`
on a SQLite file and a printer port on 127.0.0.1: touches issue tickets, the printer gets them,
and faults of the server or the printer leave exactly one ticket and a working kiosk.

Screenshots go to build/screenshots/ for people to look at."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import ImageChops

from kiosk.ticket_escpos import logo_raster
from queue_server.db.engine import make_engine
from tests.kiosk.escpos_decode import decode
from tests.kiosk.links import TcpPrinter
from tests.kiosk.test_branding import brand
from tests.kiosk.test_ticket import SCREENSHOTS
from tests.kiosk.window import KioskProcess
from tests.server.conftest import Office, load_test_office
from tests.server.processes import ServerProcess

pytestmark = pytest.mark.faults

KioskFactory = Callable[[ServerProcess, Office, "str | None"], KioskProcess]


@pytest.fixture
def office(sqlite_url: str) -> Office:
    return load_test_office(sqlite_url)


@pytest.fixture
def server(
    sqlite_url: str, office: Office, servers: list[ServerProcess], tmp_path: Path
) -> ServerProcess:
    started = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    servers.append(started)
    return started


@pytest.fixture
def extras_asked(sqlite_url: str, office: Office) -> None:
    """The office's kiosk layout (set by an admin) asks for extra services too."""
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE offices SET kiosk = :layout"),
            {
                "layout": json.dumps(
                    {
                        "services": ["A", "B", "C", "D"],
                        "ask_priority": True,
                        "ask_extra_services": True,
                    }
                )
            },
        )
    engine.dispose()


@pytest.fixture
def branded(sqlite_url: str, office: Office) -> bytes:
    """The office's colours and logo, as an admin sets them; the stored logo."""
    return brand(sqlite_url, office.code)


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    listener = TcpPrinter()
    yield listener
    listener.close()


@pytest.fixture
def kiosk(
    server: ServerProcess, office: Office, printer: TcpPrinter, tmp_path: Path
) -> Iterator[KioskProcess]:
    process = KioskProcess(server.url, office.tokens["kiosk"], printer.uri, tmp_path)
    yield process
    alive = process.alive
    process.close()
    assert alive, f"the kiosk died:\n{process.log()}"
    assert "Traceback" not in process.log()


def rows(database_url: str, query: str) -> list[tuple[object, ...]]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        found = [tuple(row) for row in conn.execute(sa.text(query))]
    engine.dispose()
    return found


def printer_reported(database_url: str, status: str, timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if rows(database_url, "SELECT printer FROM devices") == [(status,)]:
            return True
        time.sleep(0.2)
    return False


def test_a_touch_issues_a_ticket_and_the_printer_gets_it(
    extras_asked: None,
    branded: bytes,
    kiosk: KioskProcess,
    printer: TcpPrinter,
    sqlite_url: str,
    server: ServerProcess,
) -> None:
    kiosk.send("wait home")
    kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_home_th.png'}")
    state = kiosk.state()
    assert state["texts"]["office"] == "ศูนย์บริการร่วม จังหวัดอุดรธานี"
    # The office's branding, through the API with the kiosk token: colour and logo.
    assert [round(c * 255) for c in state["primary"]] == [0, 51, 102, 255]
    assert state["logo"] == [600, 300]
    assert state["buttons"]["A"] == {
        "title": "ทะเบียนราษฎร์",
        "detail": state["buttons"]["A"]["detail"],
        "enabled": True,
    }
    assert state["buttons"]["A"]["detail"].startswith("รอ 0 คน")
    assert state["buttons"]["D"] == {"title": "คืนภาษี", "detail": "ปิดรับคิว", "enabled": False}

    kiosk.send("tap_widget home language")
    assert kiosk.state()["buttons"]["A"]["title"] == "Civil registration"
    kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_home_en.png'}")
    kiosk.send("tap_widget home language")

    kiosk.send("tap_service D")  # closed: nothing happens
    assert kiosk.state()["screen"] == "home"
    assert rows(sqlite_url, "SELECT count(*) FROM tickets") == [(0,)]

    kiosk.send("tap_service A")
    kiosk.send("wait priority")
    kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_priority.png'}")
    kiosk.send("tap_choice elderly")
    kiosk.send("wait extras")
    kiosk.send("tap_choice C")
    kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_extras.png'}")
    assert kiosk.state()["texts"]["question"] == "ต้องการติดต่อบริการอื่น\nในครั้งนี้ด้วยหรือไม่"
    kiosk.send("tap_widget extras done")
    kiosk.send("wait result")
    kiosk.send("wait_print")
    kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_result.png'}")
    state = kiosk.state()
    assert rows(sqlite_url, "SELECT number, service, priority FROM tickets") == [
        ("A001", "A", "elderly")
    ]
    ((transactions,),) = rows(sqlite_url, "SELECT transactions FROM tickets")
    assert [t["service"] for t in json.loads(str(transactions))] == ["A", "C"]
    assert state["texts"]["number"] == "A001"
    assert state["texts"]["service"] == "ทะเบียนราษฎร์"
    assert state["texts"]["ahead"] == "ผู้ที่รออยู่ก่อนท่าน 0 คน"
    assert (state["print_state"], state["texts"]["printing"]) == ("printed", "กรุณารับบัตรคิว")

    (job,) = printer.wait_jobs(1)
    decoded = decode(job)
    assert "init" in decoded.commands and decoded.commands[-1] == "cut"
    assert {r.width for r in decoded.rasters} == {576}
    logo = logo_raster(branded, 576)  # the logo first, as the printer got it
    assert logo is not None
    first = decoded.rasters[0].image().convert("L")
    top = logo.convert("L").crop((0, 0, 576, first.height))
    assert ImageChops.difference(first, top).getbbox() is None
    (qr,) = decoded.qr_data
    assert qr.decode().startswith(f"{server.url}/t/")
    decoded.save_raster(SCREENSHOTS / "kiosk_printed_ticket.png")

    kiosk.send("tap_result")
    kiosk.send("wait home")
    assert printer_reported(sqlite_url, "ok")


def test_server_down_then_up_gives_exactly_one_ticket(
    kiosk: KioskProcess,
    printer: TcpPrinter,
    sqlite_url: str,
    server: ServerProcess,
    servers: list[ServerProcess],
) -> None:
    kiosk.send("wait home")
    kiosk.send("tap_service B")
    kiosk.send("wait priority")
    server.stop()
    kiosk.send("tap_choice normal")
    kiosk.send("wait out_of_service")
    kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_out_of_service.png'}")
    texts = kiosk.state()["texts"]
    assert texts["headline"] == "ตู้บริการขัดข้องชั่วคราว"
    time.sleep(5)  # a few retries with the same key hit a closed port
    kiosk.send("tap_result")  # taps while out of service change nothing
    again = ServerProcess(sqlite_url, port=server.port).start()
    servers.append(again)
    kiosk.send("wait result 60")
    kiosk.send("wait_print")
    assert rows(sqlite_url, "SELECT number FROM tickets") == [("B001",)]
    assert len(printer.wait_jobs(1)) == 1
    assert kiosk.state()["texts"]["number"] == "B001"


def test_a_broken_printer_link_leaves_the_number_on_screen(
    kiosk: KioskProcess, printer: TcpPrinter, sqlite_url: str
) -> None:
    kiosk.send("wait home")
    printer.close()
    kiosk.send("tap_service A")
    kiosk.send("wait priority")
    kiosk.send("tap_choice normal")
    kiosk.send("wait result")
    kiosk.send("wait_print")
    kiosk.send(f"screenshot {SCREENSHOTS / 'kiosk_result_printer_failed.png'}")
    state = kiosk.state()
    assert state["print_state"] == "failed"
    assert state["texts"]["number"] == "A001"
    assert state["texts"]["printing"] == "เครื่องพิมพ์ขัดข้อง\nกรุณาจดหมายเลขของท่านไว้"
    assert printer_reported(sqlite_url, "offline")

    back = TcpPrinter(port=printer.port)
    try:
        kiosk.send("tap_result")
        kiosk.send("wait home")
        kiosk.send("tap_service A")
        kiosk.send("wait priority")
        kiosk.send("tap_choice normal")
        kiosk.send("wait result")
        kiosk.send("wait_print")
        assert kiosk.state()["print_state"] == "printed"
        assert decode(back.wait_jobs(1)[0]).cuts == 1
        assert printer_reported(sqlite_url, "ok")
    finally:
        back.close()
    assert rows(sqlite_url, "SELECT number FROM tickets ORDER BY number") == [("A001",), ("A002",)]
