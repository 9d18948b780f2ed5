"""The officer console: one page per counter, acting through the HTTP API with the session."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from core.model import priority_class_name
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


@console.get("/console")
@require_user(Role.OFFICER)
def console_page() -> Response | str:
    user = g.user
    counters = _counters(user.office)
    if user.counter not in dict(counters):
        return render_template("console_pick.html", counters=counters)
    config = office_config(user.office)
    classes = {k: priority_class_name(k) for k in config.priority.classes}
    return render_template(
        "console.html",
        counter=user.counter,
        counter_name=dict(counters)[user.counter],
        office_name=pick(config.office.name_th, config.office.name_en),
        priority_names={k: pick(*names) for k, names in classes.items()},
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
