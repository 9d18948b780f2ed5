"""A Kivy label whose lines break between Thai words: Kivy breaks lines only at spaces, and Thai
has none between words, so a long Thai name would be cut inside a word or run off its label.
Whatever text is set is kept and shown wrapped to the label's width (core.line_breaking with
PyThaiNLP's dictionary-based breaker)."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.uix.label import Label

from core.line_breaking import wrap
from display.thai_words import thai_words


class ThaiLabel(Label):
    def __init__(self, **kwargs: Any) -> None:
        self._source = ""
        self._shown = ""
        self._rewrap_soon = Clock.create_trigger(self._rewrap, -1)
        super().__init__(**kwargs)
        for name in ("text", "width", "font_size", "bold", "font_name", "padding"):
            self.fbind(name, self._rewrap_soon)

    def _rewrap(self, *_: Any) -> None:
        if self.text != self._shown:
            self._source = self.text  # set from outside since the last wrap
        room = self.width - self.padding[0] - self.padding[2]
        if room <= 1 or not self._source:
            return
        core = CoreLabel(
            font_name=self.font_name,
            font_size=self.font_size,
            bold=self.bold,
            font_script_name=self.font_script_name,
        )
        lines = wrap(self._source, room, lambda text: core.get_extents(text)[0], thai_words)
        self._shown = "\n".join(lines)
        if self._shown != self.text:
            self.text = self._shown
