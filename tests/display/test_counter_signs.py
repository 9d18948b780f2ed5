"""SWQ-SIGN/1 frames, and the bytes that reach a sign through a real pty pair (socat)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from display import sign_protocol
from display.board_model import BoardModel
from display.counter_signs import CounterSigns, SerialLine, parse_addresses


def test_the_documented_example_frame() -> None:
    # The example in sign_protocol's docstring and display/voice/README.md, byte for byte.
    assert sign_protocol.show(3, "A012") == bytes.fromhex("02 30 33 4E 41 30 31 32 03 33 43")
    assert sign_protocol.show(3, "A012", flash=True) == b"\x0203FA012\x0334"
    assert sign_protocol.clear(3) == b"\x0203C\x0343"
    assert sign_protocol.decode(sign_protocol.show(12, "B7")) == (12, "N", "B7")


@pytest.mark.parametrize(
    ("address", "text"), [(100, "A1"), (-1, "A1"), (1, "a001"), (1, "A0123456789"), (1, "ก1")]
)
def test_bad_frames_are_refused(address: int, text: str) -> None:
    with pytest.raises(sign_protocol.SignProtocolError):
        sign_protocol.show(address, text)


def test_a_damaged_frame_fails_its_checksum() -> None:
    frame = bytearray(sign_protocol.show(1, "A001"))
    frame[5] ^= 0x01
    with pytest.raises(sign_protocol.SignProtocolError, match="checksum"):
        sign_protocol.decode(bytes(frame))


def test_the_sign_map_is_checked() -> None:
    assert parse_addresses("1=1, 2=5,10=7") == {"1": 1, "2": 5, "10": 7}
    for bad in ("1", "1=x", "1=100", "=3"):
        with pytest.raises(ValueError):
            parse_addresses(bad)


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[tuple[str, str]]:
    board, sign = tmp_path / "board", tmp_path / "sign"
    socat = subprocess.Popen(
        ["socat", f"pty,raw,echo=0,link={board}", f"pty,raw,echo=0,link={sign}"],
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not (board.exists() and sign.exists()):
        assert time.monotonic() < deadline, "socat made no pty pair"
        time.sleep(0.05)
    yield str(board), str(sign)
    socat.terminate()
    socat.wait(timeout=10)


def read_frames(port: serial.Serial, count: int) -> list[bytes]:
    frames: list[bytes] = []
    buffer = b""
    deadline = time.monotonic() + 10
    while len(frames) < count and time.monotonic() < deadline:
        buffer += port.read(64)
        while b"\x03" in buffer and len(buffer) >= buffer.index(b"\x03") + 3:
            end = buffer.index(b"\x03") + 3
            frames.append(buffer[:end])
            buffer = buffer[end:]
    return frames


def test_board_events_reach_the_signs_through_a_pty_pair(pty_pair: tuple[str, str]) -> None:
    board_end, sign_end = pty_pair
    model = BoardModel()
    model.resync(
        {
            "last_event_id": 0,
            "calls": [],
            "counters": [
                {"code": "1", "name": "ช่องบริการ 1", "status": "open", "number": None},
                {"code": "3", "name": "ช่องบริการ 3", "status": "open", "number": None},
            ],
        }
    )
    signs = CounterSigns(SerialLine(board_end), {"1": 1, "3": 7})
    with serial.Serial(sign_end, 9600, timeout=0.2) as sign:
        signs.update(model.state())
        call = model.apply(
            1,
            "ticket.called",
            {"ticket_id": "t1", "number": "A012", "counter": "3", "service": "A", "at": ""},
        )
        signs.update(model.state(), call)
        model.apply(2, "ticket.done", {"number": "A012", "counter": "3"})
        signs.update(model.state())
        frames = read_frames(sign, 4)
    signs.close()
    assert frames == [
        b"\x0201C\x0341",  # the first update clears every sign it drives
        b"\x0207C\x0347",
        sign_protocol.show(7, "A012", flash=True),
        sign_protocol.clear(7),
    ]
    assert [sign_protocol.decode(f)[:2] for f in frames] == [(1, "C"), (7, "C"), (7, "F"), (7, "C")]


def test_an_unplugged_line_is_retried_and_gets_every_number_again(tmp_path: Path) -> None:
    signs = CounterSigns(SerialLine(str(tmp_path / "no-such-tty")))
    model = BoardModel()
    model.resync(
        {
            "last_event_id": 0,
            "calls": [],
            "counters": [{"code": "2", "name": "2", "status": "open", "number": "B001"}],
        }
    )
    signs.update(model.state())  # logs and keeps going: no exception reaches the board
    line = SerialLine("loop://")
    signs = CounterSigns(line)
    signs.update(model.state())
    assert line._port is not None
    assert line._port.read(64) == sign_protocol.show(2, "B001")
