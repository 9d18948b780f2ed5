"""Which clips of a voice pack say a call, in order; no audio here.

Thai: "หมายเลข เอ ศูนย์ หนึ่ง สอง เชิญที่ช่องบริการ สาม". The ticket number is read letter by
letter and digit by digit, as Thai offices do; the counter is read as a number ("สิบเอ็ด" for 11,
"eleven" in English) up to 99, longer or mixed codes letter by letter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

LANGUAGES = ("th", "en")
CHIME = "chime"
DIGITS = tuple(str(d) for d in range(10))
LETTERS = tuple(chr(c) for c in range(ord("A"), ord("Z") + 1))
# Thai numbers up to 99 need, besides the digits: ten, twenty's "ยี่" and units' one "เอ็ด".
TH_WORDS = ("number", "counter", "10", "20", "et", *DIGITS, *LETTERS)
EN_WORDS = (
    "number",
    "counter",
    *(str(n) for n in range(20)),
    *(str(n) for n in range(20, 100, 10)),
    *LETTERS,
)
WORDS = {"th": TH_WORDS, "en": EN_WORDS}


class SpeechError(ValueError):
    """A number or counter code that the voice cannot say."""


def spell(text: str) -> list[str]:
    """`A012` -> A 0 1 2."""
    clips = []
    for char in text.upper():
        if char not in DIGITS and char not in LETTERS:
            raise SpeechError(f"cannot say {char!r} in {text!r} / อ่านอักขระ {char!r} ไม่ได้")
        clips.append(char)
    return clips


def number_th(value: int) -> list[str]:
    if value < 10:
        return [str(value)]
    tens, units = divmod(value, 10)
    clips = ["20"] if tens == 2 else (["10"] if tens == 1 else [str(tens), "10"])
    if units == 1:
        clips.append("et")
    elif units:
        clips.append(str(units))
    return clips


def number_en(value: int) -> list[str]:
    if value < 20:
        return [str(value)]
    tens, units = divmod(value, 10)
    return [str(tens * 10)] + ([str(units)] if units else [])


def counter_clips(code: str, lang: str) -> list[str]:
    if code.isdigit() and len(code) <= 2 and not code.startswith("0"):
        return number_th(int(code)) if lang == "th" else number_en(int(code))
    return spell(code)


def phrase(number: str, counter: str, lang: str) -> list[str]:
    """The clips of one call in one language, without the chime."""
    if lang not in LANGUAGES:
        raise SpeechError(f"unknown voice language {lang!r} / ไม่รู้จักภาษา {lang!r}")
    return ["number", *spell(number), "counter", *counter_clips(counter, lang)]


REPEAT = ("-", "repeat")  # not a clip: the pause before the call is said again


def announcement(
    number: str, counter: str, languages: tuple[str, ...], repeat: int = 1, chime: bool = True
) -> list[tuple[str, str]]:
    """(language, clip) pairs: the chime, then the call in each language in turn; said
    `repeat` times, the chime only before the first."""
    said: list[tuple[str, str]] = []
    for lang in languages:
        said += [(lang, clip) for clip in phrase(number, counter, lang)]
    clips: list[tuple[str, str]] = [("", CHIME)] if chime else []
    for i in range(repeat):
        clips += ([REPEAT] if i else []) + said
    return clips


def clip_path(lang: str, clip: str) -> str:
    """Where a clip lies in a pack: `chime.wav`, `th/3.wav`."""
    return f"{lang}/{clip}.wav" if lang else f"{clip}.wav"


def pack_paths(languages: tuple[str, ...]) -> tuple[str, ...]:
    """Every clip a pack saying `languages` needs, the chime first."""
    words = [clip_path(lang, clip) for lang in languages for clip in WORDS[lang]]
    return (clip_path("", CHIME), *words)


def pack_version(hashes: Mapping[str, str]) -> str:
    """A pack's version from its clips' paths and SHA-256 hashes: the same clips give the same
    version on every server node, and a board can check the pack it downloaded against it."""
    listing = "".join(f"{path} {hashes[path]}\n" for path in sorted(hashes))
    return hashlib.sha256(listing.encode()).hexdigest()
