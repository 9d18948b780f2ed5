"""The officer console: one page per counter, acting through the HTTP API with the session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from queue_server.api.desk import desk_document
from queue_server.api.present import office_config
from queue_server.auth import Role
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq
from queue_server.web import audit
from queue_server.web.language import pick
from queue_server.web.session import require_user, set_counter

console = Blueprint("console", __name__)


def _counters(office: str) -> list[tuple[str, str]]:
    with SqlUnitOfWork(swq().db, office, write=False) as uow:
        return [(k.code, pick(k.name_th, k.name_en)) for k in uow.counters.list(office)]


def minutes(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds} " + pick("วินาที", "s")
    return f"{round(seconds / 60)} " + pick("นาที", "min")


def _desk_context(office: str, code: str, counter_name: str) -> dict[str, Any]:
    """What console_desk.html draws: the desk document and the words around it."""
    config = office_config(office)
    desk = desk_document(office, code)
    undo_until = ""
    if desk.undo is not None:
        until = swq().now() + timedelta(seconds=desk.undo.seconds_left)
        undo_until = until.astimezone(config.office.tz).strftime("%H:%M:%S")
    return {
        "desk": desk,
        "counter_name": counter_name,
        "service_names": {s.code: pick(s.name_th, s.name_en) for s in desk.services},
        "priority_names": {k: pick(*config.priority.name(k)) for k in config.priority.classes},
        "undo_until": undo_until,
        "minutes": minutes,
    }


@console.get("/console")
@require_user(Role.OFFICER)
def console_page() -> Response | str:
    user = g.user
    counters = _counters(user.office)
    if user.counter not in dict(counters):
        return render_template("console_pick.html", counters=counters)
    config = office_config(user.office)
    return render_template(
        "console.html",
        counter=user.counter,
        office_name=pick(config.office.name_th, config.office.name_en),
        pause_reasons=config.pause_reasons,
        **_desk_context(user.office, user.counter, dict(counters)[user.counter]),
    )


@console.get("/console/desk")
@require_user(Role.OFFICER)
def desk_fragment() -> Response | str:
    """The console's live part alone, for htmx to morph into the page."""
    user = g.user
    counters = dict(_counters(user.office))
    if user.counter not in counters:
        return Response(status=286)  # htmx: stop polling; the page itself asks for a counter
    return render_template(
        "console_desk.html", **_desk_context(user.office, user.counter, counters[user.counter])
    )


console.add_url_rule("/console", "console", console_page)


@console.post("/console/counter")
@require_user(Role.OFFICER)
def choose_counter() -> Response:
    """Officers without a fixed counter (and admins helping out) say where they sit today."""
    user = g.user
    if user.role is Role.OFFICER and user.home_counter is not None:
        flash(pick("บัญชีนี้ผูกกับช่องบริการแล้ว", "This account is bound to its counter."), "error")
        return redirect(url_for("console.console"))
    code = request.form.get("counter", "")
    if code not in dict(_counters(user.office)):
        flash(pick("ไม่พบช่องบริการนี้", "No such counter."), "error")
        return redirect(url_for("console.console"))
    set_counter(code)
    audit.record(user.office, user.username, user.role.value, "console.counter", code)
    return redirect(url_for("console.console"))
