"""Officer and admin accounts. Passwords go straight into hash_password: never stored, shown or
audited in clear."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, request, url_for

from core.model import USERNAME
from queue_server.auth import Role, hash_password
from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.web.admin_common import (
    Page,
    admin_only,
    attempt,
    draft,
    log,
    office_file,
    refuse,
    render,
)
from queue_server.web.session import sign_in

MIN_PASSWORD = 8
MAX_PASSWORD = 200
ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


def _users() -> list[sa.Row[tuple[str, str, str | None]]]:
    c = t.users.c
    with swq().db.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(c.username, c.role, c.counter)
                .where(c.office == g.user.office)
                .order_by(c.username)
            ).all()
        )


def _page() -> str:
    office = office_file()
    return render(
        "admin_users.html",
        office=office,
        users=_users(),
        counters=[(c.code, c.name_th, c.name_en) for c in office.counters],
        min_password=MIN_PASSWORD,
        draft=draft(),
    )


@admin_only
def users() -> str:
    return _page()


def _password() -> str:
    password = request.form.get("password", "")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise refuse(
            f"รหัสผ่านต้องยาว {MIN_PASSWORD}-{MAX_PASSWORD} ตัวอักษร",
            f"The password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters long.",
        )
    return password


def _role_and_counter() -> tuple[Role, str | None]:
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        role = None
    if role not in ROLES:
        raise refuse("กรุณาเลือกบทบาท", "Choose a role.")
    counter = request.form.get("counter") or None
    if counter is not None and counter not in {c.code for c in office_file().counters}:
        raise refuse(f"ไม่พบช่องบริการ {counter}", f"No counter {counter}.")
    if role is Role.OFFICER and counter is None:
        raise refuse(
            "เจ้าหน้าที่ต้องมีช่องบริการประจำ กรุณาเลือกช่องบริการ",
            "An officer needs a counter: choose one.",
        )
    return role, counter


def _where(username: str) -> sa.ColumnElement[bool]:
    return sa.and_(t.users.c.office == g.user.office, t.users.c.username == username)


def _existing(conn: sa.Connection, username: str) -> sa.Row[tuple[str, str | None]]:
    row = conn.execute(sa.select(t.users.c.role, t.users.c.counter).where(_where(username))).first()
    if row is None:
        raise refuse(f"ไม่พบบัญชี {username}", f"No account {username}.")
    return row


def _not_yourself(username: str, th: str, en: str) -> None:
    """An admin cannot lock themselves out (which also keeps at least one admin)."""
    if username == g.user.username:
        raise refuse(th, en)


@admin_only
def add() -> Page:
    def do() -> bool:
        username = request.form.get("username", "").strip()
        if not USERNAME.fullmatch(username):
            raise refuse(
                "ชื่อผู้ใช้ใช้ได้เฉพาะ a-z A-Z 0-9 . _ - ขึ้นต้นด้วยตัวอักษรหรือตัวเลข (ไม่เกิน 64 ตัว)",
                "Username: letters, digits, '.', '_' and '-' only, starting with a letter or digit"
                " (at most 64).",
            )
        role, counter = _role_and_counter()
        password_hash = hash_password(_password())
        with swq().db.writing() as conn:
            if conn.execute(sa.select(t.users.c.username).where(_where(username))).first():
                raise refuse(f"มีบัญชี {username} อยู่แล้ว", f"Account {username} already exists.")
            conn.execute(
                sa.insert(t.users).values(
                    office=g.user.office,
                    username=username,
                    password_hash=password_hash,
                    role=role.value,
                    counter=counter,
                )
            )
        log("user.add", username, {"role": role.value, "counter": counter})
        return True

    return attempt(do, ("เพิ่มบัญชีแล้ว", "Account added."), url_for("admin.users"), _page)


@admin_only
def set_password(username: str) -> Page:
    def do() -> bool:
        password_hash = hash_password(_password())
        with swq().db.writing() as conn:
            row = _existing(conn, username)
            conn.execute(
                sa.update(t.users).where(_where(username)).values(password_hash=password_hash)
            )
        if username == g.user.username:  # stay signed in here; other browsers are signed out
            sign_in(g.user.office, username, Role(row.role), g.user.counter, password_hash)
        log("user.password", username)
        return True

    return attempt(
        do,
        (
            f"เปลี่ยนรหัสผ่านของ {username} แล้ว ผู้ที่เข้าระบบด้วยรหัสเดิมจะถูกออกจากระบบ",
            f"Password of {username} changed; browsers signed in with the old one are signed out.",
        ),
        url_for("admin.users"),
        _page,
    )


@admin_only
def set_role(username: str) -> Page:
    def do() -> bool:
        role, counter = _role_and_counter()
        if role is not Role.ADMIN:
            _not_yourself(
                username,
                "ลดสิทธิ์ของตนเองไม่ได้ ให้ผู้ดูแลคนอื่นทำแทน",
                "You cannot take away your own admin role; ask another admin.",
            )
        with swq().db.writing() as conn:
            row = _existing(conn, username)
            if (row.role, row.counter) == (role.value, counter):
                return False
            conn.execute(
                sa.update(t.users).where(_where(username)).values(role=role.value, counter=counter)
            )
        log(
            "user.role",
            username,
            {"role": [row.role, role.value], "counter": [row.counter, counter]},
        )
        return True

    return attempt(do, ("บันทึกบัญชีแล้ว", "Account saved."), url_for("admin.users"), _page)


@admin_only
def remove(username: str) -> Page:
    def do() -> bool:
        _not_yourself(username, "ลบบัญชีของตนเองไม่ได้", "You cannot remove your own account.")
        with swq().db.writing() as conn:
            row = _existing(conn, username)
            conn.execute(sa.delete(t.users).where(_where(username)))
        log("user.remove", username, {"role": row.role})
        return True

    return attempt(do, ("ลบบัญชีแล้ว", "Account removed."), url_for("admin.users"), _page)


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/users", "users", users)
    bp.add_url_rule("/admin/users", "users_add", add, methods=["POST"])
    bp.add_url_rule(
        "/admin/users/<username>/password", "users_password", set_password, methods=["POST"]
    )
    bp.add_url_rule("/admin/users/<username>/role", "users_role", set_role, methods=["POST"])
    bp.add_url_rule("/admin/users/<username>/remove", "users_remove", remove, methods=["POST"])
