"""Reading the citizen ID from a Thai national ID card in a PC/SC reader, for check-in.

Only the 13-digit citizen ID is read (the card's public applet: SELECT, then the ID's record);
nothing else on the card is touched and nothing read is kept: the number goes to the server once,
which compares a keyed digest of it with the one the booking stored. The reader is a port
(`CardReader`), so the APDU exchange is tested with a fake card; `PcscReader` is the adapter for
pcscd through pyscard. Nothing here imports Kivy: `CardWatcher` polls the reader on its own
thread and hands what it read to callbacks, which the app posts to the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from core.citizen_id import LENGTH, is_citizen_id

log = logging.getLogger(__name__)

# The Thai ID card applet (AID A0 00 00 00 54 48 00 01) and its citizen-ID record: 13 ASCII
# digits at offset 4. Cards speaking T=0 answer the READ with 61 0D ("13 bytes waiting") and
# hand them over on GET RESPONSE; others answer with the data straight away.
SELECT_THAI_ID = [0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x00, 0x54, 0x48, 0x00, 0x01]
READ_CITIZEN_ID = [0x80, 0xB0, 0x00, 0x04, 0x02, 0x00, LENGTH]
OK = (0x90, 0x00)
BYTES_WAITING = 0x61
RETRY_S = 10.0  # after the PC/SC service failed, before asking it again


def get_response(length: int) -> list[int]:
    return [0x00, 0xC0, 0x00, 0x00, length]


class CardUnreadable(Exception):
    """Not a Thai ID card, pulled out too soon, or a card that answered something unexpected."""


class ReaderGone(Exception):
    """The PC/SC service or the reader stopped answering."""


class Card(Protocol):
    """A connection to the inserted card."""

    def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]: ...

    def close(self) -> None: ...


class CardReader(Protocol):
    def next_card(self, timeout_s: float) -> Card | None:
        """A connection to a card inserted from now on, or None when none came in `timeout_s`.
        Raises ReaderGone when the reader or the PC/SC service fails."""
        ...


def _command(card: Card, apdu: list[int]) -> list[int]:
    try:
        data, sw1, sw2 = card.transmit(apdu)
        if sw1 == BYTES_WAITING:
            data, sw1, sw2 = card.transmit(get_response(sw2))
    except CardUnreadable:
        raise
    except Exception as exc:  # the card was pulled out mid-read, or the reader failed
        raise CardUnreadable(f"card did not answer: {type(exc).__name__}") from None
    if (sw1, sw2) != OK:
        raise CardUnreadable(f"card answered {sw1:02X} {sw2:02X}")
    return list(data)


def read_citizen_id(card: Card) -> str:
    """The citizen ID of a Thai national ID card (checked against its check digit)."""
    _command(card, SELECT_THAI_ID)
    data = _command(card, READ_CITIZEN_ID)
    if not data:  # answered 90 00 without the data: it waits for GET RESPONSE
        data = _command(card, get_response(LENGTH))
    text = bytes(data[:LENGTH]).decode("ascii", errors="replace")
    if not is_citizen_id(text):
        raise CardUnreadable("the card holds no valid citizen ID")
    return text


class PcscReader:
    """Every PC/SC reader pcscd knows, through pyscard (imported only here). It remembers each
    reader's state between polls (SCardGetStatusChange), so a card inserted between two polls is
    not missed; a card found in a reader on the first poll counts as inserted (it may have gone
    in while the kiosk started), which at worst prints its ticket once more."""

    def __init__(self) -> None:
        from smartcard import scard

        self._scard = scard
        self._context: int | None = None
        self._states: dict[str, int] = {}  # reader -> its last event state
        self._connect()

    def _connect(self) -> None:
        scard = self._scard
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderGone(scard.SCardGetErrorMessage(hresult))
        self._context, self._states = context, {}

    def readers(self) -> list[str]:
        scard = self._scard
        if self._context is None:
            self._connect()
        hresult, names = scard.SCardListReaders(self._context, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            self._context = None  # pcscd restarted: a new context next time
            raise ReaderGone(scard.SCardGetErrorMessage(hresult))
        return list(names)

    def next_card(self, timeout_s: float) -> Card | None:
        scard = self._scard
        names = self.readers()
        if not names:
            threading.Event().wait(timeout_s)
            return None
        asked = [(name, self._states.get(name, scard.SCARD_STATE_UNAWARE)) for name in names]
        hresult, states = scard.SCardGetStatusChange(self._context, int(timeout_s * 1000), asked)
        if hresult == scard.SCARD_E_TIMEOUT:
            return None
        if hresult != scard.SCARD_S_SUCCESS:
            self._context = None
            raise ReaderGone(scard.SCardGetErrorMessage(hresult))
        inserted = None
        for name, event, _atr in states:
            before = self._states.get(name, scard.SCARD_STATE_UNAWARE)
            self._states[name] = event & ~scard.SCARD_STATE_CHANGED
            present = bool(event & scard.SCARD_STATE_PRESENT)
            if present and not before & scard.SCARD_STATE_PRESENT and inserted is None:
                inserted = name
        return self._open(inserted) if inserted is not None else None

    def _open(self, name: str) -> Card | None:
        from smartcard.pcsc.PCSCReader import PCSCReader

        connection = PCSCReader(name).createConnection()
        try:
            connection.connect()
        except Exception:
            return None  # pulled out at once, or a card the reader cannot power: wait again
        return _PcscCard(connection)


class _PcscCard:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]:
        data, sw1, sw2 = self._connection.transmit(apdu)
        return list(data), int(sw1), int(sw2)

    def close(self) -> None:
        try:
            self._connection.disconnect()
            self._connection.release()  # its PC/SC context too, not left to the collector
        except Exception as exc:  # the card is already out: nothing left to close
            log.debug("ID card: disconnect: %s", type(exc).__name__)


def open_pcsc_reader() -> PcscReader | None:
    """The PC/SC reader, or None (said in one log line) when pyscard, pcscd or a reader is
    missing: the kiosk then works as before, by booking code only. Said once at start, as a
    warning: the level a kiosk's log shows."""
    try:
        import smartcard.scard  # noqa: F401 - only to know pyscard is there
    except ImportError:
        log.warning("ID card check-in off: pyscard is not installed (pip install 'swq[kiosk]')")
        return None
    try:
        reader = PcscReader()
        found = reader.readers()
    except ReaderGone as exc:
        log.warning("ID card check-in off: the PC/SC service (pcscd) is not reachable (%s)", exc)
        return None
    if not found:
        log.warning("ID card check-in off: pcscd runs but no card reader is connected")
        return None
    log.warning("ID card check-in on: reader %s", ", ".join(found))
    return reader


class CardWatcher:
    """Polls the reader on its own thread; each inserted card's citizen ID goes to
    `on_citizen_id`, a card that cannot be read to `on_unreadable` (both called on this thread)."""

    def __init__(
        self,
        reader: CardReader,
        on_citizen_id: Callable[[str], None],
        on_unreadable: Callable[[], None],
        poll_s: float = 1.0,
    ) -> None:
        self._reader = reader
        self._on_citizen_id = on_citizen_id
        self._on_unreadable = on_unreadable
        self._poll_s = poll_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiosk-idcard", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        failing = False
        while not self._stopped.is_set():
            try:
                card = self._reader.next_card(self._poll_s)
            except ReaderGone as exc:
                if not failing:  # said once, not every retry
                    log.warning("ID card reader not answering, retrying: %s", exc)
                failing = True
                self._stopped.wait(RETRY_S)
                continue
            if failing:
                log.info("ID card reader answers again")
                failing = False
            if card is not None:
                self._read(card)

    def _read(self, card: Card) -> None:
        try:
            citizen_id = read_citizen_id(card)
        except CardUnreadable as exc:
            log.info("ID card not read: %s", exc)  # never the card's data
            self._on_unreadable()
            return
        finally:
            card.close()
        self._on_citizen_id(citizen_id)
