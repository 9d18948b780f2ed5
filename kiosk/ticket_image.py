"""The ticket as a 1-bit picture the width of the paper, drawn with Pillow and Sarabun.

Pillow places Thai vowels and tone marks only with its raqm layout engine; without it the marks
collide, so rendering refuses to go on silently without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from PIL import Image, ImageDraw, ImageFont, features

from core.line_breaking import wrap
from kiosk.fonts import sarabun
from kiosk.thai_words import thai_words
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


SMALLEST_SHARE = 0.7  # shrink a line this far at most, then wrap it


def _width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text, language="th")


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
    return font, wrap(line.text, room, lambda text: _width(font, text), thai_words)


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
