"""A citizen at the real kiosk window of a 60-service office (three agencies): a service on page
3 of its agency, a priority group and an extra service, the ticket printed through a TCP byte
sink with the agency and the extra service on the paper; then "print again": the same number on
paper twice, one ticket in the database and the reprint in the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from queue_server.db.engine import make_engine
from tests.kiosk.catalogue import AGENCIES, catalogue, office_toml
from tests.kiosk.escpos_decode import decode
from tests.kiosk.links import TcpPrinter
from tests.kiosk.test_kiosk_window import rows
from tests.kiosk.test_ticket import SCREENSHOTS
from tests.kiosk.window import KioskProcess
from tests.server.conftest import Office, load_test_office
from tests.server.processes import ServerProcess

pytestmark = pytest.mark.faults


@pytest.fixture
def office(sqlite_url: str, tmp_path: Path) -> Office:
    path = tmp_path / "office60.toml"
    path.write_text(office_toml(60, 3))
    loaded = load_test_office(sqlite_url, path)
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        layout = {"services": [], "ask_priority": True, "ask_extra_services": True}
        conn.execute(sa.text("UPDATE offices SET kiosk = :k"), {"k": json.dumps(layout)})
    engine.dispose()
    return loaded


@pytest.fixture
def kiosk(
    sqlite_url: str, office: Office, servers: list[ServerProcess], tmp_path: Path
) -> Iterator[tuple[KioskProcess, TcpPrinter]]:
    server = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    servers.append(server)
    printer = TcpPrinter()
    # text mode (CP874) so that the paper's words can be read back from the bytes
    uri = printer.uri + "?mode=text&profile=TM-T88II"
    process = KioskProcess(server.url, office.tokens["kiosk"], uri, tmp_path)
    yield process, printer
    alive = process.alive
    process.close()
    printer.close()
    assert alive, f"the kiosk died:\n{process.log()}"
    assert "Traceback" not in process.log()


def test_a_service_on_page_3_printed_and_printed_again(
    kiosk: tuple[KioskProcess, TcpPrinter], sqlite_url: str
) -> None:
    window, printer = kiosk
    _, services = catalogue(60, 3)
    window.send("wait home")
    state = window.state()
    assert state["texts"]["title"] == "กรุณาเลือกหน่วยงาน"
    assert sorted(state["buttons"]) == ["ag0", "ag1", "ag2"]
    taps = 0

    def tap(command: str) -> None:
        nonlocal taps
        window.send(command)
        taps += 1

    tap("tap_tile ag1")
    assert window.state()["texts"]["page"] == "หน้า 1 จาก 4"
    tap("tap_widget home next")
    tap("tap_widget home next")
    state = window.state()
    assert state["texts"]["page"] == "หน้า 3 จาก 4"
    window.send(f"screenshot {SCREENSHOTS / 'kiosk-60-page3.png'}")
    code = sorted(state["buttons"])[1]
    chosen = next(s for s in services if s["code"] == code)
    assert chosen["agency"] == "ag1"
    tap(f"tap_service {code}")
    window.send("wait priority")
    tap("tap_choice elderly")
    window.send("wait extras")
    extra = next(s for s in services if s["agency"] == "ag1" and s["code"] != code and s["open"])
    tap(f"tap_choice {extra['code']}")
    tap("tap_widget extras done")
    window.send("wait result")
    window.send("wait_print")
    assert taps == 7
    state = window.state()
    assert state["print_state"] == "printed"
    number = state["texts"]["number"]
    assert state["texts"]["again"] == "พิมพ์บัตรคิวอีกครั้ง"
    window.send(f"screenshot {SCREENSHOTS / 'kiosk-60-result.png'}")

    (job,) = printer.wait_jobs(1)
    paper = bytes(decode(job).text)
    for words in (AGENCIES[1][0], chosen["name_th"], extra["name_th"], number):
        assert words.encode("cp874") in paper, words

    window.send("tap_widget result again")
    window.send("wait_print")
    first, second = printer.wait_jobs(2)
    assert decode(second).text == decode(first).text  # the same ticket, the same number
    assert rows(sqlite_url, "SELECT number, service, priority FROM tickets") == [
        (number, code, "elderly")
    ]
    assert rows(sqlite_url, "SELECT actor, action FROM audit_log WHERE action = 'reprint'") == [
        ("kiosk", "reprint")
    ]
