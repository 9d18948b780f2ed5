"""The kiosk takes the office's colours and logo from a real server with its kiosk token, and
prints the logo at the top of the ticket: the bytes that reach a TCP printer port hold it as a
raster of black dots, in text mode as in image mode."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from PIL import Image, ImageChops

from kiosk.api import KioskApi
from kiosk.cli import sample_ticket
from kiosk.printer import PrinterStatus, TicketPrinter
from kiosk.printer_uri import PrintMode, parse_printer_uri
from kiosk.texts import Lang
from kiosk.ticket_escpos import logo_raster
from queue_server.branding import checked_branding, checked_logo
from queue_server.db import schema as t
from queue_server.db.engine import make_engine
from tests.display.test_board_setup import logo_png
from tests.kiosk.escpos_decode import decode
from tests.kiosk.links import TcpPrinter
from tests.kiosk.test_ticket import SCREENSHOTS
from tests.server.conftest import load_test_office
from tests.server.processes import ServerProcess


def brand(database_url: str, office: str) -> bytes:
    """What the admin home page stores for colours and a logo; the stored PNG."""
    logo = checked_logo(logo_png())
    colours = checked_branding({"primary": "#003366", "accent": "#ffd700"})
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.offices)
            .where(t.offices.c.code == office)
            .values(branding=colours.to_json())
        )
        conn.execute(
            sa.insert(t.office_logos).values(
                office=office, png=logo.png, version=logo.version, updated_at=datetime.now(UTC)
            )
        )
    engine.dispose()
    return logo.png


def test_the_kiosk_prints_the_office_logo(
    sqlite_url: str, servers: list[ServerProcess], tmp_path: Path
) -> None:
    office = load_test_office(sqlite_url)
    server = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    servers.append(server)
    api_before = KioskApi(server.url, office.tokens["kiosk"]).office()
    assert (api_before.primary, api_before.logo_url, api_before.logo) == ("#0a1a33", None, None)

    png = brand(sqlite_url, office.code)
    seen = KioskApi(server.url, office.tokens["kiosk"]).office()
    assert (seen.primary, seen.accent) == ("#003366", "#ffd700")
    assert seen.logo == png

    ticket = sample_ticket(datetime.now(UTC))
    ticket = type(ticket)(**{**ticket.__dict__, "logo": seen.logo})
    printer = TcpPrinter()
    try:
        runs = (
            ("?mode=text&profile=TM-T88II", PrintMode.TEXT, 512),
            ("", PrintMode.IMAGE, 576),
        )
        for count, (query, mode, paper) in enumerate(runs, start=1):
            result = TicketPrinter(parse_printer_uri(printer.uri + query)).print_ticket(
                ticket, Lang.TH
            )
            assert (result.status, result.mode) == (PrinterStatus.OK, mode)
            decoded = decode(printer.wait_jobs(count)[-1])
            # The logo is the first thing on the paper, before the office's name.
            assert decoded.commands[:4] == ["status", "init", "align", "raster"]
            printed = decoded.rasters[0].image().convert("L")
            assert printed.width == paper
            expected = logo_raster(png, paper)
            assert expected is not None
            top = expected.convert("L").crop((0, 0, paper, printed.height))
            assert ImageChops.difference(printed, top).getbbox() is None
            # Ink only in the middle of the paper, where the crest is.
            ink = ImageChops.invert(printed).getbbox()
            assert ink is not None and ink[0] >= 576 // 4 and ink[2] <= 576 * 3 // 4
            decoded.save_raster(SCREENSHOTS / f"ticket-logo-{mode.value}.png")
    finally:
        printer.close()
    with Image.open(SCREENSHOTS / "ticket-logo-image.png") as paper_out:
        assert paper_out.height > 300
