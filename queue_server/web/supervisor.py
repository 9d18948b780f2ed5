"""`/supervisor`: the office manager's live view of the hall (supervisors and admins)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template

from core.model import OfficeConfig
from queue_server.api.present import office_config
from queue_server.auth import Role
from queue_server.db.bookings import coming_hour
from queue_server.extension import swq
from queue_server.supervision import hall
from queue_server.web.console import minutes
from queue_server.web.language import pick
from queue_server.web.session import require_user

supervisor = Blueprint("supervisor", __name__)

ACTIVITY = {
    "idle": ("ว่าง รอเรียกคิว", "free"),
    "called": ("เรียกคิวแล้ว", "called"),
    "serving": ("กำลังให้บริการ", "serving"),
    "paused": ("พัก", "paused"),
    "closed": ("ปิด", "closed"),
}


def _coming() -> list[dict[str, Any]]:
    """The coming hour's bookings, slot by slot, for the hall to expect them."""
    config = office_config(g.user.office)
    with swq().db.engine.connect() as conn:
        slots = coming_hour(conn, g.user.office, swq().now())
    return [
        {
            "time": f"{slot.start.astimezone(config.office.tz):%H:%M}",
            "service": slot.service,
            "name": pick(*_names(config, slot.service)),
            "booked": slot.booked,
            "checked_in": slot.checked_in,
        }
        for slot in slots
    ]


def _names(config: OfficeConfig, code: str) -> tuple[str, str]:
    service = config.services.get(code)
    return (service.name_th, service.name_en) if service else (code, code)


def _context() -> dict[str, Any]:
    return {
        "hall": hall(g.user.office),
        "coming": _coming(),
        "activity": {k: pick(*names) for k, names in ACTIVITY.items()},
        "minutes": minutes,
    }


@supervisor.get("/supervisor")
@require_user(Role.SUPERVISOR)
def dashboard() -> str:
    config = office_config(g.user.office)
    return render_template(
        "supervisor.html",
        office_name=pick(config.office.name_th, config.office.name_en),
        **_context(),
    )


@supervisor.get("/supervisor/hall")
@require_user(Role.SUPERVISOR)
def hall_fragment() -> str:
    """The dashboard's live part alone, for htmx to morph into the page."""
    return render_template("supervisor_hall.html", **_context())
