"""How one hall board lays itself out, and how big its text must be to read from the hall.

Each display token (one board) has its own layout, set on the admin Devices page and stored as
JSON in `tokens.board_layout` (null: the defaults). The web board and the Kivy board read it with
their token (`GET /api/v1/board/layout`) and apply a change without a restart.

The reading rule (docs/boards.md) is core.legibility: a Thai letter 1 cm tall per 3.6 m of
reading distance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

ORIENTATIONS = ("auto", "landscape", "portrait")
DISTANCE_RANGE_M = (1.0, 40.0)
DIAGONAL_RANGE_IN = (10.0, 120.0)


class LayoutSettingError(ValueError):
    def __init__(self, en: str, th: str) -> None:
        super().__init__(en)
        self.th = th


@dataclass(frozen=True)
class BoardLayout:
    orientation: str = "auto"  # one of ORIENTATIONS; auto follows the screen
    columns: int = 2  # counters side by side
    waiting_counts: bool = False  # a panel with the people waiting per service
    distance_m: float = 10.0  # the farthest seat that must read the board
    diagonal_in: float = 55.0  # the screen's diagonal

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _number(values: Mapping[str, Any], name: str, bounds: tuple[float, float], th: str) -> float:
    raw = str(values.get(name, "")).strip().replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not bounds[0] <= value <= bounds[1]:  # NaN fails too
        raise LayoutSettingError(
            f"{name}: a number from {bounds[0]:g} to {bounds[1]:g}",
            f"{th}: ตัวเลข {bounds[0]:g} ถึง {bounds[1]:g}",
        )
    return round(value, 1)


def checked_layout(values: Mapping[str, Any]) -> BoardLayout:
    """A BoardLayout from a form or stored JSON, or a LayoutSettingError naming the field."""
    orientation = str(values.get("orientation", "auto"))
    if orientation not in ORIENTATIONS:
        raise LayoutSettingError(
            f"orientation: one of {', '.join(ORIENTATIONS)}",
            f"แนวจอ: เลือกได้ {', '.join(ORIENTATIONS)}",
        )
    columns = str(values.get("columns", "2")).strip()
    if columns not in ("1", "2"):
        raise LayoutSettingError("columns: 1 or 2", "จำนวนคอลัมน์ช่องบริการ: 1 หรือ 2")
    waiting = values.get("waiting_counts")
    return BoardLayout(
        orientation=orientation,
        columns=int(columns),
        waiting_counts=waiting if isinstance(waiting, bool) else waiting in ("on", "1", "true"),
        distance_m=_number(values, "distance_m", DISTANCE_RANGE_M, "ระยะอ่าน (เมตร)"),
        diagonal_in=_number(values, "diagonal_in", DIAGONAL_RANGE_IN, "ขนาดจอ (นิ้ว)"),
    )


def stored_layout(stored: Mapping[str, Any] | None) -> BoardLayout:
    """What `tokens.board_layout` holds; the defaults when nothing (or nothing usable) is."""
    if not stored:
        return BoardLayout()
    try:
        return checked_layout(stored)
    except LayoutSettingError:
        return BoardLayout()
