"""The admin home: the office's own settings, the boards' notice line, device health at a glance."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from flask import Blueprint, g, request, url_for

from core.model import Office, OfficeConfig, OpeningHours
from core.office_file import OfficeFile
from core.routing import POLICIES
from queue_server.api.appearance import branding_out
from queue_server.board_sound import BoardSound, SoundSettingError, checked_sound, stored_sound
from queue_server.branding import (
    Branding,
    BrandingError,
    checked_branding,
    checked_logo,
    stored_branding,
)
from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.web.admin_common import (
    Page,
    admin_only,
    attempt,
    change_office,
    changes,
    checked,
    draft,
    log,
    office_file,
    refuse,
    render,
    text,
)
from queue_server.web.admin_devices import device_health

POLICY_NAMES = {
    "weighted": ("ถ่วงน้ำหนักตามช่องบริการ (แนะนำ)", "Weighted by counter profile (recommended)"),
    "fifo": ("มาก่อนได้ก่อน", "First come, first served"),
    "strict_priority": ("ผู้มีสิทธิ์ก่อนเสมอ", "Priority classes always first"),
}
NOTICE_LIMIT = 500


def _notice() -> tuple[str, str]:
    with swq().db.engine.connect() as conn:
        row = conn.execute(
            sa.select(t.offices.c.notice_th, t.offices.c.notice_en).where(
                t.offices.c.code == g.user.office
            )
        ).one()
    return row.notice_th, row.notice_en


def _sound() -> BoardSound:
    with swq().db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.offices.c.sound).where(t.offices.c.code == g.user.office)
        ).scalar_one()
    return stored_sound(stored)


def _branding() -> Branding:
    with swq().db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.offices.c.branding).where(t.offices.c.code == g.user.office)
        ).scalar_one()
    return stored_branding(stored)


def _page() -> str:
    office = office_file()
    devices = device_health()
    return render(
        "admin_overview.html",
        office=office,
        config=office.config,
        notice=_notice(),
        sound=_sound(),
        branding=_branding(),
        logo_url=branding_out(g.user.office).logo_url,
        policies=[(p, POLICY_NAMES.get(p, (p, p))) for p in POLICIES],
        offline=[d for d in devices if not d.online],
        printer_trouble=[d for d in devices if d.printer_trouble],
        draft=draft(),
    )


@admin_only
def overview() -> str:
    return _page()


def _settings(config: OfficeConfig) -> dict[str, object]:
    office = config.office
    return {
        "name_th": office.name_th,
        "name_en": office.name_en,
        "hours": str(office.hours) if office.hours else "",
        "timezone": office.timezone,
        "policy": config.policy,
        "transfer_keeps_place": config.transfer_keeps_place,
    }


@admin_only
def save_settings() -> Page:
    def do() -> bool:
        name_th = text("name_th", ("ชื่อภาษาไทย", "Thai name"))
        name_en = text("name_en", ("ชื่อภาษาอังกฤษ", "English name"))
        hours_text = text("hours", ("เวลาทำการ", "Opening hours"), required=False, limit=16)
        timezone = text("timezone", ("เขตเวลา", "Timezone"), limit=64)
        hours = OpeningHours.parse(hours_text) if hours_text else None
        policy = request.form.get("policy", "")
        if policy not in POLICIES:
            raise refuse(f"ไม่รู้จักนโยบายการเรียกคิว {policy!r}", f"Unknown routing policy {policy!r}.")
        keeps_place = checked("transfer_keeps_place")

        def change(current: OfficeFile) -> OfficeFile:
            office = Office(current.config.office.code, name_th, name_en, timezone, hours)
            config = dataclasses.replace(
                current.config, office=office, policy=policy, transfer_keeps_place=keeps_place
            )
            return dataclasses.replace(current, config=config)

        changed = change_office(change)
        if changed is not None:
            before, after = (_settings(o.config) for o in changed)
            log("office.settings", g.user.office, changes(before, after))
        return changed is not None

    return attempt(
        do, ("บันทึกการตั้งค่าสำนักงานแล้ว", "Office settings saved."), url_for("admin.overview"), _page
    )


@admin_only
def save_notice() -> Page:
    def do() -> bool:
        notice_th = text(
            "notice_th", ("ข้อความภาษาไทย", "Thai notice"), required=False, limit=NOTICE_LIMIT
        )
        notice_en = text(
            "notice_en", ("ข้อความภาษาอังกฤษ", "English notice"), required=False, limit=NOTICE_LIMIT
        )
        before = _notice()
        if before == (notice_th, notice_en):
            return False
        with swq().db.writing() as conn:
            conn.execute(
                sa.update(t.offices)
                .where(t.offices.c.code == g.user.office)
                .values(notice_th=notice_th, notice_en=notice_en)
            )
        log("office.notice", g.user.office, {"notice_th": notice_th, "notice_en": notice_en})
        return True

    return attempt(
        do,
        ("บันทึกข้อความประกาศแล้ว จอแสดงผลจะแสดงในไม่ช้า", "Notice saved; boards show it shortly."),
        url_for("admin.overview"),
        _page,
    )


@admin_only
def save_sound() -> Page:
    def do() -> bool:
        try:
            sound = checked_sound(request.form)
        except SoundSettingError as exc:
            raise refuse(exc.th, str(exc)) from None
        before = _sound()
        if before == sound:
            return False
        with swq().db.writing() as conn:
            conn.execute(
                sa.update(t.offices)
                .where(t.offices.c.code == g.user.office)
                .values(sound=sound.to_json())
            )
        log("office.sound", g.user.office, changes(before.to_json(), sound.to_json()))
        return True

    return attempt(
        do,
        ("บันทึกเสียงเรียกคิวแล้ว จอแสดงผลจะใช้ในไม่ช้า", "Sound saved; boards apply it shortly."),
        url_for("admin.overview"),
        _page,
    )


@admin_only
def save_branding() -> Page:
    def do() -> bool:
        try:
            branding = checked_branding(request.form)
        except BrandingError as exc:
            raise refuse(exc.th, str(exc)) from None
        before = _branding()
        if before == branding:
            return False
        with swq().db.writing() as conn:
            conn.execute(
                sa.update(t.offices)
                .where(t.offices.c.code == g.user.office)
                .values(branding=branding.to_json())
            )
        log("office.branding", g.user.office, changes(before.to_json(), branding.to_json()))
        return True

    return attempt(
        do,
        ("บันทึกสีแล้ว จอและตู้กดบัตรจะใช้ในไม่ช้า", "Colours saved; boards and kiosks apply them shortly."),
        url_for("admin.overview"),
        _page,
    )


@admin_only
def save_logo() -> Page:
    def do() -> bool:
        upload = request.files.get("logo")
        try:
            logo = checked_logo(upload.read() if upload else b"")
        except BrandingError as exc:
            raise refuse(exc.th, str(exc)) from None
        office, logos = g.user.office, t.office_logos
        values = {"png": logo.png, "version": logo.version, "updated_at": swq().now()}
        with swq().db.writing() as conn:
            updated = conn.execute(
                sa.update(logos).where(logos.c.office == office).values(values)
            ).rowcount
            if not updated:
                conn.execute(sa.insert(logos).values(office=office, **values))
        log("office.logo", office, {"width": logo.width, "height": logo.height})
        return True

    return attempt(
        do,
        ("บันทึกโลโก้แล้ว", "Logo saved."),
        url_for("admin.overview"),
        _page,
    )


@admin_only
def remove_logo() -> Page:
    def do() -> bool:
        with swq().db.writing() as conn:
            removed = conn.execute(
                sa.delete(t.office_logos).where(t.office_logos.c.office == g.user.office)
            ).rowcount
        if removed:
            log("office.logo_remove", g.user.office)
        return bool(removed)

    return attempt(do, ("ลบโลโก้แล้ว", "Logo removed."), url_for("admin.overview"), _page)


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin", "overview", overview)
    bp.add_url_rule("/admin/office", "save_settings", save_settings, methods=["POST"])
    bp.add_url_rule("/admin/notice", "save_notice", save_notice, methods=["POST"])
    bp.add_url_rule("/admin/sound", "save_sound", save_sound, methods=["POST"])
    bp.add_url_rule("/admin/branding", "save_branding", save_branding, methods=["POST"])
    bp.add_url_rule("/admin/logo", "save_logo", save_logo, methods=["POST"])
    bp.add_url_rule("/admin/logo/remove", "remove_logo", remove_logo, methods=["POST"])
