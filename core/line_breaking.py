"""Breaking text into lines for a given width, at word boundaries that a word breaker finds.

Thai is written without spaces between words, so a wrapper that breaks at spaces leaves a long
Thai name on one clipped line. Each app passes its own dictionary-based word breaker (which
splits text into words, keeping spaces as their own pieces) and its own way of measuring text:
this module only decides where lines end, the same way on the kiosk, the ticket and the boards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Segmenter = Callable[[str], Sequence[str]]
Measure = Callable[[str], float]

# Thai marks above and below a consonant and the vowels that follow it on the line belong to the
# letter before them; the vowels written before a consonant belong to the letter after them.
_JOINS_PREVIOUS = frozenset(
    "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
    "\u0e30\u0e32\u0e33\u0e45"
)
_JOINS_NEXT = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")
# No line starts with closing punctuation, none ends with opening punctuation.
_CLOSING = frozenset(")]}.,:;!?%ๆฯ")
_OPENING = frozenset("([{")


def words(text: str, segment: Segmenter) -> list[str]:
    """The pieces a line may break between: the breaker's words, with punctuation that must not
    start or end a line glued to its neighbour."""
    pieces: list[str] = []
    for piece in segment(text):
        if not piece:
            continue
        glued = piece[0] in _CLOSING or (bool(pieces) and pieces[-1][-1] in _OPENING)
        if glued and pieces and not pieces[-1].isspace() and not piece.isspace():
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces


def letter_breaks(word: str) -> list[int]:
    """Where a word too long for a line may be cut as a last resort: between letters, never
    between a Thai letter and its marks."""
    return [
        i
        for i in range(1, len(word))
        if word[i] not in _JOINS_PREVIOUS and word[i - 1] not in _JOINS_NEXT
    ]


def _cut_long_word(word: str, width: float, measure: Measure) -> list[str]:
    rows = []
    while measure(word) > width:
        fits = [i for i in letter_breaks(word) if measure(word[:i]) <= width]
        if not fits:
            break
        rows.append(word[: fits[-1]])
        word = word[fits[-1] :]
    return [*rows, word]


def wrap(text: str, width: float, measure: Measure, segment: Segmenter) -> list[str]:
    """The text's lines, each no wider than `width` when a word allows: lines break at the text's
    own newlines and between words; a single word wider than a line is cut between letters.
    Spaces at the ends of lines are dropped."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in words(paragraph, segment):
            if word.isspace():
                if line:
                    line += word
                continue
            if line and measure(line + word) > width:
                lines.append(line.rstrip())
                line = ""
            line += word
            if measure(line) > width:  # one word alone is wider than a line
                *full, line = _cut_long_word(line, width, measure)
                lines += full
        lines.append(line.rstrip())
    return lines


def with_break_marks(text: str, segment: Segmenter, mark: str = "\u200b") -> str:
    """The text with `mark` (a zero-width space by default) between words that have no space
    between them: for renderers that break lines at such marks but know no Thai words."""
    out = ""
    for word in words(text, segment):
        if out and not out[-1].isspace() and not word.isspace():
            out += mark
        out += word
    return out
