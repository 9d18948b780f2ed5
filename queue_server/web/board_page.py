"""The hall board as a web page (`/board?office=CODE&lang=en`) for smart TVs and browsers.

It is rendered with the board as it is now and then follows the event stream, like the Kivy
board: resume with `last_event_id`, and re-read `/api/v1/board` after every reconnect. With several
offices and nothing saying which, it lists the offices' boards to choose from.

It says calls with the office's voice pack, the one its Kivy boards download: the browser fetches
the clips from `/voice/<version>/...` and joins them itself (static/board_voice.js); the version
changes with the pack (the `office.voice_pack` event), so a clip, once fetched, never changes.
The office's sound settings (admin home page; queue_server.board_sound) hold unless this board's
address says otherwise:
`voice=th,en|th|en|off`, `repeat=1..3`, `volume=0..100`.

A board set up with its display token (`/board?token=TOKEN` once: the token moves into an
HttpOnly cookie and out of the address bar) shows the layout the admin chose for it on the
Devices page and re-reads it from `/board/layout` (queue_server.board_layout); without a token
it shows the default layout.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from queue_server.api.access import public_office, token_principal
from queue_server.api.appearance import branding_out, layout_out, token_layout
from queue_server.api.errors import ApiError
from queue_server.auth import Principal, Role
from queue_server.board_sound import MAX_REPEAT, stored_sound
from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.live.board import board_document
from queue_server.offices import read_phone
from queue_server.voice_packs import store

board_page = Blueprint("board_page", __name__)
# chime.wav, th/A.wav, en/19.wav: the names display/voice/README.md lists, nothing else.
VOICE_CLIP = re.compile(r"(?:(?:th|en)/)?[A-Za-z0-9]{1,8}\.wav")
VOICE_LANGUAGES = ("th", "en")
YEAR_S = 365 * 24 * 3600
BOARD_COOKIE = "swq_board"


def voice_pack_dir() -> Path:
    return store.stand_in_folder(current_app.config.get("VOICE_PACK_DIR"))


def office_voice(office: str) -> dict[str, Any]:
    """Which pack the board fetches its clips from, and the languages it can say."""
    with swq().db.engine.connect() as conn:
        pack = store.office_pack(conn, office)
    if pack is None:
        return {"version": store.STAND_IN, "languages": list(VOICE_LANGUAGES)}
    return {"version": pack.version, "languages": list(pack.languages)}


def _bad(name: str, value: str, expected: str, expected_th: str) -> ApiError:
    return ApiError(
        400,
        "bad_request",
        f"{name}={value!r}: expected {expected}",
        f"{name}={value!r}: ต้องเป็น {expected_th}",
    )


def sound_overrides() -> dict[str, Any]:
    """The sound settings this board's address gives (the office's hold for the rest); a
    clear 400 for a value it cannot use."""
    found: dict[str, Any] = {}
    voice = request.args.get("voice")
    if voice is not None:
        languages = [] if voice == "off" else voice.split(",")
        if not voice or any(lang not in VOICE_LANGUAGES for lang in languages):
            raise _bad("voice", voice, "th, en, th,en or off", "th, en, th,en หรือ off")
        found["languages"] = voice
    for name, low, high in (("repeat", 1, MAX_REPEAT), ("volume", 0, 100)):
        raw = request.args.get(name)
        if raw is None:
            continue
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise _bad(name, raw, f"a whole number {low}-{high}", f"จำนวนเต็ม {low}-{high}")
        found[name] = int(raw)
    return found


def phone_tickets_on(office: str) -> bool:
    with swq().db.engine.connect() as conn:
        return read_phone(conn, office).tickets


def office_sound(office: str) -> dict[str, Any]:
    with swq().db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.offices.c.sound).where(t.offices.c.code == office)
        ).scalar_one_or_none()
    return stored_sound(stored).to_json()


def _board_token() -> Principal | None:
    """The display token this browser was set up with, if any (an unknown or revoked one is
    no reason to refuse a public board: it shows the default layout)."""
    token = request.cookies.get(BOARD_COOKIE)
    who = token_principal(token) if token else None
    return who if who is not None and who.role is Role.DISPLAY else None


def _set_up(token: str) -> Response:
    """Keep the token in a cookie and take it out of the address bar (and of any Referer)."""
    who = token_principal(token)
    if who is None or who.role is not Role.DISPLAY:
        raise ApiError(
            401,
            "unauthorized",
            "unknown or revoked token, or not a display board token",
            "โทเคนไม่ถูกต้อง ถูกยกเลิก หรือไม่ใช่โทเคนของจอแสดงผล",
        )
    args = {k: v for k, v in request.args.items() if k != "token"}
    args.setdefault("office", who.office)
    response = redirect(url_for("board_page.board", **args))
    response.set_cookie(
        BOARD_COOKIE,
        token,
        max_age=400 * 24 * 3600,
        path="/board",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Strict",
    )
    return response


@board_page.get("/board/layout")
def board_layout() -> Response:
    """This browser's board layout (the token's, from its cookie; else the default)."""
    who = _board_token()
    document = layout_out(token_layout(None if who is None else who.token_id))
    response = Response(document.model_dump_json(), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@board_page.get("/board")
def board() -> Response | str:
    if request.args.get("token"):
        return _set_up(request.args["token"])
    lang = "en" if request.args.get("lang") == "en" else "th"
    office = public_office()
    if office is None:
        with swq().db.engine.connect() as conn:
            offices = conn.execute(
                sa.select(t.offices.c.code, t.offices.c.name_th, t.offices.c.name_en).order_by(
                    t.offices.c.code
                )
            ).all()
        return render_template("board_choice.html", offices=offices, lang=lang)
    overrides = sound_overrides()
    doc = board_document(swq().db, office, swq().now(), int(current_app.config["BOARD_CALLS"]))
    sound = {"office": office_sound(office), "board": overrides, "pack": office_voice(office)}
    # ?phone_qr=1: today's phone-ticket QR in a corner, while the office has phone tickets on.
    phone_qr = request.args.get("phone_qr") == "1" and phone_tickets_on(office)
    who = _board_token()
    layout = layout_out(token_layout(None if who is None else who.token_id))
    return render_template(
        "board.html",
        office=office,
        doc=doc,
        lang=lang,
        sound=sound,
        layout=layout.model_dump(mode="json"),
        branding=branding_out(office).model_dump(mode="json"),
        phone_qr=phone_qr,
    )


@board_page.get("/voice/<version>/<path:clip>")
def voice_clip(version: str, clip: str) -> Response:
    """A clip of the server's own pack (`default`) or of an uploaded pack (its version)."""
    missing = ApiError(404, "not_found", f"no voice clip {clip!r}", f"ไม่พบไฟล์เสียง {clip!r}")
    if not VOICE_CLIP.fullmatch(clip):
        raise missing
    if version == store.STAND_IN:
        if not (voice_pack_dir() / clip).is_file():
            raise missing
        return send_from_directory(voice_pack_dir(), clip, mimetype="audio/wav", max_age=3600)
    with swq().db.engine.connect() as conn:
        pack = store.pack_by_version(conn, version)
        data = store.clip_data(conn, pack, clip) if pack is not None else None
    if data is None:
        raise missing
    return Response(
        data,
        mimetype="audio/wav",
        headers={"Cache-Control": f"public, max-age={YEAR_S}, immutable"},
    )
