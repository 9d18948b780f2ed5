"""Tickets through real links: a TCP printer port on 127.0.0.1 and a serial line (socat pty
pair read with pyserial). The bytes that arrive decode as ESC/POS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.cli import sample_ticket
from kiosk.printer import PrinterStatus, TicketPrinter
from kiosk.printer_uri import PrintMode, parse_printer_uri
from kiosk.texts import Lang
from tests.kiosk.escpos_decode import decode
from tests.kiosk.fakes import BANGKOK
from tests.kiosk.links import PAPER_QUERY, PtyPrinter, TcpPrinter
from tests.kiosk.test_ticket import SCREENSHOTS

TICKET = sample_ticket(datetime(2026, 11, 26, 13, 45, tzinfo=BANGKOK))
CUT = b"\x1dV\x00"  # GS V 0, full cut: the last command of a ticket


@pytest.fixture
def tcp_printer() -> Iterator[TcpPrinter]:
    printer = TcpPrinter()
    yield printer
    printer.close()


@pytest.fixture
def pty_printer(tmp_path: Path) -> Iterator[PtyPrinter]:
    printer = PtyPrinter(tmp_path)
    yield printer
    printer.close()


def test_network_printer_gets_an_image_ticket(tcp_printer: TcpPrinter) -> None:
    result = TicketPrinter(parse_printer_uri(tcp_printer.uri)).print_ticket(TICKET, Lang.TH)
    assert (result.status, result.mode) == (PrinterStatus.OK, PrintMode.IMAGE)
    (job,) = tcp_printer.wait_jobs(1)
    assert job.startswith(PAPER_QUERY)  # asked for the paper first; no answer, printed anyway
    assert len(job) == len(PAPER_QUERY) + result.sent
    decoded = decode(job)
    assert decoded.commands[:3] == ["status", "init", "align"]
    assert "raster" in decoded.commands
    assert {r.width for r in decoded.rasters} == {576}
    assert decoded.qr_data == [TICKET.status_url.encode()]
    assert decoded.commands[-1] == "cut"
    assert decoded.save_raster(SCREENSHOTS / "tcp_image_ticket.png").exists()


def test_network_printer_gets_a_cp874_text_ticket(tcp_printer: TcpPrinter) -> None:
    uri = f"{tcp_printer.uri}?mode=text&profile=TM-T88II"
    result = TicketPrinter(parse_printer_uri(uri)).print_ticket(TICKET, Lang.TH)
    assert result.mode is PrintMode.TEXT
    decoded = decode(tcp_printer.wait_jobs(1)[0])
    assert decoded.code_pages == [21]
    assert decoded.rasters == []
    for line in ("ทะเบียนราษฎร์", "ประเภท: ผู้สูงอายุ", "26 พ.ย. 2569 13:45 น.", "ขอบคุณที่ใช้บริการ"):
        assert line.encode("cp874") in decoded.text
    assert decoded.qr_data == [TICKET.status_url.encode()]
    assert decoded.cuts == 1


@pytest.mark.parametrize(
    ("answer", "status", "printed"),
    [
        (b"\x12", PrinterStatus.OK, True),
        (b"\x1e", PrinterStatus.PAPER_LOW, True),
        (b"\x72", PrinterStatus.PAPER_OUT, False),
    ],
)
def test_the_paper_sensor_decides(answer: bytes, status: PrinterStatus, printed: bool) -> None:
    printer = TcpPrinter(paper=answer)
    try:
        result = TicketPrinter(parse_printer_uri(printer.uri)).print_ticket(TICKET, Lang.TH)
        (job,) = printer.wait_jobs(1)
    finally:
        printer.close()
    assert (result.status, result.printed) == (status, printed)
    assert job.endswith(CUT) is printed


def test_a_printer_that_is_gone_is_offline_not_an_error(tcp_printer: TcpPrinter) -> None:
    tcp_printer.close()
    result = TicketPrinter(parse_printer_uri(tcp_printer.uri)).print_ticket(TICKET, Lang.TH)
    assert (result.status, result.printed) == (PrinterStatus.OFFLINE, False)
    assert "refused" in result.detail


def test_serial_printer_gets_a_text_ticket(pty_printer: PtyPrinter) -> None:
    uri = pty_printer.uri("mode=text&profile=TM-P80")
    result = TicketPrinter(parse_printer_uri(uri)).print_ticket(TICKET, Lang.TH)
    assert result.printed
    data = pty_printer.wait_for(CUT)
    assert data.startswith(PAPER_QUERY)
    decoded = decode(data)
    assert decoded.commands[:3] == ["status", "init", "align"]
    assert decoded.code_pages == [21]
    assert "ศูนย์บริการร่วม (ตัวอย่าง)".encode("cp874") in decoded.text
    assert decoded.qr_data == [TICKET.status_url.encode()]
    assert decoded.cuts == 1


def test_serial_printer_gets_an_image_ticket(pty_printer: PtyPrinter) -> None:
    uri = pty_printer.uri("profile=TM-T88V")
    result = TicketPrinter(parse_printer_uri(uri)).print_ticket(TICKET, Lang.EN)
    assert result.printed
    decoded = decode(pty_printer.wait_for(CUT))
    assert {r.width for r in decoded.rasters} == {512}
    assert decoded.cuts == 1
    assert decoded.save_raster(SCREENSHOTS / "serial_image_ticket_en.png").exists()


def test_a_pulled_serial_cable_is_offline(pty_printer: PtyPrinter) -> None:
    uri = pty_printer.uri()
    pty_printer.close()
    result = TicketPrinter(parse_printer_uri(uri)).print_ticket(TICKET, Lang.TH)
    assert (result.status, result.printed) == (PrinterStatus.OFFLINE, False)
