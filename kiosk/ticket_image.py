"""The ticket as a 1-bit picture the width of the paper, drawn with Pillow and Sarabun.

Pillow places Thai vowels and tone marks only with its raqm layout engine; without it the marks
collide, so rendering refuses to go on silently without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from PIL import Image, ImageDraw, ImageFont, features

from kiosk.fonts import sarabun
from kiosk.ticket_layout import Line, Size

# Pixel heights of each size on a 576-dot line; narrower paper scales them down.
FONT_PX = {Size.SMALL: 26, Size.NORMAL: 32, Size.LARGE: 44, Size.HUGE: 150}
REFERENCE_WIDTH = 576
MARGIN = 8
GAP = 6


class ThaiShapingMissing(RuntimeError):
    pass


@cache
def _font(px: int, bold: bool) -> ImageFont.FreeTypeFont:
    if not features.check("raqm"):
        raise ThaiShapingMissing(
            "Pillow has no raqm layout (install Debian libraqm0 and libfribidi0): "
            "Thai marks would print in the wrong place"
        )
    return ImageFont.truetype(
        str(sarabun("Bold" if bold else "Regular")), px, layout_engine=ImageFont.Layout.RAQM
    )


# Thai marks above and below a consonant, and vowels written before it: no line break next to them.
THAI_MARKS = frozenset(
    "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
)
# ... nor before the vowels that follow a consonant on the line.
FOLLOWING_VOWELS = frozenset("\u0e30\u0e32\u0e33\u0e45")
LEADING_VOWELS = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")
SMALLEST_SHARE = 0.7  # shrink a line this far at most, then wrap it


def _width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text, language="th")


def _break_points(text: str) -> tuple[list[int], list[int]]:
    """Where a line may break: after a space, or between Thai letters (not inside a letter's
    marks, not after a vowel written before its consonant): Thai has no spaces between words."""
    spaces = [i + 1 for i, ch in enumerate(text) if ch == " "]
    letters = [
        i
        for i in range(1, len(text))
        if text[i] not in THAI_MARKS | FOLLOWING_VOWELS and text[i - 1] not in LEADING_VOWELS
    ]
    return spaces, letters


def _wrap(text: str, font: ImageFont.FreeTypeFont, room: int) -> list[str]:
    rows = []
    while _width(font, text) > room:
        spaces, letters = _break_points(text)
        fits = [i for i in spaces if _width(font, text[:i].rstrip()) <= room] or [
            i for i in letters if _width(font, text[:i]) <= room
        ]
        if not fits:
            break
        rows.append(text[: max(fits)].rstrip())
        text = text[max(fits) :].lstrip()
    return [*rows, text]


def _laid_out(line: Line, width: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The line's font and its text in one or more rows that fit the paper: made smaller first,
    wrapped when smaller still would be hard to read."""
    room = width - 2 * MARGIN
    full = FONT_PX[line.size] * width // REFERENCE_WIDTH
    px = full
    font = _font(px, line.bold)
    while _width(font, line.text) > room and px * 10 // 9 > full * SMALLEST_SHARE:
        px = px * 9 // 10
        font = _font(px, line.bold)
    return font, _wrap(line.text, font, room)


def render_lines(lines: Sequence[Line], width: int) -> Image.Image:
    """Centred lines on white, black text, as a mode "1" image `width` dots wide."""
    placed = []
    height = MARGIN
    for line in lines:
        font, rows = _laid_out(line, width)
        ascent, descent = font.getmetrics()
        for row in rows:
            placed.append((row, font, height))
            height += ascent + descent + GAP
    image = Image.new("L", (width, height + MARGIN), 255)
    draw = ImageDraw.Draw(image)
    for text, font, top in placed:
        draw.text((width // 2, top), text, font=font, fill=0, anchor="ma", language="th")
    return image.point(lambda v: 255 if v > 140 else 0).convert("1")
