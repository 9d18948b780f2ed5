"""The notice line cut into pages that each fit the screen's width; no Kivy here.

A scrolling marquee redraws the whole window twenty times a second, which a board PC without a
GPU driver pays for with most of a core. A page held still for several seconds costs one
redraw. The Thai and the English notice each start a page of their own; a part wider than the
screen is cut at spaces, and a word wider than the screen between characters, never before a
mark (Thai vowels above and below, tone marks, sara am) nor after a leading vowel.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

Measure = Callable[[str], float]


SARA_AM = "\u0e33"  # spacing, yet part of the syllable before it
LEADING_VOWELS = "\u0e40\u0e41\u0e42\u0e43\u0e44"  # เ แ โ ใ ไ: written before their consonant


def clusters(word: str) -> list[str]:
    """Base characters with the marks that sit on them; a leading vowel with its consonant."""
    out: list[str] = []
    for char in word:
        joins = unicodedata.category(char) in ("Mn", "Mc") or char == SARA_AM
        if out and (joins or out[-1][-1] in LEADING_VOWELS):
            out[-1] += char
        else:
            out.append(char)
    return out


def _fill(pieces: list[str], joiner: str, width: float, measure: Measure) -> list[str]:
    lines: list[str] = []
    line = ""
    for piece in pieces:
        candidate = f"{line}{joiner}{piece}" if line else piece
        if not line or measure(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = piece
    if line:
        lines.append(line)
    return lines


def _cut_word(word: str, width: float, measure: Measure) -> list[str]:
    if measure(word) <= width:
        return [word]
    return _fill(clusters(word), "", width, measure)


def pages(parts: list[str], width: float, measure: Measure) -> list[str]:
    """The pages to show one after another; one page when everything fits together."""
    parts = [part.strip() for part in parts if part.strip()]
    together = "      •      ".join(parts)
    if not parts or measure(together) <= width:
        return [together] if parts else []
    out: list[str] = []
    for part in parts:
        words = [piece for word in part.split() for piece in _cut_word(word, width, measure)]
        out += _fill(words, " ", width, measure)
    return out
