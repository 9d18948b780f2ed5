"""`swq kiosk` and `swq print-sample` (registered through the `swq.commands` entry points)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from kiosk.main import build_kiosk
from kiosk.printer import PrinterStatus, TicketPrinter, usb_problem
from kiosk.printer_uri import PrinterSpec, PrinterUriError, parse_printer_uri
from kiosk.texts import Lang
from kiosk.ticket_layout import TicketContent


def _printer_spec(uri: str | None) -> PrinterSpec | None:
    if uri is None:
        return None
    try:
        return parse_printer_uri(uri)
    except PrinterUriError as exc:
        raise click.BadParameter(str(exc), param_hint="--printer") from None


@click.command("kiosk")
@click.option("--server", required=True, help="The queue server, e.g. http://127.0.0.1:8000")
@click.option("--token", required=True, envvar="SWQ_KIOSK_TOKEN", help="A kiosk token.")
@click.option("--printer", "printer_uri", help="Printer URI, e.g. tcp://192.168.1.50:9100")
@click.option("--office", help="Office code, when the server hosts several.")
@click.option("--fullscreen", is_flag=True, help="Fill the screen (the kiosk's normal mode).")
def kiosk_command(
    server: str, token: str, printer_uri: str | None, office: str | None, fullscreen: bool
) -> None:
    """The touch kiosk: citizens choose a service and get a printed ticket."""
    if not server.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--server")
    spec = _printer_spec(printer_uri)
    if spec is not None and spec.kind == "usb":
        problem = usb_problem(spec)
        if problem is not None:  # the kiosk still runs: the number stays on its screen
            click.echo(f"swq kiosk: printer {printer_uri}: {problem}", err=True)
    # Kivy shows the kiosk's own log lines; a line per HTTP connection is noise
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    build_kiosk(server, token, spec, office, fullscreen).run()


def sample_ticket(now: datetime) -> TicketContent:
    return TicketContent(
        office_th="ศูนย์บริการร่วม (ตัวอย่าง)",
        office_en="One-Stop Service Centre (sample)",
        service_th="ทะเบียนราษฎร์",
        service_en="Civil registration",
        agency_th="กรมการปกครอง",
        agency_en="Department of Provincial Administration",
        extras=(("บัตรประจำตัวประชาชน", "Identity card"),),
        number="A001",
        priority_th="ผู้สูงอายุ",
        priority_en="Elderly",
        priority_is_normal=False,
        people_ahead=3,
        estimated_wait_s=12 * 60,
        estimated_wait_range_s=None,
        issued_at=now,
        status_url="https://queue.example.go.th/t/sample?key=0000",
    )


@click.command("print-sample")
@click.option("--printer", "printer_uri", required=True, help="Printer URI to test.")
@click.option("--lang", type=click.Choice(["th", "en"]), default="th", show_default=True)
def print_sample_command(printer_uri: str, lang: str) -> None:
    """Print a sample ticket: exit 0 when the printer took it."""
    spec = _printer_spec(printer_uri)
    assert spec is not None
    logging.getLogger("kiosk").setLevel(logging.ERROR)  # the outcome is said once, below
    ticket = sample_ticket(datetime.now(ZoneInfo("Asia/Bangkok")))
    result = TicketPrinter(spec).print_ticket(ticket, Lang(lang))
    if not result.printed:
        reason = "out of paper" if result.status is PrinterStatus.PAPER_OUT else result.detail
        raise click.ClickException(f"the sample ticket was not printed: {reason}")
    click.echo(f"sent a sample ticket: {result.sent} bytes, {result.mode} mode, to {printer_uri}")
