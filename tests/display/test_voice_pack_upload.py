"""A voice pack recorded by the office goes live through the real admin page: refused packs name
their clips and change nothing, a good one is said by a web board in Chromium and a Kivy board
(its own process, offscreen) that are already running, without a file copied by hand."""

from __future__ import annotations

import io
import subprocess
import wave
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from core.speech import pack_paths
from display.feed import BoardFeed, FeedError
from display.pack_cache import PackCache
from display.voice_pack import VoicePack, wav_seconds
from queue_server.db.database import Database
from queue_server.voice_packs.pack import checked
from queue_server.voice_packs.store import save_pack
from tests.browser import SCREENSHOTS
from tests.display.conftest import Hall
from tests.display.test_board_window import result_of, start_board, wait_ready
from tests.display.test_web_board_voice import RECORD_PLAYS, played
from tests.server.people import add_user
from tests.voice_files import pack_files, tone, zipped

ADMIN, PASSWORD = "voice-admin", "voice-admin-password-1"
WORD_S = 0.12  # the recorded words: shorter than any of the stand-in's


def upload(page: Page, tmp_path: Path, name: str, files: dict[str, bytes]) -> None:
    path = tmp_path / name
    path.write_bytes(zipped(files, "ourvoice/"))
    page.set_input_files("#upload-pack input[name=pack]", path)
    page.click("#upload-pack button[type=submit]")


def office_pack(hall: Hall) -> str | None:
    answer = requests.get(f"{hall.url}/api/v1/voice-pack", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["version"]


def wait_for_pack(board_stdout: object, folder: Path) -> None:
    for line in board_stdout:  # type: ignore[attr-defined]
        if line.strip() == f"PACK {folder}":
            return
    raise AssertionError(f"the Kivy board never switched to {folder}")


@pytest.fixture
def kivy_board(hall: Hall, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """The Kivy board with a display token and a voice cache of its own, already running."""
    board = start_board(
        tmp_path,
        hall,
        "--voice", "th",
        "--voice-cache", str(tmp_path / "voice-cache"),
        "--token", hall.office.tokens["display"],
        "--expect", "A001",
        "--announcements", "1",
    )  # fmt: skip
    yield board
    if board.poll() is None:  # the test failed before the board finished
        board.kill()
        board.communicate()


def test_a_recorded_pack_goes_live_on_running_boards_and_a_bad_one_changes_nothing(
    browser: Browser, hall: Hall, kivy_board: subprocess.Popen[str], tmp_path: Path
) -> None:
    add_user(hall.server.database_url, hall.office.code, ADMIN, PASSWORD, role="admin")
    cache = tmp_path / "voice-cache"
    kivy = kivy_board
    board = browser.new_page(viewport={"width": 1280, "height": 720})
    board.add_init_script(RECORD_PLAYS)
    board.goto(f"{hall.url}/board?voice=th")
    board.mouse.click(10, 10)  # the one tap a browser wants before it plays sound
    expect(board.locator("#sound-note")).to_be_hidden()
    assert board.evaluate("voice.pack.version") == "default"

    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    admin.add_init_script(RECORD_PLAYS)
    admin.goto(f"{hall.url}/login")
    admin.fill("#username", ADMIN)
    admin.fill("#password", PASSWORD)
    admin.click("#sign-in")
    admin.goto(f"{hall.url}/admin/voice")

    # Recorded at 16 kHz, 24-bit: the upload converts them. One clip left out, then one broken.
    good = pack_files(WORD_S, rate=16000, stereo=False)
    lacking = {path: data for path, data in good.items() if path != "th/7.wav"}
    upload(admin, tmp_path, "lacking.zip", lacking)
    expect(admin.locator("#missing-clips li")).to_have_text(["th/7.wav"])
    broken = {**good, "en/counter.wav": b"RIFF\x00\x00 this is no recording", "th/5.wav": tone(6)}
    upload(admin, tmp_path, "broken.zip", broken)
    expect(admin.locator("#bad-clips li")).to_have_count(2)
    expect(admin.locator('#bad-clips li[data-clip="th/5.wav"]')).to_contain_text("6.0")
    expect(admin.locator('#bad-clips li[data-clip="en/counter.wav"]')).to_contain_text(
        "ไม่ใช่ไฟล์เสียง"
    )
    expect(admin.locator("#voice-packs tbody tr")).to_have_count(1)  # the stand-in only
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin.screenshot(path=SCREENSHOTS / "admin-voice-refused.png", full_page=True)
    assert office_pack(hall) is None  # the stand-in, as before
    stand_in = requests.get(f"{hall.url}/voice/default/th/7.wav", timeout=10)
    assert stand_in.status_code == 200

    upload(admin, tmp_path, "ourvoice.zip", good)
    expect(admin.locator("#voice-packs tbody tr")).to_have_count(2)
    row = admin.locator("#voice-packs tbody tr").nth(1)
    version = row.get_attribute("data-version")
    assert version is not None and office_pack(hall) is None  # stored, not yet the office's
    wait_ready(kivy)  # the board is online before the pack goes live, so it switches live
    row.get_by_role("button").click()
    expect(admin.locator("#current-pack [data-version]")).to_have_attribute("data-version", version)
    admin.screenshot(path=SCREENSHOTS / "admin-voice.png", full_page=True)
    assert office_pack(hall) == version
    # The admin listens to a call in both languages with the new pack, as the boards say it.
    admin.fill("#voice-preview input[name=number]", "B27")
    admin.fill("#voice-preview input[name=counter]", "12")
    admin.click("#voice-preview button[type=submit]")
    expected = [
        f"/voice/{version}/{path}"
        for path in (
            "chime.wav",
            *("th/number.wav", "th/B.wav", "th/2.wav", "th/7.wav", "th/counter.wav"),
            *("th/10.wav", "th/2.wav"),
            *("en/number.wav", "en/B.wav", "en/2.wav", "en/7.wav", "en/counter.wav", "en/12.wav"),
        )
    ]
    assert [p["clip"] for p in played(admin, len(expected))] == expected

    # Both boards hear of it on the event stream; the Kivy board downloads the pack once.
    board.wait_for_function("v => voice.pack.version === v", arg=version, timeout=30_000)
    wait_for_pack(kivy.stdout, cache / version)
    hall.issue("A")
    call = hall.call_next("3")
    assert call["number"] == "A001"

    heard = played(board, 1 + len(["number", "A", "0", "0", "1", "counter", "3"]))
    assert all(p["clip"].startswith(f"/voice/{version}/") for p in heard), heard
    words = [p for p in heard if not p["clip"].endswith("/chime.wav")]
    assert all(WORD_S <= p["seconds"] <= WORD_S + 0.05 for p in words), words

    shown = result_of(kivy, tmp_path)
    assert shown["voice_pack"] == str(cache / version)
    said = VoicePack(cache / version, ("th",)).assemble("A001", "3")
    assert abs(shown["announced"][0]["seconds"] - wav_seconds(said)) < 1e-6
    stand_in_said = VoicePack(Path("display/voice/default"), ("th",)).assemble("A001", "3")
    assert abs(wav_seconds(said) - wav_seconds(stand_in_said)) > 0.5
    # What the board has on disk is what the server serves: the office's clips, normalised.
    for path in pack_paths(("th", "en")):
        served = requests.get(f"{hall.url}/voice/{version}/{path}", timeout=10).content
        assert (cache / version / path).read_bytes() == served, path
    with wave.open(io.BytesIO(served)) as clip:
        assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (1, 2, 22050)
    for page in (board, admin):
        page.close()


class Unheard:
    """The feed's listener; these tests only download, they never open the stream."""

    def on_event(self, event_id: int, event_type: str, data: dict[str, object]) -> None: ...
    def on_board(self, doc: dict[str, object]) -> None: ...
    def on_office(self, doc: dict[str, object]) -> None: ...
    def on_connection(self, connected: bool, detail: str) -> None: ...


def test_a_board_downloads_a_pack_once_and_keeps_it_when_the_server_is_gone(
    hall: Hall, tmp_path: Path
) -> None:
    db = Database(hall.server.database_url)
    check, clips = checked(pack_files(WORD_S, languages=("th",)))
    now = datetime.now(UTC)
    with db.writing() as conn:
        pack = save_pack(conn, hall.office.code, clips, check.languages, "th.zip", "admin", now)
    db.dispose()
    feed = BoardFeed(hall.url, Unheard(), token=hall.office.tokens["display"])
    cache = PackCache(tmp_path / "cache")
    folder = cache.fetch(feed, pack.version)
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.wav")) == sorted(clips)
    assert VoicePack(folder, ("th",)).assemble("A1", "2")  # a Thai-only pack says Thai calls
    assert cache.last() == folder
    with pytest.raises(FeedError, match="404"):
        cache.fetch(feed, "0" * 64)  # not the office's

    hall.server.stop()
    assert cache.fetch(feed, pack.version) == folder  # on disk already: no download
    with pytest.raises(OSError):
        PackCache(tmp_path / "other").fetch(feed, pack.version)  # the board keeps its own pack
