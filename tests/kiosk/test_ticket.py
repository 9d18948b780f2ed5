"""Ticket layout, printer URIs and the ESC/POS bytes of a ticket, without a printer or window."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from kiosk.cli import sample_ticket
from kiosk.printer import PrinterStatus, TicketPrinter
from kiosk.printer_uri import PrinterSpec, PrinterUriError, PrintMode, parse_printer_uri
from kiosk.texts import Lang
from kiosk.ticket_escpos import ticket_bytes
from kiosk.ticket_image import render_lines
from kiosk.ticket_layout import Line, Size, buddhist_date, ticket_lines
from tests.browser import SCREENSHOTS
from tests.kiosk.escpos_decode import decode
from tests.kiosk.fakes import BANGKOK

TICKET = sample_ticket(datetime(2026, 11, 26, 9, 5, tzinfo=BANGKOK))


def test_buddhist_era_dates() -> None:
    at = datetime(2026, 1, 2, 9, 5, tzinfo=BANGKOK)
    assert buddhist_date(at, Lang.TH) == "2 ม.ค. 2569 09:05 น."
    assert buddhist_date(at, Lang.EN) == "2 Jan 2026 (B.E. 2569) 09:05"


def test_ticket_lines_in_thai_and_english() -> None:
    top, bottom = ticket_lines(TICKET, Lang.TH)
    texts = [line.text for line in top]
    assert texts == [
        "ศูนย์บริการร่วม (ตัวอย่าง)",
        "One-Stop Service Centre (sample)",
        "กรมการปกครอง",
        "ทะเบียนราษฎร์",
        "Civil registration",
        "บริการเพิ่มเติม: บัตรประจำตัวประชาชน",
        "A001",
        "ประเภท: ผู้สูงอายุ",
        "รอก่อนหน้า 3 คน",
        "เวลารอ ประมาณ 12 นาที",
        "26 พ.ย. 2569 09:05 น.",
        "สแกนเพื่อดูสถานะคิว",
    ]
    assert top[6].size is Size.HUGE
    assert [line.text for line in bottom] == ["ขอบคุณที่ใช้บริการ"]
    english, _ = ticket_lines(TICKET, Lang.EN)
    assert [line.text for line in english][:5] == [
        "One-Stop Service Centre (sample)",
        "Department of Provincial Administration",
        "ทะเบียนราษฎร์",
        "Civil registration",
        "Also: Identity card",
    ]


def test_a_normal_ticket_has_no_group_line_and_no_wait_says_so() -> None:
    from dataclasses import replace

    plain = replace(TICKET, priority_is_normal=True, estimated_wait_s=0, people_ahead=0)
    texts = [line.text for line in ticket_lines(plain, Lang.TH)[0]]
    assert not any(t.startswith("ประเภท") for t in texts)
    assert "ไม่ต้องรอ" in texts


@pytest.mark.parametrize(
    ("ahead", "wait_s", "wait_range_s", "says"),
    [
        (2, 0, None, "เวลารอ อีกไม่กี่นาที"),  # never "2 ahead, no wait"
        (2, None, None, None),  # no estimate: no wait line at all
        (0, 0, None, "ไม่ต้องรอ"),
        (4, 600, (300, 1200), "เวลารอ ประมาณ 5-20 นาที"),
        (4, 600, (600, 600), "เวลารอ ประมาณ 10 นาที"),
    ],
)
def test_the_wait_agrees_with_the_people_ahead(
    ahead: int, wait_s: int | None, wait_range_s: tuple[int, int] | None, says: str | None
) -> None:
    from dataclasses import replace

    content = replace(
        TICKET, people_ahead=ahead, estimated_wait_s=wait_s, estimated_wait_range_s=wait_range_s
    )
    texts = [line.text for line in ticket_lines(content, Lang.TH)[0]]
    assert f"รอก่อนหน้า {ahead} คน" in texts
    waits = [t for t in texts if t.startswith(("เวลารอ", "ไม่ต้องรอ"))]
    assert waits == ([says] if says else [])


@pytest.mark.parametrize(
    ("uri", "spec"),
    [
        ("dummy:", PrinterSpec("dummy")),
        ("file:/tmp/t.bin", PrinterSpec("file", "/tmp/t.bin")),
        (
            "serial:/dev/ttyUSB0?baudrate=19200&mode=text",
            PrinterSpec("serial", "/dev/ttyUSB0", baudrate=19200, mode=PrintMode.TEXT),
        ),
        ("tcp://10.0.0.5", PrinterSpec("tcp", "10.0.0.5", port=9100)),
        (
            "tcp://10.0.0.5:9200?profile=TM-T88V",
            PrinterSpec("tcp", "10.0.0.5", port=9200, profile="TM-T88V"),
        ),
        ("usb:04b8:0202", PrinterSpec("usb", "04b8:0202", usb_ids=(0x04B8, 0x0202))),
    ],
)
def test_printer_uris(uri: str, spec: PrinterSpec) -> None:
    assert parse_printer_uri(uri) == spec


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("printer", "not a printer URI"),
        ("lpt:1", "unknown printer kind"),
        ("file:", "needs a path"),
        ("serial:/dev/ttyS0?baudrate=1234", "baudrate must be one of"),
        ("tcp://10.0.0.5?baudrate=9600", "serial: printers only"),
        ("tcp://:9100", "needs a host"),
        ("usb:xyz", "usb:VID:PID"),
        ("dummy:?profile=NoSuchPrinter", "unknown printer profile"),
        ("dummy:?mode=colour", "mode must be text or image"),
        ("dummy:?speed=fast", "unknown option speed"),
    ],
)
def test_bad_printer_uris_say_why(uri: str, says: str) -> None:
    with pytest.raises(PrinterUriError, match=says):
        parse_printer_uri(uri)


def test_text_mode_prints_cp874_with_native_qr() -> None:
    spec = parse_printer_uri("dummy:?mode=text&profile=TM-T88II")
    data, mode = ticket_bytes(TICKET, Lang.TH, spec)
    assert mode is PrintMode.TEXT
    decoded = decode(data)
    assert decoded.commands[0] == "init"
    assert decoded.code_pages == [21]  # CP874 in the TM-T88II profile
    assert decoded.rasters == []
    text = bytes(decoded.text)
    for line in ("ศูนย์บริการร่วม (ตัวอย่าง)", "ทะเบียนราษฎร์", "ผู้สูงอายุ", "รอก่อนหน้า 3 คน"):
        assert line.encode("cp874") in text
    assert b"A001" in text
    assert decoded.qr_data == [TICKET.status_url.encode()]
    assert decoded.commands[-1] == "cut"
    assert len(data) < 1000


def test_text_mode_falls_back_to_image_without_cp874(caplog: pytest.LogCaptureFixture) -> None:
    spec = parse_printer_uri("dummy:?mode=text&profile=TM-T88V")
    with caplog.at_level(logging.WARNING):
        data, mode = ticket_bytes(TICKET, Lang.TH, spec)
    assert mode is PrintMode.IMAGE
    assert "TM-T88V has no code page CP874" in caplog.text
    decoded = decode(data)
    assert {r.width for r in decoded.rasters} == {512}
    assert decoded.code_pages == []


@pytest.mark.parametrize(("profile", "width"), [("default", 576), ("TM-T88V", 512)])
def test_image_mode_raster_has_the_profile_width(profile: str, width: int) -> None:
    data, mode = ticket_bytes(TICKET, Lang.TH, parse_printer_uri(f"dummy:?profile={profile}"))
    assert mode is PrintMode.IMAGE
    decoded = decode(data)
    assert decoded.commands[:2] == ["init", "align"]
    assert {"raster", "feed_dots"} <= set(decoded.commands)  # white space is fed, not sent
    assert {r.width for r in decoded.rasters} == {width}
    assert decoded.qr_data == [TICKET.status_url.encode()]
    assert decoded.cuts == 1
    page = decoded.save_raster(SCREENSHOTS / f"ticket_image_{profile}.png")
    assert page.exists()
    ink = decoded.raster_image().convert("L").histogram()[0]
    assert ink > 5000  # black dots: text was drawn, not a blank strip


def test_printers_without_native_qr_get_it_as_a_raster() -> None:
    data, _ = ticket_bytes(TICKET, Lang.EN, parse_printer_uri("dummy:?profile=POS-5890"))
    decoded = decode(data)
    assert decoded.qr_data == []
    widths = {r.width for r in decoded.rasters}
    (qr_width,) = widths - {384}  # the text blocks are paper wide, the QR code its own size
    assert 100 < qr_width < 384
    decoded.save_raster(SCREENSHOTS / "ticket_image_POS-5890_en.png")


def test_a_long_thai_line_shrinks_to_fit_the_paper() -> None:
    long_name = "สำนักงานทะเบียนราษฎร์และบัตรประจำตัวประชาชนอำเภอเมืองอุดรธานี" * 2
    image = render_lines([Line(long_name, Size.LARGE, bold=True)], 384)
    assert image.width == 384
    columns = [
        x
        for x in range(image.width)
        if any(image.getpixel((x, y)) == 0 for y in range(image.height))
    ]
    assert columns and min(columns) > 0 and max(columns) < 383


def test_ticket_printer_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "ticket.bin"
    result = TicketPrinter(parse_printer_uri(f"file:{out}")).print_ticket(TICKET, Lang.TH)
    assert (result.status, result.printed, result.sent) == (
        PrinterStatus.OK,
        True,
        out.stat().st_size,
    )
    assert decode(out.read_bytes()).cuts == 1


def test_a_folder_printer_keeps_each_ticket_as_bytes_and_a_picture(tmp_path: Path) -> None:
    folder = tmp_path / "tickets"
    printer = TicketPrinter(parse_printer_uri(f"file:{folder}/"))
    for _ in range(2):
        assert printer.print_ticket(TICKET, Lang.TH).printed
    later = replace(TICKET, number="A002", issued_at=TICKET.issued_at + timedelta(seconds=1))
    assert printer.print_ticket(later, Lang.EN).printed
    bins = sorted(folder.glob("*.bin"))
    assert [p.name.split("-")[-1] for p in bins] == ["A001.bin", "A002.bin"]
    assert decode(bins[-1].read_bytes()).cuts == 1
    with Image.open(bins[-1].with_suffix(".png")) as picture:
        assert picture.width == 576 and picture.height > 576  # lines, QR code, footer
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(bins[0].with_suffix(".png"), SCREENSHOTS / "ticket_folder_picture.png")


def test_ticket_printer_reports_a_missing_printer(tmp_path: Path) -> None:
    result = TicketPrinter(parse_printer_uri(f"file:{tmp_path}/no/such/dir/t.bin")).print_ticket(
        TICKET, Lang.TH
    )
    assert (result.status, result.printed) == (PrinterStatus.OFFLINE, False)


def swq(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queue_server.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_print_sample_command(tmp_path: Path) -> None:
    out = tmp_path / "sample.bin"
    done = swq(
        "print-sample", "--printer", f"file:{out}?mode=text&profile=TM-T88II", "--lang", "en"
    )
    assert done.returncode == 0, done.stderr
    assert f"{out.stat().st_size} bytes, text mode" in done.stdout
    assert b"Civil registration" in bytes(decode(out.read_bytes()).text)


@pytest.mark.parametrize(
    ("uri", "code", "says"),
    [
        ("nonsense", 2, "not a printer URI"),
        ("tcp://127.0.0.1:1", 1, "not printed"),
        ("file:/nonexistent/dir/t.bin", 1, "not printed"),
    ],
)
def test_print_sample_fails_clearly(uri: str, code: int, says: str) -> None:
    done = swq("print-sample", "--printer", uri)
    assert done.returncode == code
    assert says in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--server", "127.0.0.1:8000", "--token", "t"], "must start with http://"),
        (["--server", "http://127.0.0.1:8000", "--token", "t", "--printer", "lpt:1"], "lpt"),
        (["--server", "http://127.0.0.1:8000"], "Missing option '--token'"),
    ],
)
def test_kiosk_command_refuses_bad_options_before_opening_a_window(
    args: list[str], says: str
) -> None:
    done = swq("kiosk", *args)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr
