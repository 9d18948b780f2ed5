"""What every admin page shares: the office being edited, form fields read with clear refusals,
and one way to apply a change, audit it and tell the admin how it went."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request
from werkzeug.wrappers import Response

from core.errors import DomainError, InvalidRequest
from core.model import CODE
from core.office_file import MAX_STORED_INT, OfficeFile
from core.toml_table import KeyPathError
from queue_server.auth import Role
from queue_server.extension import swq
from queue_server.offices import read_office, store_office
from queue_server.web import audit
from queue_server.web.language import pick
from queue_server.web.session import require_user

admin_only = require_user(Role.ADMIN)
# Codes end up in URLs and on tickets: plain letters, digits and dashes only.
Page = Response | str | tuple[str, int]
NAME_TH, NAME_EN = ("ชื่อภาษาไทย", "Thai name"), ("ชื่อภาษาอังกฤษ", "English name")


def refuse(th: str, en: str) -> InvalidRequest:
    return InvalidRequest(en, th)


# What the form calls the office file's keys, for a refusal that names one.
FIELD_NAMES = {
    "agency": ("หน่วยงาน", "Agency"),
    "code": ("รหัส", "Code"),
    "counter": ("ช่องบริการ", "Counter"),
    "daily_quota": ("โควตารายวัน", "Daily quota"),
    "hours": ("เวลาทำการ", "Opening hours"),
    "long_wait_guard_at": ("จุดเรียกผู้รอนาน", "Long-wait guard"),
    "max_priority_in_row": ("จำนวนผู้มีสิทธิ์ติดกัน", "Priority calls in a row"),
    "name_en": ("ชื่อภาษาอังกฤษ", "English name"),
    "name_th": ("ชื่อภาษาไทย", "Thai name"),
    "number_start": ("เลขเริ่มต้น", "First number"),
    "number_width": ("จำนวนหลัก", "Digits"),
    "password": ("รหัสผ่าน", "Password"),
    "policy": ("นโยบายการเรียกคิว", "Routing policy"),
    "role": ("บทบาท", "Role"),
    "target_wait_min": ("เวลารอมาตรฐาน", "Target wait"),
    "timezone": ("เขตเวลา", "Timezone"),
    "username": ("ชื่อผู้ใช้", "Username"),
}


def message(exc: DomainError) -> str:
    """A refusal in the page's language, naming the form's field rather than the office file's
    key path (the admin filled a form, not a file)."""
    if isinstance(exc, KeyPathError):
        last = re.split(r"[.\[\]]", exc.key.rstrip("]"))[-1] if exc.key else ""
        label = FIELD_NAMES.get(last)
        where = f"{pick(*label)}: " if label else ""
        return where + pick(exc.problem_th, exc.problem_en)
    return pick(exc.message_th, exc.message_en)


def office_file() -> OfficeFile:
    with swq().db.engine.connect() as conn:
        return read_office(conn, g.user.office)


def render(template: str, office: OfficeFile, **context: Any) -> str:
    names = office.config.office
    return render_template(
        template, office=office, office_name=pick(names.name_th, names.name_en), **context
    )


def change_office(
    change: Callable[[OfficeFile], OfficeFile],
    also: Callable[[sa.Connection], None] | None = None,
) -> tuple[OfficeFile, OfficeFile] | None:
    """Apply `change` to the office as it is now, in one write (the office row is locked first,
    so a concurrent admin's change is not lost); (before, after) when anything changed. `also`
    runs in the same transaction."""
    db = swq().db
    with db.writing() as conn:
        db.version(conn, g.user.office, lock=True)
        before = read_office(conn, g.user.office)
        after = change(before)
        changed = store_office(conn, after)
        if also is not None:
            also(conn)
    if changed:
        # Pages that read the cached configuration (the office document) see the change at once
        # in this process; other processes notice the new version on their next unit of work.
        with db.engine.connect() as conn:
            db.config(conn, g.user.office)
    return (before, after) if changed else None


def log(action: str, target: str = "", detail: Mapping[str, Any] | None = None) -> None:
    user = g.user
    audit.record(user.office, user.username, user.role.value, action, target, detail)


def attempt(
    do: Callable[[], bool],
    done: tuple[str, str],
    back: str,
    page: Callable[[], str],
) -> Page:
    """Run a change: on success say `done` (th, en) and go `back`; refused, say why and show the
    page again with what was typed (422), having changed nothing."""
    try:
        changed = do()
    except DomainError as exc:
        flash(message(exc), "error")
        return page(), 422
    except sa.exc.IntegrityError:
        flash(
            pick(
                "มีผู้แก้ไขข้อมูลนี้พร้อมกัน กรุณาตรวจสอบแล้วลองอีกครั้ง",
                "Someone changed this at the same time; check and try again.",
            ),
            "error",
        )
        return page(), 409
    if changed:
        flash(pick(*done), "ok")
    else:
        flash(pick("ไม่มีอะไรเปลี่ยนแปลง", "Nothing changed."), "ok")
    return redirect(back)


def draft() -> Mapping[str, str] | None:
    """What the admin typed, to fill the form again after a refusal."""
    return request.form if request.method == "POST" else None


# ---- form fields --------------------------------------------------------------------------


def text(name: str, label: tuple[str, str], *, required: bool = True, limit: int = 200) -> str:
    value = request.form.get(name, "").strip()
    if required and not value:
        raise refuse(f"กรุณากรอก{label[0]}", f"{label[1]} is required.")
    if len(value) > limit:
        raise refuse(
            f"{label[0]}ยาวได้ไม่เกิน {limit} ตัวอักษร", f"{label[1]}: at most {limit} characters."
        )
    return value


def code(name: str, label: tuple[str, str]) -> str:
    value = text(name, label, limit=32)
    if not CODE.fullmatch(value):
        raise refuse(
            f"{label[0]}ใช้ได้เฉพาะ a-z A-Z 0-9 _ - (ไม่เกิน 32 ตัว)",
            f"{label[1]}: letters, digits, _ and - only (at most 32).",
        )
    return value


def number(
    name: str,
    label: tuple[str, str],
    *,
    minimum: int = 0,
    maximum: int = MAX_STORED_INT,
    default: int | None = None,
) -> int | None:
    """A whole number in [minimum, maximum]; empty gives `default` (None: the field is optional)."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise refuse(
            f"{label[0]}ต้องเป็นจำนวนเต็ม แต่ได้ {raw!r}",
            f"{label[1]} must be a whole number, got {raw!r}.",
        ) from None
    if not minimum <= value <= maximum:
        raise refuse(
            f"{label[0]}ต้องอยู่ระหว่าง {minimum} ถึง {maximum}",
            f"{label[1]} must be between {minimum} and {maximum}.",
        )
    return value


def required_number(name: str, label: tuple[str, str], **bounds: int) -> int:
    value = number(name, label, **bounds)
    if value is None:
        raise refuse(f"กรุณากรอก{label[0]}", f"{label[1]} is required.")
    return value


def checked(name: str) -> bool:
    return request.form.get(name) in ("on", "1", "true")


def local(at: datetime | None, tz: tzinfo) -> str:
    """A stored time as the office's wall clock."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if at is not None else ""


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the audit log."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
