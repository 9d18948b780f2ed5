"""A ticket as ESC/POS bytes for a printer profile, in image or text mode.

The bytes are built on python-escpos's Dummy printer and sent in one write, so a ticket either
leaves whole or the send fails; the byte count is what a slow serial line has to carry.
"""

from __future__ import annotations

import io
import logging
from codecs import lookup
from collections.abc import Sequence

import qrcode
from escpos.capabilities import Profile
from escpos.image import EscposImage
from escpos.printer import Dummy
from PIL import Image

from kiosk.printer_uri import PrinterSpec, PrintMode
from kiosk.texts import Lang
from kiosk.ticket_image import render_lines
from kiosk.ticket_layout import Line, Size, TicketContent, ticket_lines

log = logging.getLogger(__name__)

ESC, GS = b"\x1b", b"\x1d"
CENTER = ESC + b"a\x01"
# Most 80 mm printers are 576 dots wide at 203 dpi; profiles that do not say get this.
FALLBACK_WIDTH = 576
# Printers buffer a limited raster; python-escpos splits at the same height.
FRAGMENT_ROWS = 960
QR_DOT_SIZE = 6
# White runs at least this tall become a paper feed, which is 3 bytes instead of 72 a row.
MIN_FEED_ROWS = 8
MAX_FEED = 255
# GS ! n: width multiplier in the high nibble, height in the low one (both minus one).
# The logo: at most half the paper wide and this tall (1.5 cm at 203 dpi), then a small gap.
LOGO_MAX_ROWS = 120
LOGO_GAP_ROWS = 16
TEXT_SIZE = {Size.SMALL: 0x00, Size.NORMAL: 0x00, Size.LARGE: 0x11, Size.HUGE: 0x66}


def paper_width(profile: Profile) -> int:
    pixels = profile.profile_data.get("media", {}).get("width", {}).get("pixels")
    return pixels if isinstance(pixels, int) else FALLBACK_WIDTH


def code_page_number(profile: Profile, codepage: str) -> int | None:
    """The `ESC t` number of a code page in this profile, or None when the printer lacks it."""
    for number, name in profile.codePages.items():
        if name.upper() == codepage.upper():
            return int(number)
    return None


def effective_mode(spec: PrinterSpec, profile: Profile) -> PrintMode:
    """Text mode only where the printer has the code page (otherwise Thai prints as `???`)."""
    if spec.mode is PrintMode.IMAGE:
        return PrintMode.IMAGE
    try:
        lookup(spec.codepage)
    except LookupError:
        log.warning("code page %s is unknown here; printing tickets as images", spec.codepage)
        return PrintMode.IMAGE
    if code_page_number(profile, spec.codepage) is None:
        log.warning(
            "printer profile %s has no code page %s; printing tickets as images",
            spec.profile,
            spec.codepage.upper(),
        )
        return PrintMode.IMAGE
    return PrintMode.TEXT


def _ink_runs(image: Image.Image) -> list[tuple[int, int, bool]]:
    """(first row, end row, has ink) runs down the picture; short blank runs count as ink."""
    blank = [
        image.crop((0, y, image.width, y + 1)).getextrema() == (255, 255)
        for y in range(image.height)
    ]
    runs: list[tuple[int, int, bool]] = []
    y = 0
    while y < image.height:
        end = y
        while end < image.height and blank[end] == blank[y]:
            end += 1
        is_ink = not blank[y] or end - y < MIN_FEED_ROWS
        if runs and runs[-1][2] and is_ink:
            runs[-1] = (runs[-1][0], end, True)
        else:
            runs.append((y, end, is_ink))
        y = end
    return runs


def _raster(printer: Dummy, image: Image.Image) -> None:
    """GS v 0 blocks for the rows with ink and paper feeds (ESC J) for the white between them:
    a third fewer bytes on a slow line. (python-escpos's own image() would also print a notice
    to stdout for profiles without a known width.)"""
    gray = image.convert("L")
    for top, end, ink in _ink_runs(gray):
        if not ink:
            for rows in range(end - top, 0, -MAX_FEED):
                printer._raw(ESC + b"J" + bytes((min(rows, MAX_FEED),)))
            continue
        for part_top in range(top, end, FRAGMENT_ROWS):
            part = EscposImage(
                image.crop((0, part_top, image.width, min(end, part_top + FRAGMENT_ROWS)))
            )
            printer._raw(
                GS
                + b"v0\x00"
                + part.width_bytes.to_bytes(2, "little")
                + part.height.to_bytes(2, "little")
                + part.to_raster_format()
            )


def _text(printer: Dummy, lines: Sequence[Line], codepage: str) -> None:
    for line in lines:
        printer._raw(GS + b"!" + bytes((TEXT_SIZE[line.size],)))
        printer._raw(ESC + b"E" + (b"\x01" if line.bold else b"\x00"))
        printer._raw(line.text.encode(codepage, errors="replace") + b"\n")
    printer._raw(GS + b"!\x00" + ESC + b"E\x00")


def _qr(printer: Dummy, url: str) -> None:
    if printer.profile.supports("qrCode"):
        printer.qr(url, size=QR_DOT_SIZE, native=True)
        printer._raw(b"\n")
    else:
        code = qrcode.QRCode(box_size=QR_DOT_SIZE, border=1)
        code.add_data(url)
        _raster(printer, code.make_image().get_image().convert("1"))


def logo_raster(png: bytes, paper: int) -> Image.Image | None:
    """The office's logo as black dots on white, half the paper wide at most (a logo that
    cannot be read prints no logo: the ticket matters more)."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            image.load()
            picture = image.convert("RGBA")
    except (OSError, Image.DecompressionBombError) as exc:
        log.warning("the office logo cannot be read: %s", exc)
        return None
    picture.thumbnail((paper // 2, LOGO_MAX_ROWS))
    white = Image.new("RGBA", picture.size, (255, 255, 255, 255))
    gray = Image.alpha_composite(white, picture).convert("L")
    # Centred on a paper-wide strip, dithered to the printer's dots.
    strip = Image.new("L", (paper, gray.height + LOGO_GAP_ROWS), 255)
    strip.paste(gray, ((paper - gray.width) // 2, 0))
    return strip.convert("1")


def ticket_bytes(ticket: TicketContent, lang: Lang, spec: PrinterSpec) -> tuple[bytes, PrintMode]:
    """The whole ticket, from initialise to cut, and the mode it was actually built in."""
    printer = Dummy(profile=spec.profile)
    mode = effective_mode(spec, printer.profile)
    top, bottom = ticket_lines(ticket, lang)
    printer.hw("INIT")
    printer._raw(CENTER)
    logo = None if ticket.logo is None else logo_raster(ticket.logo, paper_width(printer.profile))
    if logo is not None:
        _raster(printer, logo)
    if mode is PrintMode.TEXT:
        number = code_page_number(printer.profile, spec.codepage)
        printer._raw(ESC + b"t" + bytes((number or 0,)))
        _text(printer, top, spec.codepage)
        _qr(printer, ticket.status_url)
        _text(printer, bottom, spec.codepage)
    else:
        width = paper_width(printer.profile)
        _raster(printer, render_lines(top, width))
        _qr(printer, ticket.status_url)
        _raster(printer, render_lines(bottom, width))
    printer.cut()
    return printer.output, mode
