"""`/admin/province/live`: a province admin's dashboard of every office's queues right now
(waiting per service, the longest wait, counters open and serving, the share within target
today), redrawn whenever one of the offices has news. An office admin gets 403."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, g, render_template

from queue_server.api.public import event_stream
from queue_server.auth import Role
from queue_server.extension import swq
from queue_server.live.budget import Reader
from queue_server.reports.province import offices_of, signed_in_province
from queue_server.supervision import Hall, hall
from queue_server.web.console import minutes
from queue_server.web.session import require_user

province_live = Blueprint("province_live", __name__)


@dataclass(frozen=True)
class OfficeNow:
    code: str
    name_th: str
    name_en: str
    hall: Hall

    @property
    def waiting(self) -> int:
        return sum(s.waiting for s in self.hall.services)

    @property
    def longest_wait_s(self) -> int | None:
        waits = [s.longest_wait_s for s in self.hall.services if s.longest_wait_s is not None]
        return max(waits) if waits else None

    @property
    def late(self) -> bool:
        return any(s.past_target for s in self.hall.services)

    @property
    def counters_open(self) -> int:
        return sum(k.activity not in ("closed", "paused") for k in self.hall.counters)

    @property
    def counters_serving(self) -> int:
        return sum(k.activity in ("called", "serving") for k in self.hall.counters)

    @property
    def calls_today(self) -> int:
        return sum(s.calls_today for s in self.hall.services)

    @property
    def share_within(self) -> float | None:
        calls = self.calls_today
        return sum(s.within_today for s in self.hall.services) / calls if calls else None


def _context() -> dict[str, Any]:
    province = signed_in_province()
    offices = [OfficeNow(code, th, en, hall(code)) for code, th, en in offices_of(province.code)]
    return {"province": province, "offices": offices, "minutes": minutes}


@province_live.get("/admin/province/live")
@require_user(Role.ADMIN)
def dashboard() -> str:
    return render_template("province_live.html", **_context())


@province_live.get("/admin/province/live/offices")
@require_user(Role.ADMIN)
def offices_fragment() -> str:
    """The dashboard's live part alone, for htmx to morph into the page."""
    return render_template("province_live_offices.html", **_context())


@province_live.get("/admin/province/live/office/<code>")
@require_user(Role.ADMIN)
def office_fragment(code: str) -> str:
    """One office's card alone: the dashboard redraws only the offices with news."""
    province = signed_in_province()
    for office, th, en in offices_of(province.code):
        if office == code:
            return render_template(
                "province_live_office.html", o=OfficeNow(code, th, en, hall(code)), minutes=minutes
            )
    abort(403)  # not an office of their province


@province_live.get("/admin/province/live/events")
@require_user(Role.ADMIN)
def changes() -> Response:
    """Which office had news, as Server-Sent Events (`office.changed`)."""
    province = signed_in_province()
    offices = [code for code, *_ in offices_of(province.code)]
    reader = Reader(f"user:{g.user.home}/{g.user.username}", public=False)
    return event_stream(lambda: swq().hub.watch(offices, reader))
