"""How big text must be on a screen to be read from a distance (docs/boards.md).

A letter 1 cm tall reads from 3.6 m: the legibility index of 30 feet per inch of letter height
of the US Sign Council's studies. The letter measured is Sarabun's Thai consonant body (ก),
0.586 of the font size, shorter than a Latin capital (0.70): Thai is the harder case. Shared by
the server (admin page, web board's settings) and the Kivy board.
"""

from __future__ import annotations

import math

METRES_PER_LETTER_CM = 3.6
# Sarabun-Regular: the Thai consonant body (ก) is 586 of 1000 units per em; a Latin capital 700.
THAI_LETTER_EM = 0.586
# Text read at the screen (dates, the notice line) keeps a floor of 2% of the short side.
NEAR_TEXT_OF_SHORT_SIDE = 0.02


def letter_height_cm(
    distance_m: float, metres_per_letter_cm: float = METRES_PER_LETTER_CM
) -> float:
    """The smallest letter the hall reads from `distance_m`."""
    return distance_m / metres_per_letter_cm


def near_font_px(width_px: float, height_px: float) -> float:
    return NEAR_TEXT_OF_SHORT_SIDE * min(width_px, height_px)


def min_font_px(
    width_px: float,
    height_px: float,
    diagonal_in: float,
    distance_m: float,
    metres_per_letter_cm: float = METRES_PER_LETTER_CM,
    thai_letter_em: float = THAI_LETTER_EM,
) -> float:
    """The smallest font size (pixels) whose Thai letters meet the rule on a screen of this
    resolution and diagonal, or the near-text floor when that is larger."""
    px_per_cm = math.hypot(width_px, height_px) / (diagonal_in * 2.54)
    far = letter_height_cm(distance_m, metres_per_letter_cm) / thai_letter_em * px_per_cm
    return max(far, near_font_px(width_px, height_px))
