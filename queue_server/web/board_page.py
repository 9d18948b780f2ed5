"""The hall board as a web page (`/board?office=CODE&lang=en`) for smart TVs and browsers.

It is rendered with the board as it is now and then follows the event stream, like the Kivy
board: resume with `last_event_id`, and re-read `/api/v1/board` after every reconnect. With several
offices and nothing saying which, it lists the offices' boards to choose from.

It says calls with the same voice pack as the Kivy board: the browser fetches the clips from
`/voice/...` and joins them itself (static/board_voice.js). The office's sound settings (admin
home page; queue_server.board_sound) hold unless this board's address says otherwise:
`voice=th,en|th|en|off`, `repeat=1..3`, `volume=0..100`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, render_template, request, send_from_directory

from queue_server.api.access import public_office
from queue_server.api.errors import ApiError
from queue_server.board_sound import MAX_REPEAT, stored_sound
from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.live.board import board_document
from queue_server.offices import read_phone

board_page = Blueprint("board_page", __name__)
# chime.wav, th/A.wav, en/19.wav: the names display/voice/README.md lists, nothing else.
VOICE_CLIP = re.compile(r"(?:(?:th|en)/)?[A-Za-z0-9]{1,8}\.wav")
VOICE_LANGUAGES = ("th", "en")
SHIPPED_PACK = Path(__file__).resolve().parents[1] / "voice" / "default"


def voice_pack_dir() -> Path:
    configured = current_app.config.get("VOICE_PACK_DIR")
    return Path(configured) if configured else SHIPPED_PACK


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


@board_page.get("/board")
def board() -> str:
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
    sound = {"office": office_sound(office), "board": overrides}
    # ?phone_qr=1: today's phone-ticket QR in a corner, while the office has phone tickets on.
    phone_qr = request.args.get("phone_qr") == "1" and phone_tickets_on(office)
    return render_template(
        "board.html", office=office, doc=doc, lang=lang, sound=sound, phone_qr=phone_qr
    )


@board_page.get("/voice/<path:clip>")
def voice_clip(clip: str) -> Response:
    if not VOICE_CLIP.fullmatch(clip) or not (voice_pack_dir() / clip).is_file():
        raise ApiError(404, "not_found", f"no voice clip {clip!r}", f"ไม่พบไฟล์เสียง {clip!r}")
    return send_from_directory(voice_pack_dir(), clip, mimetype="audio/wav", max_age=3600)
