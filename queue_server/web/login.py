"""Sign-in and sign-out of officers and admins (the office's `users`)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from queue_server.auth import Role, hash_password, password_matches
from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.web import audit
from queue_server.web.language import pick
from queue_server.web.login_throttle import Throttle
from queue_server.web.session import csrf_ok, current_user, sign_in, sign_out

login = Blueprint("login", __name__)
# Compared against when the username is unknown, so a wrong name takes as long as a wrong password.
_NOBODY = hash_password("no such user")


def _offices() -> list[tuple[str, str]]:
    with swq().db.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.offices.c.code, t.offices.c.name_th, t.offices.c.name_en).order_by("code")
        ).all()
    return [(code, pick(th, en)) for code, th, en in rows]


def _safe_next(target: str | None) -> str | None:
    """Only a path on this server: a crafted link must not send a fresh sign-in elsewhere.
    Browsers drop tabs and line breaks from URLs (`/\t/evil.example` is `//evil.example`), so
    any control character, a backslash or a scheme-relative start is refused."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and not any(ch.isspace() for ch in target)
    ):
        return target
    return None


def _home(role: Role) -> str:
    return url_for("admin.overview") if role is Role.ADMIN else url_for("console.console")


def login_page() -> Response | tuple[str, int] | str:
    offices = _offices()
    office = request.values.get("office") or (offices[0][0] if offices else "")
    page = {
        "offices": offices,
        "office": office,
        "next": _safe_next(request.values.get("next")) or "",
        "username": "",
        "error": None,
    }
    if request.method == "GET":
        user = current_user()
        if user is not None:
            return redirect(page["next"] or _home(user.role))
        return render_template("login.html", **page)
    username = request.form.get("username", "").strip()[:64]
    page["username"] = username
    if not csrf_ok():
        page["error"] = pick(
            "หน้าเข้าสู่ระบบหมดอายุ กรุณาลองใหม่อีกครั้ง", "The sign-in form expired; try again."
        )
        return render_template("login.html", **page), 400
    throttle = Throttle(office, username, request.remote_addr or "")
    wait_s = throttle.admit()
    if wait_s is not None:
        minutes = max(1, round(wait_s / 60))
        page["error"] = pick(
            f"ใส่รหัสผ่านผิดหลายครั้งเกินไป กรุณารอ {minutes} นาที หรือติดต่อผู้ดูแลระบบ",
            f"Too many wrong passwords: wait {minutes} minutes or ask an administrator.",
        )
        return render_template("login.html", **page), 429, {"Retry-After": str(round(wait_s))}
    with swq().db.engine.connect() as conn:
        row = (
            conn.execute(
                sa.select(t.users).where(t.users.c.office == office, t.users.c.username == username)
            )
            .mappings()
            .one_or_none()
        )
    password = request.form.get("password", "")
    if row is None or not password_matches(row["password_hash"], password):
        if row is None:
            password_matches(_NOBODY, password)
        throttle.failed()
        if office in dict(offices):
            audit.record(office, username or "?", "", "login.failed")
        page["error"] = pick("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "Wrong username or password.")
        return render_template("login.html", **page), 401
    throttle.succeeded()
    role = Role(row["role"])
    sign_in(office, username, role, row["counter"], row["password_hash"])
    audit.record(office, username, role.value, "login")
    flash(pick(f"ยินดีต้อนรับ {username}", f"Welcome, {username}"), "ok")
    return redirect(page["next"] or _home(role))


login.add_url_rule("/login", "login", login_page, methods=["GET", "POST"])


@login.post("/logout")
def logout() -> Response:
    user = current_user()
    if user is not None and csrf_ok():
        audit.record(user.office, user.username, user.role.value, "logout")
        sign_out()
    return redirect(url_for("login.login"))
