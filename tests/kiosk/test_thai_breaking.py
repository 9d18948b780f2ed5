"""The Thai word breaker (PyThaiNLP newmm) where text wraps: long Thai names wrap between words,
never inside one, on the printed ticket and on the Kivy board (the kiosk's labels are checked on
every screen by test_kiosk_layout.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.line_breaking import wrap
from kiosk.thai_words import thai_words
from kiosk.ticket_image import _laid_out
from kiosk.ticket_layout import Line, Size

# Names whose words a breaker at spaces or at letters would cut: each line must end between
# two of these words.
NAMES = {
    "การขอรับใบอนุญาตประกอบกิจการที่เป็นอันตรายต่อสุขภาพ": (
        "การ ขอรับ ใบอนุญาต ประกอบ กิจการ ที่ เป็นอันตราย ต่อ สุขภาพ"
    ),
    "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดอุดรธานี": (
        "สำนักงาน พัฒนา สังคม และ ความมั่นคง ของ มนุษย์ จังหวัด อุดรธานี"
    ),
}


def ends_between_words(name: str, lines: list[str]) -> bool:
    edges, at = {0}, 0
    for word in NAMES[name].split():
        at += len(word)
        edges.add(at)
    at = 0
    for line in lines[:-1]:
        at += len(line)
        if at not in edges:
            return False
    return "".join(lines) == name


@pytest.mark.parametrize("name", NAMES)
def test_the_breaker_finds_the_words(name: str) -> None:
    assert "".join(thai_words(name)) == name
    assert set(NAMES[name].split()) <= set(thai_words(name)) | {"เป็นอันตราย"}
    for width in (12, 16, 24):  # wider than the longest word
        lines = wrap(name, width, len, thai_words)
        assert len(lines) > 1 and ends_between_words(name, lines), lines


@pytest.mark.parametrize("name", NAMES)
def test_the_ticket_wraps_between_words(name: str) -> None:
    font, rows = _laid_out(Line(name, Size.LARGE, bold=True), 384)
    assert len(rows) > 1
    assert ends_between_words(name, rows), rows
    assert all(font.getlength(row, language="th") <= 384 for row in rows)


BOARD_SCRIPT = """
import json, sys
from kivy.core.text import LabelBase
from kiosk.fonts import sarabun
LabelBase.register(name="Sarabun", fn_regular=str(sarabun("Regular")))
from display.thai_label import ThaiLabel
out = {}
for name in json.loads(sys.argv[1]):
    label = ThaiLabel(text=name, font_name="Sarabun", font_size=40, font_script_name="Thai")
    label.width = 420
    label._rewrap()
    out[name] = label.text.split("\\n")
print(json.dumps(out))
"""


def test_the_board_wraps_between_words(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KIVY_NO_ARGS": "1",
        "KIVY_LOG_MODE": "PYTHON",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(tmp_path),
        "SDL_VIDEODRIVER": "offscreen",
    }
    done = subprocess.run(
        [sys.executable, "-c", BOARD_SCRIPT, json.dumps(list(NAMES))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    for name, lines in shown.items():
        assert len(lines) > 1 and ends_between_words(name, lines), lines
