"""Drives the LED number signs above the counters from the board's state (SWQ-SIGN/1).

The line is opened by URL with pyserial's `serial_for_url`: `/dev/ttyUSB0`, `rfc2217://host:port`,
`socket://host:port`, `loop://`. A sign that was unplugged gets every number again once the line
opens again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import serial

from display import sign_protocol
from display.board_model import BoardState, Call

log = logging.getLogger(__name__)


class SignLineError(OSError):
    """The serial line could not be opened or written."""


class SerialLine:
    def __init__(self, url: str, baudrate: int = 9600) -> None:
        self.url = url
        self.baudrate = baudrate
        self._port: serial.SerialBase | None = None

    def write(self, frame: bytes) -> None:
        try:
            if self._port is None:
                self._port = serial.serial_for_url(
                    self.url, baudrate=self.baudrate, timeout=1, write_timeout=2
                )
            self._port.write(frame)
            self._port.flush()
        except (serial.SerialException, OSError, ValueError) as exc:
            self.close()
            raise SignLineError(f"sign line {self.url}: {exc}") from exc

    def close(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            finally:
                self._port = None


def parse_addresses(text: str) -> dict[str, int]:
    """`1=1,2=2,10=7`: counter code = sign address."""
    addresses = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        counter, sep, address = item.partition("=")
        if not sep or not counter.strip() or not address.strip().isdigit():
            raise ValueError(f"sign map item {item!r} is not COUNTER=ADDRESS")
        value = int(address)
        if not 1 <= value <= 99:
            raise ValueError(f"sign address {value} for counter {counter} is not 1-99")
        addresses[counter.strip()] = value
    return addresses


class CounterSigns:
    def __init__(self, line: SerialLine, addresses: Mapping[str, int] | None = None) -> None:
        """Without an address map, counter "3" is sign 3 (numeric codes 1-99)."""
        self._line = line
        self._addresses = dict(addresses) if addresses else None
        self._shown: dict[int, str | None] = {}

    def address(self, counter: str) -> int | None:
        if self._addresses is not None:
            return self._addresses.get(counter)
        return int(counter) if counter.isdigit() and 1 <= int(counter) <= 99 else None

    def update(self, state: BoardState, call: Call | None = None) -> None:
        """Send what changed; a new call or recall flashes its counter's number."""
        try:
            for counter in state.counters:
                address = self.address(counter.code)
                if address is None:
                    continue
                flash = call is not None and call.counter == counter.code
                if flash or self._shown.get(address, "") != counter.number:
                    self._send(address, counter.number, flash)
        except SignLineError as exc:
            log.warning("%s", exc)
            self._shown.clear()  # resend everything once the line is back

    def _send(self, address: int, number: str | None, flash: bool) -> None:
        if number is None:
            frame = sign_protocol.clear(address)
        else:
            try:
                frame = sign_protocol.show(address, number.upper(), flash)
            except sign_protocol.SignProtocolError as exc:
                log.warning("counter sign %s: %s", address, exc)
                return
        self._line.write(frame)
        self._shown[address] = number

    def close(self) -> None:
        self._line.close()
