"""Reading a Thai ID card (kiosk.idcard) with fake cards and readers: the APDU exchange in its
T=0 and T=1 forms, cards that are not Thai ID cards, the polling thread, and the kiosk presenter
checking in with what was read. tests/kiosk/test_kiosk_idcard.py does it with pcscd and a
virtual reader."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

import pytest

from kiosk.api import Refused
from kiosk.idcard import (
    READ_CITIZEN_ID,
    SELECT_THAI_ID,
    CardUnreadable,
    CardWatcher,
    ReaderGone,
    get_response,
    read_citizen_id,
)
from kiosk.presenter import Screen
from tests.kiosk.fakes import FakeApi, office, presenter, ticket

CITIZEN = "1101700203450"
OK = (0x90, 0x00)


class FakeCard:
    """A card answering from a table of APDU -> (data, sw1, sw2); records what it was sent."""

    def __init__(self, answers: dict[tuple[int, ...], tuple[list[int], int, int]]) -> None:
        self.answers = answers
        self.sent: list[list[int]] = []
        self.closed = False

    def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]:
        self.sent.append(apdu)
        return self.answers.get(tuple(apdu), ([], 0x6D, 0x00))  # 6D00: instruction unknown

    def close(self) -> None:
        self.closed = True


def _digits(text: str) -> list[int]:
    return list(text.encode())


def thai_card_t0(citizen_id: str = CITIZEN) -> FakeCard:
    """As most Thai ID cards (T=0): the data waits behind 61 0D for GET RESPONSE."""
    return FakeCard(
        {
            tuple(SELECT_THAI_ID): ([], 0x61, 0x0A),
            tuple(get_response(0x0A)): ([0] * 10, *OK),
            tuple(READ_CITIZEN_ID): ([], 0x61, 0x0D),
            tuple(get_response(0x0D)): (_digits(citizen_id), *OK),
        }
    )


def test_reads_the_citizen_id_through_get_response() -> None:
    card = thai_card_t0()
    assert read_citizen_id(card) == CITIZEN
    assert card.sent == [
        SELECT_THAI_ID,
        get_response(0x0A),
        READ_CITIZEN_ID,
        get_response(0x0D),
    ]


def test_reads_data_given_at_once_or_after_a_bare_90_00() -> None:
    direct = FakeCard(
        {tuple(SELECT_THAI_ID): ([], *OK), tuple(READ_CITIZEN_ID): (_digits(CITIZEN), *OK)}
    )
    assert read_citizen_id(direct) == CITIZEN
    assert len(direct.sent) == 2
    later = FakeCard(
        {
            tuple(SELECT_THAI_ID): ([], *OK),
            tuple(READ_CITIZEN_ID): ([], *OK),
            tuple(get_response(13)): (_digits(CITIZEN), *OK),
        }
    )
    assert read_citizen_id(later) == CITIZEN


def test_other_cards_are_unreadable() -> None:
    bank_card = FakeCard({tuple(SELECT_THAI_ID): ([], 0x6A, 0x82)})  # applet not found
    with pytest.raises(CardUnreadable, match="6A 82"):
        read_citizen_id(bank_card)
    assert bank_card.sent == [SELECT_THAI_ID]  # nothing more is asked of a foreign card
    with pytest.raises(CardUnreadable, match="no valid citizen ID"):
        read_citizen_id(thai_card_t0("1101700203451"))  # check digit wrong

    class PulledOut(FakeCard):
        def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]:
            raise OSError("card removed")

    with pytest.raises(CardUnreadable, match="did not answer"):
        read_citizen_id(PulledOut({}))


class FakeReader:
    """Hands out the queued cards (None: a poll that timed out; an exception: a failure)."""

    def __init__(self, cards: list[object]) -> None:
        self.cards = cards
        self.drained = threading.Event()

    def next_card(self, timeout_s: float) -> object:
        if not self.cards:
            self.drained.set()
            threading.Event().wait(timeout_s)
            return None
        card = self.cards.pop(0)
        if isinstance(card, Exception):
            raise card
        return card


def test_the_watcher_hands_over_each_card_and_survives_a_failing_service(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.idcard")
    monkeypatch.setattr("kiosk.idcard.RETRY_S", 0.0)
    good, bad = thai_card_t0(), FakeCard({})
    gone = ReaderGone("SCARD_E_NO_SERVICE")
    reader = FakeReader([None, gone, gone, good, bad])
    read: list[str] = []
    unreadable: list[bool] = []
    watcher = CardWatcher(reader, read.append, lambda: unreadable.append(True), poll_s=0.01)
    watcher.start()
    assert reader.drained.wait(10)
    watcher.stop()
    assert read == [CITIZEN] and unreadable == [True]
    assert good.closed and bad.closed  # nothing held open once read
    assert caplog.text.count("not answering") == 1  # said once, not per retry
    assert CITIZEN not in caplog.text


def test_without_pcscd_the_kiosk_says_so_in_one_line() -> None:
    """pyscard installed, no PC/SC service at this socket: no reader, one clear log line."""
    script = (
        "import logging; logging.basicConfig(level=logging.INFO, format='%(message)s')\n"
        "from kiosk.idcard import open_pcsc_reader\n"
        "assert open_pcsc_reader() is None\n"
    )
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("ID card check-in off: the PC/SC service (pcscd) is not reachable")


class CardApi(FakeApi):
    def __init__(self) -> None:
        super().__init__()
        self.office_doc = office(bookings=True)
        self.citizen_ids: list[str] = []

    def check_in_citizen(self, citizen_id: str) -> object:
        self.citizen_ids.append(citizen_id)
        if self.refusal is not None:
            raise self.refusal
        return ticket("A007", "A", "appointment")


def test_the_presenter_checks_in_with_the_card() -> None:
    api = CardApi()
    p, *_ = presenter(api)
    p.card_read(CITIZEN)
    assert api.citizen_ids == [CITIZEN]
    assert p.screen is Screen.RESULT and p.ticket is not None and p.ticket.number == "A007"

    p.tap_result()
    api.refusal = Refused(404, "not_found", "no booking today", "ไม่พบการจองของวันนี้")
    p.card_read(CITIZEN)
    assert (p.screen, p.check_in_message) == (Screen.CHECK_IN, "ไม่พบการจองของวันนี้")
    p.back()
    p.card_unreadable()
    assert p.screen is Screen.CHECK_IN and p.check_in_message.startswith("อ่านบัตรประชาชนไม่ได้")


def test_a_kiosk_without_bookings_ignores_cards() -> None:
    api = CardApi()
    api.office_doc = office(bookings=False)
    p, *_ = presenter(api)
    p.card_read(CITIZEN)
    p.card_unreadable()
    assert (api.citizen_ids, p.screen) == ([], Screen.HOME)
