"""Sarabun (OFL, Thai and Latin in one font) for every label and every printed ticket."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def sarabun(weight: str = "Regular") -> Path:
    """The font file of a Sarabun weight: Regular, Bold, SemiBold, Medium..."""
    return Path(str(files("fontpkg_sarabun") / "files" / f"Sarabun-{weight}.ttf"))
