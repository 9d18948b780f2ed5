"""`/admin/console`: how the counters work: the no-show grace period and the pause reasons."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Blueprint, g, request, url_for

from core.model import OTHER_PAUSE, PauseReason
from queue_server.db import schema as t
from queue_server.db.rows import pause_reasons_to_json
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

REASON_CODE = re.compile(r"[a-z0-9_-]{1,32}")
MAX_GRACE_MIN = 60
MAX_REASONS = 20


def _page() -> str:
    config = office_file().config
    return render(
        "admin_console.html",
        office=office_file(),
        grace_min=round(config.no_show_grace_s / 60, 1),
        reasons="\n".join(f"{r.code} | {r.name_th} | {r.name_en}" for r in config.pause_reasons),
        draft=draft(),
    )


@admin_only
def console_settings() -> str:
    return _page()


def _grace_s() -> int:
    text = request.form.get("grace_min", "").strip()
    try:
        minutes = float(text)
    except ValueError:
        minutes = -1
    if not 0 <= minutes <= MAX_GRACE_MIN:
        raise refuse(
            f"เวลายกเลิกการบันทึกไม่มาแสดงตนต้องเป็นตัวเลข 0 ถึง {MAX_GRACE_MIN} นาที",
            f"The time to undo a no-show must be a number of minutes from 0 to {MAX_GRACE_MIN}.",
        )
    return round(minutes * 60)


def _reasons() -> tuple[PauseReason, ...]:
    """One reason a line: `code | Thai name | English name`."""
    reasons: list[PauseReason] = []
    for n, line in enumerate(request.form.get("reasons", "").splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not all(parts) or not REASON_CODE.fullmatch(parts[0]):
            raise refuse(
                f"เหตุผลการพักบรรทัดที่ {n} ต้องเป็น รหัส | ชื่อไทย | ชื่ออังกฤษ (รหัสใช้ a-z 0-9 - _ )",
                f"Pause reason line {n} must read: code | Thai name | English name "
                "(the code in a-z 0-9 - _).",
            )
        if any(r.code == parts[0] for r in reasons):
            raise refuse(f"รหัสเหตุผล {parts[0]} ซ้ำกัน", f"The reason code {parts[0]} is there twice.")
        reasons.append(PauseReason(parts[0], parts[1][:100], parts[2][:100]))
    if not reasons or len(reasons) > MAX_REASONS:
        raise refuse(
            f"ต้องมีเหตุผลการพัก 1 ถึง {MAX_REASONS} รายการ",
            f"Give from 1 to {MAX_REASONS} pause reasons.",
        )
    if reasons[-1].code != OTHER_PAUSE and all(r.code != OTHER_PAUSE for r in reasons):
        reasons.append(PauseReason(OTHER_PAUSE, "อื่น ๆ", "Other"))  # always a way to say why
    return tuple(reasons)


@admin_only
def save_console_settings() -> Page:
    def do() -> bool:
        grace_s, reasons = _grace_s(), _reasons()
        config = office_file().config
        if (grace_s, reasons) == (config.no_show_grace_s, config.pause_reasons):
            return False
        with swq().db.writing() as conn:
            conn.execute(
                sa.update(t.offices)
                .where(t.offices.c.code == g.user.office)
                .values(
                    no_show_grace_s=grace_s,
                    pause_reasons=pause_reasons_to_json(reasons),
                    version=t.offices.c.version + 1,
                )
            )
        log(
            "office.console",
            g.user.office,
            {"no_show_grace_s": grace_s, "pause_reasons": [r.code for r in reasons]},
        )
        return True

    return attempt(
        do,
        ("บันทึกการตั้งค่าช่องบริการแล้ว", "Console settings saved."),
        url_for("admin.console_settings"),
        _page,
    )


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/console", "console_settings", console_settings)
    bp.add_url_rule(
        "/admin/console", "save_console_settings", save_console_settings, methods=["POST"]
    )
