"""Typing a booking code at the kiosk, on its keypad or from a USB barcode scanner.

A scanner is a keyboard that types the QR's text and Enter within a few milliseconds. Keys typed
on any screen collect here; Enter hands over a code when what was typed is one. On the check-in
screen the typed code is shown as it grows; elsewhere a slow stray key press (someone leaning on
a keyboard) is forgotten once keys stop coming quickly, so only a scan checks in from there.
"""

from __future__ import annotations

from core.booking import CODE_ALPHABET, CODE_LENGTH, is_code, normal_code

KEYS = tuple(CODE_ALPHABET)
# A scanner types a whole code well within this; a hand on a keyboard does not.
SCAN_GAP_S = 0.5


class CodeEntry:
    def __init__(self) -> None:
        self.code = ""  # shown on the check-in screen
        self._scanned = ""
        self._last_key = 0.0

    def press(self, key: str) -> None:
        """A key of the on-screen keypad."""
        key = normal_code(key)
        if len(key) == 1 and key in CODE_ALPHABET and len(self.code) < CODE_LENGTH:
            self.code += key

    def erase(self) -> None:
        self.code = self.code[:-1]

    def clear(self) -> None:
        self.code = ""
        self._scanned = ""

    def typed(self, text: str, now: float, visible: bool) -> None:
        """Characters from the keyboard (a scanner or a real keyboard)."""
        if visible:
            for ch in text:
                self.press(ch)
            return
        if now - self._last_key > SCAN_GAP_S:
            self._scanned = ""
        self._last_key = now
        self._scanned = (self._scanned + normal_code(text))[-32:]

    def enter(self, visible: bool) -> str | None:
        """Enter: the code to check in, if one was typed (on this screen or scanned)."""
        typed = self.code if visible else self._scanned
        self._scanned = ""
        return typed if is_code(typed) else None

    @property
    def shown(self) -> str:
        """The code so far with the places still to fill: `AC3___`."""
        return self.code + "_" * (CODE_LENGTH - len(self.code))
