"""The web board says calls with the server's voice pack, in Debian's Chromium.

What the page plays is read from the audio graph itself: an init script tags every decoded
clip with the address it was fetched from and records every AudioBufferSourceNode.start (which
clip, when on the audio clock, how long). The pack is of 30 ms clips so ten calls are said in
seconds; the words and gaps are the page's own.
"""

from __future__ import annotations

import itertools
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from core.speech import CHIME, REPEAT, WORDS, announcement
from queue_server.db import schema as t
from queue_server.db.engine import make_engine
from tests.browser import ROOT
from tests.display.conftest import Hall
from tests.server.conftest import load_test_office
from tests.server.processes import ServerProcess

CLIP_S = 0.03
RECORD_PLAYS = """
(() => {
  const names = new WeakMap();
  window.__played = [];
  const fetchAsIs = window.fetch;
  window.fetch = async function (input, init) {
    const response = await fetchAsIs.call(this, input, init);
    const path = new URL(typeof input === "string" ? input : input.url, location.href).pathname;
    const read = response.arrayBuffer.bind(response);
    response.arrayBuffer = async () => {
      const data = await read();
      names.set(data, path);
      return data;
    };
    return response;
  };
  const decode = BaseAudioContext.prototype.decodeAudioData;
  BaseAudioContext.prototype.decodeAudioData = function (data, ...rest) {
    const path = names.get(data);
    return decode.call(this, data, ...rest).then(buffer => {
      names.set(buffer, path);
      return buffer;
    });
  };
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (when = 0, ...rest) {
    window.__played.push({ clip: names.get(this.buffer), when, seconds: this.buffer.duration });
    return start.call(this, when, ...rest);
  };
})();
"""


def write_short_pack(root: Path) -> None:
    clips = [("", CHIME)] + [(lang, clip) for lang, words in WORDS.items() for clip in words]
    for lang, clip in clips:
        path = root / lang / f"{clip}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(16000)
            wav.writeframes(b"\x10\x00" * round(CLIP_S * 16000))


@pytest.fixture
def voiced_hall(sqlite_url: str, tmp_path: Path) -> Iterator[Hall]:
    write_short_pack(tmp_path / "pack")
    office = load_test_office(sqlite_url)
    server = ServerProcess(
        sqlite_url,
        log_path=tmp_path / "server.log",
        env={"SWQ_VOICE_PACK_DIR": str(tmp_path / "pack")},
    ).start()
    yield Hall(server, office)
    server.stop()


def paths(
    number: str, counter: str, languages: tuple[str, ...], repeat: int = 1, chime: bool = True
) -> list[str]:
    """The clips the Kivy board says for a call (core.speech), as the page fetches them."""
    clips = announcement(number, counter, languages, repeat, chime)
    return [
        f"/voice/default/{lang}/{clip}.wav" if lang else f"/voice/default/{clip}.wav"
        for lang, clip in clips
        if (lang, clip) != REPEAT
    ]


def open_board(browser: Browser, hall: Hall, query: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.add_init_script(RECORD_PLAYS)
    page.goto(f"{hall.url}/board?{query}")
    expect(page.locator("#newest-number")).to_have_text("\N{EN DASH}")
    return page


def played(page: Page, count: int) -> list[dict[str, Any]]:
    page.wait_for_function("n => window.__played.length >= n", arg=count, timeout=60_000)
    page.wait_for_timeout(300)  # nothing more than expected comes
    return page.evaluate("window.__played")


def test_calls_are_said_in_order_never_overlapping_as_each_board_is_set(
    browser: Browser, voiced_hall: Hall
) -> None:
    hall = voiced_hall
    both = open_board(browser, hall, "voice=th,en&repeat=2")
    muted = open_board(browser, hall, "voice=off")
    thai = open_board(browser, hall, "voice=th")
    office = open_board(browser, hall, "")
    # A browser keeps a page's audio suspended until someone touches it (headless Chromium does
    # so only for some pages, so the test suspends it as such a browser leaves it). The board
    # says so, keeps the call, and says it after the touch; a muted board has nothing to ask for.
    for page in (both, thai, office):
        page.bring_to_front()
        page.mouse.click(10, 10)
        expect(page.locator("#sound-note")).to_be_hidden()
    thai.evaluate("voice.ctx.suspend()")
    muted.evaluate("voice.ctx.suspend()")
    expect(thai.locator("#sound-note")).to_have_text(
        "แตะหน้าจอเพื่อเปิดเสียงเรียกคิว · Tap the screen to turn on the call voice"
    )
    expect(muted.locator("#sound-note")).to_be_hidden()

    tickets = [hall.issue("A") for _ in range(11)]
    calls = [hall.call_next("1")]
    expect(thai.locator("#newest-number")).to_have_text(calls[0]["number"])
    thai.wait_for_timeout(500)
    assert thai.evaluate("window.__played") == []
    thai.mouse.click(10, 10)
    expect(thai.locator("#sound-note")).to_be_hidden()
    first = paths(calls[0]["number"], "1", ("th", "en"), repeat=2)
    assert [p["clip"] for p in played(both, len(first))] == first

    for i in range(1, 11):  # a burst: counters 1 and 3 take turns, each finishing its last ticket
        counter = "3" if i % 2 else "1"
        if i >= 2:
            hall.act(calls[i - 2]["id"], "done", counter)
        calls.append(hall.call_next(counter))
    assert {c["id"] for c in calls} == {t["id"] for t in tickets}
    expected = [clip for c in calls for clip in paths(c["number"], c["counter"], ("th",))]
    heard = played(thai, len(expected))
    assert [p["clip"] for p in heard] == expected
    for before, after in itertools.pairwise(heard):
        assert after["when"] >= before["when"] + before["seconds"] - 1e-6, (before, after)
    chimes = [p["when"] for p in heard if p["clip"] == "/voice/default/chime.wav"]
    assert all(b - a >= 0.6 for a, b in itertools.pairwise(chimes))

    assert muted.evaluate("window.__played") == []

    # The admin turns the chime off and the voice to English; the boards read the office
    # document (every half minute; here at once), and a board's own setting still holds.
    engine = make_engine(hall.server.database_url)
    with engine.begin() as conn:
        sound = {"chime": False, "languages": "en", "repeat": 1, "volume": 80}
        conn.execute(
            sa.update(t.offices).values(sound={**sound, "quiet_from": "", "quiet_until": ""})
        )
    engine.dispose()
    assert [p["clip"] for p in played(office, len(expected))] == expected  # the office's: th
    before = {page: len(page.evaluate("window.__played")) for page in (thai, office)}
    for page in (thai, office):
        page.evaluate("readOffice()")
    last = hall.issue("A")
    hall.act(calls[9]["id"], "done", "3")
    assert hall.call_next("3")["id"] == last["id"]
    for page, langs in ((thai, ("th",)), (office, ("en",))):
        said = paths(last["number"], "3", langs, chime=False)
        assert [p["clip"] for p in played(page, before[page] + len(said))[before[page] :]] == said
    # The page's words for other counters are the Kivy board's too (numbers, teens, letters).
    for number, counter in [("Z999", "10"), ("B010", "11"), ("C101", "21"), ("A000", "99")]:
        for langs in (("th",), ("en",), ("th", "en")):
            said = both.evaluate(
                "([n, c, l]) => BoardVoice.announcement(n, c, l)", [number, counter, list(langs)]
            )
            assert [tuple(pair) for pair in said] == announcement(number, counter, langs)
    for page in (both, muted, thai, office):
        page.close()


def test_the_server_ships_the_kivy_boards_default_pack() -> None:
    shipped = ROOT / "queue_server" / "voice" / "default"
    kivy = ROOT / "display" / "voice" / "default"
    names = sorted(p.relative_to(kivy) for p in kivy.rglob("*.wav"))
    assert names == sorted(p.relative_to(shipped) for p in shipped.rglob("*.wav"))
    for name in names:
        assert (shipped / name).read_bytes() == (kivy / name).read_bytes(), name


def test_the_server_serves_the_pack_and_refuses_what_is_not_a_clip(hall: Hall) -> None:
    chime = requests.get(f"{hall.url}/voice/default/chime.wav", timeout=10)
    assert chime.status_code == 200 and chime.content[:4] == b"RIFF"
    assert requests.get(f"{hall.url}/voice/default/th/A.wav", timeout=10).status_code == 200
    for bad in (
        "default/../settings.py",
        "default/th/nothing.wav",
        "default/xx/A.wav",
        "default/th/A.mp3",
        f"{'0' * 64}/th/A.wav",
        "chime.wav",
    ):
        response = requests.get(f"{hall.url}/voice/{bad}", timeout=10)
        assert response.status_code == 404, bad
    refused = requests.get(f"{hall.url}/board?voice=fr", timeout=10)
    assert refused.status_code == 400 and "voice" in refused.text
    assert requests.get(f"{hall.url}/board?repeat=9", timeout=10).status_code == 400
