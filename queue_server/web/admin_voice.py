"""The office's voice pack: upload a recorded pack (a zip, or one clip at a time), see what it
lacks or holds out of format, listen to any call, and make it the pack every board uses.

An upload is checked whole before anything is written: a refused one changes nothing, and the
boards keep the pack they have until an admin makes another the office's (one transaction that
also writes the `office.voice_pack` event the boards switch on)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, flash, g, redirect, request, url_for

from core.errors import DomainError
from core.speech import LANGUAGES, pack_paths
from queue_server.extension import swq
from queue_server.request_guard import larger_body
from queue_server.voice_packs import store
from queue_server.voice_packs.pack import PackCheck, PackError, checked, files_of_zip, with_clip
from queue_server.web.admin_common import (
    Page,
    admin_only,
    local,
    log,
    message,
    office_file,
    refuse,
    render,
)
from queue_server.web.language import pick

LIMIT = "VOICE_PACK_MAX_BYTES"


def _page(check: PackCheck | None = None) -> str:
    with swq().db.engine.connect() as conn:
        current = store.office_pack(conn, g.user.office)
        uploaded = store.packs(conn, g.user.office)
    office = office_file()
    return render(
        "admin_voice.html",
        office=office,
        current=current,
        packs=uploaded,
        stand_in=store.STAND_IN,
        paths=pack_paths(LANGUAGES),
        check=check,
        tz=office.config.office.tz,
        local=local,
    )


@admin_only
def voice() -> str:
    return _page()


def _upload(field: str) -> tuple[str, bytes]:
    """The uploaded file's name and bytes; the spooled file is closed at once (a large upload
    lies in a temporary file)."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise refuse("กรุณาเลือกไฟล์", "Choose a file to upload.")
    try:
        return upload.filename, upload.read()
    finally:
        upload.close()


def _refused(check: PackCheck) -> tuple[str, int]:
    flash(
        pick(
            "ไม่รับชุดเสียงนี้ ชุดเสียงที่ใช้อยู่ไม่เปลี่ยน แก้ไฟล์ตามรายการแล้วอัปโหลดใหม่",
            "Pack refused; the pack in use is unchanged. Mend the clips listed and upload again.",
        ),
        "error",
    )
    return _page(check), 422


def _stored(clips: dict[str, bytes], check: PackCheck, source: str) -> Page:
    with swq().db.writing() as conn:
        pack = store.save_pack(
            conn, g.user.office, clips, check.languages, source, g.user.username, swq().now()
        )
    log("voice.upload", pack.version[:12], {"source": source, "languages": check.languages})
    flash(
        pick(
            f"ตรวจและบันทึกชุดเสียง {pack.version[:12]} แล้ว ลองฟังแล้วกด ใช้ชุดเสียงนี้",
            f"Pack {pack.version[:12]} checked and stored: preview it, then make it the office's.",
        ),
        "ok",
    )
    return redirect(url_for("admin.voice"))


def _attempt(work: Callable[[], Page]) -> Page:
    """An upload that is no pack at all (not a zip, no file chosen): say why, change nothing."""
    try:
        return work()
    except PackError as exc:
        flash(pick(exc.th, exc.en), "error")
    except DomainError as exc:
        flash(message(exc), "error")
    return _page(), 422


@larger_body(LIMIT)
@admin_only
def upload_pack() -> Page:
    def work() -> Page:
        name, data = _upload("pack")
        check, clips = checked(files_of_zip(data))
        if not check.ok:
            return _refused(check)
        return _stored(clips, check, name)

    return _attempt(work)


@larger_body(LIMIT)
@admin_only
def upload_clip() -> Page:
    def work() -> Page:
        path = request.form.get("path", "")
        name, data = _upload("clip")
        base_version = request.form.get("base", store.STAND_IN)
        with swq().db.engine.connect() as conn:
            base = next(
                (p for p in store.packs(conn, g.user.office) if p.version == base_version), None
            )
            own = store.stand_in_folder(current_app.config["VOICE_PACK_DIR"])
            files = store.pack_files(conn, base) if base else store.stand_in_files(own)
        check, clips = with_clip(files, path, data)
        if not check.ok:
            return _refused(check)
        return _stored(clips, check, f"{path} ({name})")

    return _attempt(work)


@admin_only
def activate(pack_id: int) -> Page:
    db = swq().db
    with db.writing() as conn:
        pack = store.pack_by_id(conn, g.user.office, pack_id) if pack_id else None
        if pack_id and pack is None:
            flash(pick("ไม่พบชุดเสียงนี้", "No such voice pack."), "error")
            return _page(), 404
        changed = store.activate(db, conn, g.user.office, pack, g.user.username, swq().now())
    if changed:
        db.committed(g.user.office)
        name = pack.version[:12] if pack else store.STAND_IN
        log("voice.activate", name)
        flash(
            pick(
                f"จอแสดงผลทุกจอใช้ชุดเสียง {name} แล้ว",
                f"Every board now says calls with the pack {name}.",
            ),
            "ok",
        )
    else:
        flash(pick("ไม่มีอะไรเปลี่ยนแปลง", "Nothing changed."), "ok")
    return redirect(url_for("admin.voice"))


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/voice", "voice", voice)
    bp.add_url_rule("/admin/voice/upload", "voice_upload", upload_pack, methods=["POST"])
    bp.add_url_rule("/admin/voice/clip", "voice_clip", upload_clip, methods=["POST"])
    bp.add_url_rule(
        "/admin/voice/<int:pack_id>/activate", "voice_activate", activate, methods=["POST"]
    )
