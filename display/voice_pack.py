"""A voice pack: short WAV clips (chime, words, digits, letters) joined into one announcement.

Layout (display/voice/README.md): `chime.wav`, then `th/<clip>.wav` and `en/<clip>.wav` with the
clip names of `core.speech`. Every clip of a pack has one format (mono, 16-bit PCM, one
sample rate), so joining them is copying frames; nothing is resampled at run time.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from core.speech import CHIME, REPEAT, WORDS, announcement

DEFAULT_PACK = "default"
WORD_GAP_S = 0.06
SECTION_GAP_S = 0.35  # after the chime, between languages and between repeats


class VoicePackError(ValueError):
    """A pack that is missing clips or mixes formats; the message names the file."""


@dataclass(frozen=True)
class ClipFormat:
    channels: int
    sample_width: int
    rate: int


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def default_pack_path() -> Path:
    return Path(str(resources.files("display") / "voice" / DEFAULT_PACK))


class VoicePack:
    def __init__(self, root: Path, languages: tuple[str, ...]) -> None:
        self.root = root
        self.languages = languages
        self._frames: dict[tuple[str, str], bytes] = {}
        self.format: ClipFormat | None = None
        self._load("", CHIME)
        for lang in languages:
            if lang not in WORDS:
                raise VoicePackError(f"no such voice language {lang!r} / ไม่รู้จักภาษา {lang!r}")
            for clip in WORDS[lang]:
                self._load(lang, clip)

    def _path(self, lang: str, clip: str) -> Path:
        return self.root / lang / f"{clip}.wav" if lang else self.root / f"{clip}.wav"

    def _load(self, lang: str, clip: str) -> None:
        path = self._path(lang, clip)
        if not path.is_file():
            raise VoicePackError(f"voice pack: missing {path} / ไม่พบไฟล์เสียง {path}")
        try:
            with wave.open(str(path), "rb") as wav:
                fmt = ClipFormat(wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
                frames = wav.readframes(wav.getnframes())
        except (wave.Error, EOFError) as exc:
            raise VoicePackError(f"voice pack: {path} is not a PCM WAV file: {exc}") from None
        if fmt.channels != 1 or fmt.sample_width != 2:
            raise VoicePackError(f"voice pack: {path} must be mono 16-bit PCM / ต้องเป็นโมโน 16 บิต")
        if self.format is None:
            self.format = fmt
        elif fmt != self.format:
            raise VoicePackError(
                f"voice pack: {path} is {fmt.rate} Hz but the pack is {self.format.rate} Hz"
                " / ทุกไฟล์ต้องมีอัตราสุ่มเท่ากัน"
            )
        self._frames[(lang, clip)] = frames

    def clip_seconds(self, lang: str, clip: str) -> float:
        assert self.format is not None
        return len(self._frames[(lang, clip)]) / (2 * self.format.rate)

    def assemble(self, number: str, counter: str, repeat: int = 1, chime: bool = True) -> bytes:
        """One WAV file (bytes) saying the call: chime, then each language, `repeat` times."""
        assert self.format is not None
        rate = self.format.rate
        out = bytearray()
        previous_lang: str | None = None
        for lang, clip in announcement(number, counter, self.languages, repeat, chime):
            if (lang, clip) == REPEAT:
                out += bytes(2 * round(SECTION_GAP_S * rate))
                previous_lang = None
                continue
            if previous_lang is not None:
                gap = WORD_GAP_S if lang == previous_lang else SECTION_GAP_S
                out += bytes(2 * round(gap * rate))
            out += self._frames[(lang, clip)]
            previous_lang = lang
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(bytes(out))
        return buffer.getvalue()
