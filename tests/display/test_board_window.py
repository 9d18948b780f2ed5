"""The real Kivy board (offscreen SDL, one window per process) against a real server."""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
import wave
from array import array
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.speech import CHIME, TH_WORDS, phrase
from queue_server.board_layout import BoardLayout
from queue_server.db import schema as t
from queue_server.db.engine import make_engine
from tests.browser import ROOT, SCREENSHOTS
from tests.display.conftest import NOTICE_EN, NOTICE_TH, Hall

RAW_RATE = 44100  # Kivy opens SDL audio as 44.1 kHz, 16-bit, stereo


def board_env(tmp_path: Path, audio_file: Path) -> dict[str, str]:
    kivy_home = tmp_path / "kivy"
    kivy_home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "SDL_VIDEODRIVER": "offscreen",
        "SDL_AUDIODRIVER": "disk",
        "SDL_DISKAUDIOFILE": str(audio_file),
        "KIVY_NO_ARGS": "1",
        "KIVY_LOG_MODE": "PYTHON",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(kivy_home),
    }


def start_board(tmp_path: Path, hall: Hall, *args: str) -> subprocess.Popen[str]:
    with open(tmp_path / "board.log", "w") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "tests.display.board_driver", "--server", hall.url, *args],
            cwd=ROOT,
            env=board_env(tmp_path, tmp_path / "audio.raw"),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )


def wait_ready(board: subprocess.Popen[str]) -> None:
    assert board.stdout is not None
    for line in board.stdout:
        if line.strip() == "READY":
            return
    pytest.fail("the board never came online")


def result_of(board: subprocess.Popen[str], tmp_path: Path, timeout: float = 100) -> dict[str, Any]:
    out, _ = board.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    assert board.returncode == 0 and lines, (tmp_path / "board.log").read_text()[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


@pytest.mark.parametrize("size", ["1920x1080", "1366x768", "1080x1920"])
def test_a_call_made_through_the_api_appears_on_the_board(
    hall: Hall, tmp_path: Path, size: str
) -> None:
    hall.issue("A")
    hall.issue("B")
    hall.call_next("1")
    board = start_board(
        tmp_path,
        hall,
        "--size",
        size,
        "--expect",
        "B001",
        "--screenshot",
        str(SCREENSHOTS / f"board-kivy-{size}.png"),
    )
    wait_ready(board)
    hall.call_next("2")  # a live call, after the board is up
    shown = result_of(board, tmp_path)
    assert shown["size"] == [int(n) for n in size.split("x")]
    assert shown["newest"] == "B001"
    assert shown["newest_counter"] == "เชิญที่ ช่องบริการ 2\nPlease go to Counter 2"
    assert shown["calls"] == [["A001", "1"]]
    assert shown["tiles"] == [
        ["Counter 1", "A001"],
        ["Counter 2", "B001"],
        ["Counter 3", "\N{EN DASH}"],
    ]
    assert shown["office"] == "ศูนย์บริการร่วม จังหวัดอุดรธานี"
    assert "พ.ศ. 25" in shown["date_th"]
    assert NOTICE_TH in shown["notice"] and NOTICE_EN in shown["notice"]
    # Too long for one line together, the notice shows a still page per language.
    assert shown["notice_pages"] == [NOTICE_TH, NOTICE_EN]
    assert shown["overflow"] == []
    assert shown["clipped"] == []
    assert (SCREENSHOTS / f"board-kivy-{size}.png").stat().st_size > 20_000


# A pack of pure tones, one frequency per clip, so the recorded output can be read back clip by
# clip: which clips played, in which order, and whether two announcements ever overlapped.
TONE_CLIPS = (CHIME, *TH_WORDS)
TONE_RATE = 16000
TONE_S = {CHIME: 0.2}


def frequency(clip: str) -> float:
    return 300.0 + 50.0 * TONE_CLIPS.index(clip)


def write_tone_pack(root: Path) -> None:
    for clip in TONE_CLIPS:
        path = root / f"{clip}.wav" if clip == CHIME else root / "th" / f"{clip}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        n = round(TONE_S.get(clip, 0.1) * TONE_RATE)
        fade = round(0.005 * TONE_RATE)
        samples = array(
            "h",
            (
                round(
                    12000
                    * min(1, i / fade, (n - i) / fade)
                    * math.sin(2 * math.pi * frequency(clip) * i / TONE_RATE)
                )
                for i in range(n)
            ),
        )
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(TONE_RATE)
            wav.writeframes(samples.tobytes())


def heard(raw: Path) -> list[tuple[str, float, float]]:
    """(clip, start s, length s) of every tone in SDL's output file."""
    data = array("h", raw.read_bytes())
    left = data[::2]
    block = RAW_RATE // 200  # 5 ms
    loud = [
        max(map(abs, left[i : i + block]), default=0) > 2000 for i in range(0, len(left), block)
    ]
    tones = []
    i = 0
    while i < len(loud):
        if not loud[i]:
            i += 1
            continue
        j = i
        while j < len(loud) and loud[j]:
            j += 1
        part = left[i * block : j * block]
        crossings = [k for k in range(1, len(part)) if (part[k - 1] < 0) != (part[k] < 0)]
        seconds = len(part) / RAW_RATE
        freq = (len(crossings) - 1) / 2 / ((crossings[-1] - crossings[0]) / RAW_RATE)
        clip = min(TONE_CLIPS, key=lambda c: abs(frequency(c) - freq))
        assert abs(frequency(clip) - freq) < 20, f"a tone of {freq:.0f} Hz is no clip: overlap?"
        tones.append((clip, i * block / RAW_RATE, seconds))
        i = j
    return tones


def test_ten_calls_in_a_burst_are_announced_in_order_without_overlap(
    hall: Hall, tmp_path: Path
) -> None:
    pack = tmp_path / "pack"
    write_tone_pack(pack)
    tickets = [hall.issue("A") for _ in range(10)]
    board = start_board(
        tmp_path,
        hall,
        "--expect",
        tickets[-1]["number"],
        "--voice",
        "th",
        "--voice-pack",
        str(pack),
        "--announcements",
        "10",
    )
    wait_ready(board)
    calls = []
    for i in range(10):  # counters 1 and 3 take turns, each finishing its previous ticket
        counter = "1" if i % 2 == 0 else "3"
        if i >= 2:
            hall.act(calls[i - 2]["id"], "done", counter)
        calls.append(hall.call_next(counter))
    shown = result_of(board, tmp_path)

    announced = shown["announced"]
    assert [(a["number"], a["counter"]) for a in announced] == [
        (c["number"], c["counter"]) for c in calls
    ]
    for a, b in itertools.pairwise(announced):
        assert b["started_at"] >= a["started_at"] + a["seconds"]

    tones = heard(tmp_path / "audio.raw")
    expected = []
    for c in calls:
        expected += [CHIME, *phrase(c["number"], c["counter"], "th")]
    assert [clip for clip, _, _ in tones] == expected
    for clip, _, seconds in tones:
        assert seconds == pytest.approx(TONE_S.get(clip, 0.1), abs=0.03)
    chimes = [(start, seconds) for clip, start, seconds in tones if clip == CHIME]
    ends = [start + seconds for clip, start, seconds in tones]
    # Each announcement's last clip ends before the next chime: none overlap.
    for k, (start, _) in enumerate(chimes[1:], start=1):
        last_of_previous = max(e for e, (clip, s, _) in zip(ends, tones, strict=True) if s < start)
        assert last_of_previous < start, f"announcement {k} overlaps the next"


def test_a_board_following_the_office_says_each_call_as_the_admin_set_it(
    hall: Hall, tmp_path: Path
) -> None:
    sound = {"chime": False, "languages": "th", "repeat": 2, "volume": 50}
    engine = make_engine(hall.server.database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.offices).values(sound={**sound, "quiet_from": "", "quiet_until": ""})
        )
    engine.dispose()
    pack = tmp_path / "pack"
    write_tone_pack(pack)
    ticket = hall.issue("A")
    board = start_board(
        tmp_path,
        hall,
        *("--expect", ticket["number"], "--voice", "office", "--voice-pack", str(pack)),
        *("--announcements", "1"),
    )
    wait_ready(board)
    call = hall.call_next("1")
    result_of(board, tmp_path)
    # No chime, the call said twice, at half the volume.
    said = phrase(call["number"], call["counter"], "th")
    tones = heard(tmp_path / "audio.raw")
    assert [clip for clip, _, _ in tones] == said * 2
    peak = max(map(abs, array("h", (tmp_path / "audio.raw").read_bytes())))
    assert 0.35 * 12000 < peak < 0.65 * 12000  # the tone pack's peak is 12000


def test_the_board_takes_its_layout_and_the_office_branding_from_the_server(
    hall: Hall, sqlite_url: str, tmp_path: Path
) -> None:
    """A board started with its display token shows the layout the admin chose for that token
    (one column of counters, the waiting counts, a portrait screen on a landscape window: the
    board turned a quarter) and the office's colours and logo."""
    from tests.kiosk.test_branding import brand

    brand(sqlite_url, hall.office.code)
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.tokens)
            .where(t.tokens.c.role == "display", t.tokens.c.office == hall.office.code)
            .values(
                board_layout=BoardLayout(
                    orientation="portrait", columns=1, waiting_counts=True
                ).to_json()
            )
        )
    engine.dispose()
    hall.issue("A")
    hall.issue("B")
    hall.call_next("1")
    shot = SCREENSHOTS / "board-kivy-branded-portrait.png"
    board = start_board(
        tmp_path,
        hall,
        "--token",
        hall.office.tokens["display"],
        "--expect",
        "A001",
        "--waiting",
        "4",
        "--logo",
        "--screenshot",
        str(shot),
    )
    wait_ready(board)
    shown = result_of(board, tmp_path)
    assert shown["rotation"] == 90
    assert shown["size"] == [1080, 1920]  # the window is 1920x1080, the board stands up
    assert shown["counter_cols"] == 1
    assert shown["waiting"] == [
        ["Civil registration", "0"],
        ["ID card", "1"],
        ["Tax filing", "0"],
        ["Tax refund", "0"],
    ]
    assert [round(c * 255) for c in shown["primary"]] == [0, 51, 102, 255]
    assert [round(c * 255) for c in shown["accent"]] == [255, 215, 0, 255]
    assert shown["logo"] == [600, 300]
    assert shown["overflow"] == []
    assert shot.stat().st_size > 20_000


# Every layout at every resolution, on the real board: one board process per resolution, the
# layouts applied one after another as a change from the admin page would be.
LAYOUT_SIZES = ["1280x720", "1920x1080", "3840x2160", "1080x1920"]
LAYOUTS = [
    BoardLayout(orientation=o, columns=c, waiting_counts=w).to_json()
    for o, c, w in itertools.product(("landscape", "portrait"), (1, 2), (False, True))
]


@pytest.mark.parametrize("size", LAYOUT_SIZES)
def test_the_board_is_readable_at_every_layout(hall: Hall, tmp_path: Path, size: str) -> None:
    """No text larger than its label, no label over another or off the screen, nothing below
    the reading rule (what the hall reads at the rule's size for 10 m on a 55-inch screen, dates
    and notice at the near floor), in Thai and in English; the calls before the newest are
    whole rows, as many as fit."""
    set_layout(hall, BoardLayout(waiting_counts=True).to_json())  # the feed reads the services
    for _ in range(10):
        hall.issue("A")
    calls = []
    for i in range(9):  # a full history: counters 1 and 3 take turns
        counter = "1" if i % 2 == 0 else "3"
        if i >= 2:
            hall.act(calls[i - 2]["id"], "done", counter)
        calls.append(hall.call_next(counter))
    shots = SCREENSHOTS / f"board-kivy-layout-{size}"
    board = start_board(
        tmp_path,
        hall,
        *("--size", size, "--token", hall.office.tokens["display"], "--waiting", "4"),
        *("--expect", calls[-1]["number"], "--screenshot", str(shots)),
        *("--layouts", json.dumps(LAYOUTS)),
    )
    shown = result_of(board, tmp_path, timeout=300)
    checked = shown["layouts"]
    assert len(checked) == 2 * len(LAYOUTS)
    faults = {name: c["faults"] for name, c in checked.items() if c["faults"]}
    (shots / "faults.txt").write_text(json.dumps(faults, ensure_ascii=False, indent=1))
    assert faults == {}
    width, height = (int(n) for n in size.split("x"))
    px_per_cm = math.hypot(width, height) / (55 * 2.54)
    for name, c in checked.items():
        board_width, board_height = c["size"]
        assert (board_height > board_width) == ("portrait" in name), name
        # 10 m: letters of 2.8 cm, Sarabun's Thai consonant body being 0.586 of the font size.
        assert c["far"] == pytest.approx(10 / 3.6 / 0.586 * px_per_cm, rel=0.01)
        assert c["counter_cols"] == (1 if "1col" in name else 2)
        assert c["waiting"] == (4 if "waiting" in name else 0), name
        # The calls before the newest: as many whole rows as fit (eight at most: the history).
        room = c["calls_room"] + (c["calls_head"] - c["far"] * 1.5)
        assert c["calls"] == min(8, int((room + 1) // c["call_row"])), name
        if "landscape" in name:
            assert c["calls"] >= 1, name
    assert (shots / "portrait-2col-waiting-th.png").stat().st_size > 20_000


def set_layout(hall: Hall, layout: dict[str, Any]) -> None:
    """What the admin's Devices page stores for the office's display token."""
    engine = make_engine(hall.server.database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.tokens)
            .where(t.tokens.c.role == "display", t.tokens.c.office == hall.office.code)
            .values(board_layout=layout)
        )
    engine.dispose()
