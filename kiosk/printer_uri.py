"""Printer URIs of CONTRACT.md: `dummy:`, `file:/path`, `serial:/dev/ttyUSB0?baudrate=19200`,
`tcp://host:9100`, `usb:VID:PID`, with `profile=`, `mode=text|image` and `codepage=` options."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlsplit

from escpos.capabilities import CAPABILITIES

DEFAULT_TCP_PORT = 9100
DEFAULT_BAUDRATE = 9600
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


class PrinterUriError(ValueError):
    """A printer URI the kiosk cannot use; the message says why and what would work."""


class PrintMode(StrEnum):
    IMAGE = "image"  # the ticket as one raster picture: any ESC/POS printer, Thai always right
    TEXT = "text"  # the printer's own font in a code page: far fewer bytes on a slow line


@dataclass(frozen=True)
class PrinterSpec:
    kind: str  # dummy, file, serial, tcp, usb
    target: str = ""  # path, device, host
    port: int = DEFAULT_TCP_PORT
    baudrate: int = DEFAULT_BAUDRATE
    usb_ids: tuple[int, int] = (0, 0)
    profile: str = "default"
    mode: PrintMode = PrintMode.IMAGE
    codepage: str = "cp874"


def _options(query: str) -> dict[str, str]:
    options = dict(parse_qsl(query, keep_blank_values=True))
    known = {"profile", "mode", "codepage", "baudrate"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise PrinterUriError(
            f"unknown option {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return options


def _usb_ids(text: str) -> tuple[int, int]:
    parts = text.split(":")
    try:
        vid, pid = (int(p, 16) for p in parts)
    except ValueError:
        raise PrinterUriError(
            f"usb: expected usb:VID:PID in hexadecimal (e.g. usb:04b8:0202), got {text!r}"
        ) from None
    return vid, pid


def parse_printer_uri(uri: str) -> PrinterSpec:
    scheme, sep, rest = uri.partition(":")
    if not sep:
        raise PrinterUriError(
            f"{uri!r} is not a printer URI; use dummy:, file:/path, serial:/dev/ttyUSB0, "
            "tcp://host:9100 or usb:VID:PID"
        )
    body, _, query = rest.partition("?")
    options = _options(query)
    profile = options.get("profile", "default")
    if profile not in CAPABILITIES["profiles"]:
        raise PrinterUriError(
            f"unknown printer profile {profile!r}; e.g. default, TM-T88V, TM-T20II, TM-P80"
        )
    try:
        mode = PrintMode(options.get("mode", PrintMode.IMAGE))
    except ValueError:
        raise PrinterUriError(f"mode must be text or image, got {options['mode']!r}") from None
    common = {"profile": profile, "mode": mode, "codepage": options.get("codepage", "cp874")}
    if "baudrate" in options and scheme != "serial":
        raise PrinterUriError("baudrate is an option of serial: printers only")
    match scheme:
        case "dummy":
            return PrinterSpec("dummy", **common)
        case "file":
            if not body:
                raise PrinterUriError("file: needs a path, e.g. file:/tmp/ticket.bin")
            return PrinterSpec("file", body, **common)
        case "serial":
            if not body:
                raise PrinterUriError("serial: needs a device, e.g. serial:/dev/ttyUSB0")
            try:
                baudrate = int(options.get("baudrate", DEFAULT_BAUDRATE))
            except ValueError:
                baudrate = 0
            if baudrate not in BAUDRATES:
                raise PrinterUriError(
                    f"baudrate must be one of {', '.join(map(str, BAUDRATES))}, "
                    f"got {options['baudrate']!r}"
                )
            return PrinterSpec("serial", body, baudrate=baudrate, **common)
        case "tcp":
            parts = urlsplit(uri)
            try:
                port = parts.port or DEFAULT_TCP_PORT
            except ValueError:
                raise PrinterUriError(f"tcp: bad port in {uri!r}") from None
            if not parts.hostname:
                raise PrinterUriError("tcp: needs a host, e.g. tcp://192.168.1.50:9100")
            return PrinterSpec("tcp", parts.hostname, port=port, **common)
        case "usb":
            return PrinterSpec("usb", body, usb_ids=_usb_ids(body), **common)
        case _:
            raise PrinterUriError(
                f"unknown printer kind {scheme!r}; use dummy, file, serial, tcp or usb"
            )
