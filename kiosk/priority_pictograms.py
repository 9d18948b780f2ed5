"""The pictogram beside each priority group on the kiosk, so that a citizen who reads little
finds their group by its picture as well as by its name.

The pictures are Material Symbols (Apache-2.0, kiosk/pictograms/LICENSE), filled style, drawn
white on transparent so that the kiosk tints them (dark on a white card, white on a chosen one).
A class the office defines itself gets a neutral figure rather than no picture, so that every
choice looks alike and none looks missing or switched off.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent / "pictograms"
# Priority class code -> picture file (without .png); see kiosk/pictograms/README.md for the
# Material Symbols icon each file comes from.
PICTOGRAMS = {
    "normal": "normal",
    "elderly": "elderly",
    "disabled": "disabled",
    "pregnant": "pregnant",
    "monk": "monk",
    "appointment": "appointment",
}
FALLBACK = "other"


def pictogram(priority_class: str) -> Path:
    """The picture for a priority class; a neutral figure for a class swq does not know."""
    return FOLDER / f"{PICTOGRAMS.get(priority_class, FALLBACK)}.png"
