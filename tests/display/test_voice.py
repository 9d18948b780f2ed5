"""What the voice says: the clips of a call, the default pack, the assembled WAV."""

from __future__ import annotations

import io
import wave
from array import array
from pathlib import Path

import pytest

from core.speech import SpeechError, announcement, counter_clips, phrase
from display.voice_pack import (
    SECTION_GAP_S,
    WORD_GAP_S,
    VoicePack,
    VoicePackError,
    default_pack_path,
)


def test_the_issue_example_in_thai() -> None:
    # "หมายเลข เอ ศูนย์ หนึ่ง สอง เชิญที่ช่องบริการ สาม"
    assert phrase("A012", "3", "th") == ["number", "A", "0", "1", "2", "counter", "3"]


@pytest.mark.parametrize(
    ("counter", "th", "en"),
    [
        ("1", ["1"], ["1"]),
        ("10", ["10"], ["10"]),
        ("11", ["10", "et"], ["11"]),
        ("12", ["10", "2"], ["12"]),
        ("20", ["20"], ["20"]),
        ("21", ["20", "et"], ["20", "1"]),
        ("35", ["3", "10", "5"], ["30", "5"]),
        ("99", ["9", "10", "9"], ["90", "9"]),
        ("101", ["1", "0", "1"], ["1", "0", "1"]),
        ("05", ["0", "5"], ["0", "5"]),
        ("B2", ["B", "2"], ["B", "2"]),
    ],
)
def test_counters_are_read_as_numbers(counter: str, th: list[str], en: list[str]) -> None:
    assert counter_clips(counter, "th") == th
    assert counter_clips(counter, "en") == en


def test_thai_then_english_after_one_chime() -> None:
    clips = announcement("B007", "2", ("th", "en"))
    assert clips[0] == ("", "chime")
    said = ["number", "B", "0", "0", "7", "counter", "2"]
    assert [c for lang, c in clips if lang == "th"] == said
    assert [c for lang, c in clips if lang == "en"] == said
    assert [lang for lang, _ in clips[1:]] == ["th"] * 7 + ["en"] * 7


def test_what_cannot_be_said_is_refused_clearly() -> None:
    with pytest.raises(SpeechError, match="อ่านอักขระ"):
        phrase("A-01", "1", "th")
    with pytest.raises(SpeechError, match="unknown voice language"):
        phrase("A001", "1", "lo")


def samples_of(data: bytes) -> tuple[array, int]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return array("h", wav.readframes(wav.getnframes())), wav.getframerate()


def test_the_default_pack_says_a_sample_call_out_loud_for_the_expected_time() -> None:
    pack = VoicePack(default_pack_path(), ("th", "en"))
    samples, rate = samples_of(pack.assemble("A012", "3"))
    clips = announcement("A012", "3", ("th", "en"))
    speech = sum(pack.clip_seconds(lang, clip) for lang, clip in clips)
    gaps = 2 * SECTION_GAP_S + (len(clips) - 3) * WORD_GAP_S
    assert len(samples) / rate == pytest.approx(speech + gaps, abs=0.01)
    assert 4.0 < len(samples) / rate < 15.0
    rms = (sum(s * s for s in samples) / len(samples)) ** 0.5
    assert rms > 1000  # about -30 dBFS or louder on average, gaps included
    assert max(abs(s) for s in samples) > 16000


def test_every_clip_of_the_default_pack_has_sound(tmp_path: Path) -> None:
    root = default_pack_path()
    for path in root.rglob("*.wav"):
        samples, rate = samples_of(path.read_bytes())
        assert rate == 22050, path
        assert 0.1 < len(samples) / rate < 2.5, path
        assert max(abs(s) for s in samples) > 16000, path


def test_a_pack_missing_a_clip_or_mixing_rates_is_refused(tmp_path: Path) -> None:
    with pytest.raises(VoicePackError, match="missing"):
        VoicePack(tmp_path, ("th",))
    for path in default_pack_path().rglob("*.wav"):
        target = tmp_path / path.relative_to(default_pack_path())
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    VoicePack(tmp_path, ("th", "en"))
    with wave.open(str(tmp_path / "th" / "5.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(bytes(3200))
    with pytest.raises(VoicePackError, match="16000 Hz"):
        VoicePack(tmp_path, ("th",))
