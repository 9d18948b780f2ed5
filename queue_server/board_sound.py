"""How an office's hall boards sound: chime, voice languages, repeats, volume, quiet hours.

Stored as JSON in `offices.sound` (null: the defaults), given to the boards in the office
document (`GET /api/v1/office`), set on the admin home page. A board whose address says
otherwise (`/board?voice=off`) keeps its own setting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

LANGUAGE_CHOICES = ("th", "th,en", "en", "off")
MAX_REPEAT = 3
CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class SoundSettingError(ValueError):
    def __init__(self, en: str, th: str) -> None:
        super().__init__(en)
        self.th = th


@dataclass(frozen=True)
class BoardSound:
    chime: bool = True
    languages: str = "th"  # one of LANGUAGE_CHOICES
    repeat: int = 1
    volume: int = 100  # percent
    quiet_from: str = ""  # "HH:MM" office time; both empty: never quiet
    quiet_until: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def checked_sound(values: Mapping[str, Any]) -> BoardSound:
    """A BoardSound from a form or stored JSON, or a SoundSettingError naming the field."""
    languages = str(values.get("languages", "th"))
    if languages not in LANGUAGE_CHOICES:
        raise SoundSettingError(
            f"voice languages: one of {', '.join(LANGUAGE_CHOICES)}",
            f"ภาษาเสียงเรียก: เลือกได้ {', '.join(LANGUAGE_CHOICES)}",
        )
    numbers = {}
    for name, low, high, th in (
        ("repeat", 1, MAX_REPEAT, "จำนวนครั้งที่เรียกซ้ำ"),
        ("volume", 0, 100, "ระดับเสียง"),
    ):
        raw = str(values.get(name, "")).strip()
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise SoundSettingError(
                f"{name}: a whole number from {low} to {high}", f"{th}: จำนวนเต็ม {low} ถึง {high}"
            )
        numbers[name] = int(raw)
    quiet = []
    for name in ("quiet_from", "quiet_until"):
        value = str(values.get(name) or "").strip()
        if value and not CLOCK.fullmatch(value):
            raise SoundSettingError(
                f"{name}: a time as HH:MM, e.g. 12:00", "ช่วงเงียบ: เวลาแบบ ชช:นน เช่น 12:00"
            )
        quiet.append(value)
    if bool(quiet[0]) != bool(quiet[1]):
        raise SoundSettingError(
            "quiet hours: give both the start and the end, or neither",
            "ช่วงเงียบ: กรอกทั้งเวลาเริ่มและเวลาสิ้นสุด หรือเว้นว่างทั้งคู่",
        )
    chime = values.get("chime")
    return BoardSound(
        chime=chime if isinstance(chime, bool) else chime in ("on", "1", "true"),
        languages=languages,
        repeat=numbers["repeat"],
        volume=numbers["volume"],
        quiet_from=quiet[0],
        quiet_until=quiet[1],
    )


def stored_sound(stored: Mapping[str, Any] | None) -> BoardSound:
    """What `offices.sound` holds; the defaults when nothing (or nothing usable) is stored."""
    if not stored:
        return BoardSound()
    try:
        return checked_sound(stored)
    except SoundSettingError:
        return BoardSound()
