"""What `swq display` was asked to do; read by the board app (kept free of Kivy)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from display.counter_signs import CounterSigns

BLINK_S = 6.0


@dataclass
class DisplayOptions:
    server: str
    office: str | None = None
    token: str | None = None
    history: int = 7
    # None: as the office's sound settings say (GET /api/v1/office); () is silent.
    languages: tuple[str, ...] | None = ("th",)
    # A folder of clips given on the command line; None: the office's pack from the server
    # (downloaded into voice_cache), else the built-in stand-in.
    voice_pack: Path | None = None
    voice_cache: Path | None = None
    signs: CounterSigns | None = None
    blink_s: float = BLINK_S
