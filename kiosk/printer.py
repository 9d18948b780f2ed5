"""Sending tickets to the printer named by a printer URI, and knowing how the printer is.

The connection is opened for each ticket and closed after it: a network printer stays free for
others, and a cable pulled and plugged back in between two tickets costs nothing.
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy, File, Network, Serial, Usb

from kiosk.printer_uri import PrinterSpec, PrintMode
from kiosk.texts import Lang
from kiosk.ticket_escpos import ticket_bytes
from kiosk.ticket_folder import is_folder, save_ticket
from kiosk.ticket_layout import TicketContent

log = logging.getLogger(__name__)

# DLE EOT 4: the paper sensor. Printers answer within milliseconds; one that does not answer at
# all (many cheap ones) is taken at its word that the bytes went out.
PAPER_QUERY = b"\x10\x04\x04"
PAPER_END = 0x60
PAPER_NEAR_END = 0x0C
STATUS_WAIT_S = 0.3
CONNECT_TIMEOUT_S = 5.0


class PrinterStatus(StrEnum):
    OK = "ok"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    PAPER_LOW = "paper_low"
    NONE = "none"


@dataclass(frozen=True)
class PrintResult:
    status: PrinterStatus
    detail: str = ""
    sent: int = 0  # bytes
    mode: PrintMode | None = None

    @property
    def printed(self) -> bool:
        return self.sent > 0


class PrinterOffline(Exception):
    pass


class _Network(Network):
    """python-escpos's Network leaves the socket of a failed connect to the garbage collector."""

    def open(self, raise_not_found: bool = True) -> None:
        self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)


def open_device(spec: PrinterSpec) -> Escpos:
    """An opened python-escpos printer for the spec; PrinterOffline when it is not there."""
    match spec.kind:
        case "serial":
            # No write timeout: a 40 KB raster at 9600 baud takes most of a minute.
            device: Escpos = Serial(
                spec.target, baudrate=spec.baudrate, timeout=STATUS_WAIT_S, profile=spec.profile
            )
        case "tcp":
            device = _Network(
                spec.target, port=spec.port, timeout=CONNECT_TIMEOUT_S, profile=spec.profile
            )
        case "usb":
            problem = usb_problem(spec)
            if problem is not None:
                raise PrinterOffline(problem)
            device = Usb(*spec.usb_ids, timeout=int(CONNECT_TIMEOUT_S * 1000), profile=spec.profile)
        case "file":
            device = File(spec.target, profile=spec.profile)
        case _:
            device = Dummy(profile=spec.profile)
    try:
        device.open()
    except (EscposError, OSError) as exc:
        raise PrinterOffline(_first_line(exc)) from None
    return device


def usb_problem(spec: PrinterSpec) -> str | None:
    """Why this USB printer cannot print, in one line for a person: the USB library or libusb
    missing, or no such printer plugged in. None when it is there."""
    assert spec.usb_ids is not None
    try:
        import usb.backend.libusb0
        import usb.backend.libusb1
        import usb.core
    except ImportError:
        return "USB printers need pyusb, which is not installed: pip install 'python-escpos[usb]'"
    backend = usb.backend.libusb1.get_backend() or usb.backend.libusb0.get_backend()
    if backend is None:
        return (
            "USB printers need libusb-1.0, which is not installed "
            "(Debian/Ubuntu: apt install libusb-1.0-0; scripts/setup.sh installs it)"
        )
    vendor, product = spec.usb_ids
    try:
        found = usb.core.find(idVendor=vendor, idProduct=product, backend=backend)
    except (usb.core.USBError, ValueError) as exc:
        return f"cannot look for USB printers: {_first_line(exc)}"
    if found is None:
        return (
            f"no USB printer {vendor:04x}:{product:04x} is connected: check its cable and power"
            " (lsusb lists what is connected)"
        )
    return None


def _first_line(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[-1] if message else ''}"


def paper_state(device: Escpos, spec: PrinterSpec) -> PrinterStatus | None:
    """What the paper sensor says, or None when the printer does not answer status queries."""
    if spec.kind not in ("serial", "tcp"):
        return None
    raw = device.device
    try:
        device._raw(PAPER_QUERY)
        if spec.kind == "tcp":
            raw.settimeout(STATUS_WAIT_S)
            try:
                answer = raw.recv(1)
            finally:
                raw.settimeout(CONNECT_TIMEOUT_S)
        else:
            answer = raw.read(1)
    except TimeoutError:
        return None
    if not answer:
        return None
    if answer[0] & PAPER_END == PAPER_END:
        return PrinterStatus.PAPER_OUT
    if answer[0] & PAPER_NEAR_END == PAPER_NEAR_END:
        return PrinterStatus.PAPER_LOW
    return PrinterStatus.OK


class TicketPrinter:
    """Prints tickets on one printer; every failure comes back as a PrintResult, never raised."""

    def __init__(self, spec: PrinterSpec | None) -> None:
        self.spec = spec

    def print_ticket(self, ticket: TicketContent, lang: Lang) -> PrintResult:
        if self.spec is None:
            return PrintResult(PrinterStatus.NONE, "no printer configured")
        try:
            data, mode = ticket_bytes(ticket, lang, self.spec)
        except Exception as exc:  # a ticket that cannot be drawn must not stop the kiosk
            log.exception("ticket %s could not be laid out", ticket.number)
            return PrintResult(PrinterStatus.OK, f"layout failed: {_first_line(exc)}")
        if self.spec.kind == "file" and is_folder(self.spec.target):
            try:
                path = save_ticket(Path(self.spec.target), ticket, lang, data)
            except OSError as exc:
                return PrintResult(PrinterStatus.OFFLINE, _first_line(exc), mode=mode)
            log.info("ticket saved: %s", path)
            return PrintResult(PrinterStatus.OK, "", sent=len(data), mode=mode)
        return self.send(data, mode)

    def send(self, data: bytes, mode: PrintMode | None = None) -> PrintResult:
        assert self.spec is not None
        started = time.monotonic()
        try:
            device = open_device(self.spec)
        except PrinterOffline as exc:
            log.warning("printer %s offline: %s", self.spec.kind, exc)
            return PrintResult(PrinterStatus.OFFLINE, str(exc), mode=mode)
        try:
            paper = paper_state(device, self.spec)
            if paper is PrinterStatus.PAPER_OUT:
                return PrintResult(PrinterStatus.PAPER_OUT, "out of paper", mode=mode)
            device._raw(data)
        except (EscposError, OSError, ValueError) as exc:
            # pyserial's SerialException is an OSError; a vanished USB device a USBError (also)
            log.warning("printer %s failed mid-ticket: %s", self.spec.kind, _first_line(exc))
            return PrintResult(PrinterStatus.OFFLINE, _first_line(exc), mode=mode)
        finally:
            _close_quietly(device)
        log.info("ticket sent: %d bytes, %s, %.2f s", len(data), mode, time.monotonic() - started)
        return PrintResult(paper or PrinterStatus.OK, "", sent=len(data), mode=mode)


def _close_quietly(device: Escpos) -> None:
    try:
        device.close()
    except (EscposError, OSError) as exc:
        log.info("closing the printer: %s", _first_line(exc))
