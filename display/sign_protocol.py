"""SWQ-SIGN/1: the bytes a counter's LED number sign understands. Pure: bytes out, no I/O.

One frame per command, all printable ASCII between STX and ETX, so a sign can resynchronise
on STX after line noise:

    STX  ADDR  CMD  TEXT  ETX  BCC
    0x02 "03"  "N"  "A012" 0x03 "3C"   (bytes 02 30 33 4E 41 30 31 32 03 33 43)

- ADDR: the sign's address, two decimal digits "01".."99"; "00" is every sign on the line.
- CMD: "N" show TEXT steady; "F" show TEXT flashing for a few seconds, then steady (a new call);
  "C" clear the sign (TEXT empty).
- TEXT: 0 to 8 characters from 0-9, A-Z, space and "-".
- BCC: XOR of every byte from ADDR to ETX inclusive, as two upper-case hexadecimal digits.

Line settings: 9600 baud, 8 data bits, no parity, 1 stop bit (RS-485 or RS-232); a sign sends
nothing back.
"""

from __future__ import annotations

import re
from functools import reduce

STX = 0x02
ETX = 0x03
BROADCAST = 0
SHOW = "N"
FLASH = "F"
CLEAR = "C"
MAX_TEXT = 8
_TEXT = re.compile(r"[0-9A-Z \-]*")


class SignProtocolError(ValueError):
    """A frame that cannot be sent: bad address, command or text."""


def checksum(body: bytes) -> bytes:
    return f"{reduce(lambda a, b: a ^ b, body, 0):02X}".encode("ascii")


def encode(address: int, command: str, text: str = "") -> bytes:
    if not 0 <= address <= 99:
        raise SignProtocolError(f"sign address must be 0-99, got {address} / ที่อยู่ป้ายต้องเป็น 0-99")
    if command not in (SHOW, FLASH, CLEAR):
        raise SignProtocolError(f"unknown sign command {command!r}")
    if command == CLEAR and text:
        raise SignProtocolError("a clear command carries no text")
    if len(text) > MAX_TEXT or not _TEXT.fullmatch(text):
        raise SignProtocolError(
            f"sign text must be up to {MAX_TEXT} of 0-9 A-Z space -, got {text!r}"
            f" / ข้อความบนป้ายไม่ถูกต้อง {text!r}"
        )
    body = f"{address:02d}{command}{text}".encode("ascii") + bytes([ETX])
    return bytes([STX]) + body + checksum(body)


def show(address: int, number: str, flash: bool = False) -> bytes:
    return encode(address, FLASH if flash else SHOW, number)


def clear(address: int) -> bytes:
    return encode(address, CLEAR)


def decode(frame: bytes) -> tuple[int, str, str]:
    """(address, command, text) of one frame; the checksum must match. For tests and tools."""
    if len(frame) < 7 or frame[0] != STX or frame[-3] != ETX:
        raise SignProtocolError(f"not a sign frame: {frame!r}")
    body = frame[1:-2]
    if checksum(body) != frame[-2:]:
        raise SignProtocolError(f"bad checksum in {frame!r}")
    text = body[:-1].decode("ascii")
    return int(text[:2]), text[2], text[3:]
