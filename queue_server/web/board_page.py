"""The hall board as a web page (`/board?office=CODE&lang=en`) for smart TVs and browsers.

It is rendered with the board as it is now and then follows the event stream, like the Kivy
board: resume with `last_event_id`, and re-read `/api/v1/board` after every reconnect.

It says calls with the same voice pack as the Kivy board: the browser fetches the clips from
`/voice/...` and joins them itself (static/board_voice.js). This board's own sound settings come
in the address: `voice=th,en|th|en|off`, `repeat=1..3`, `volume=0..100`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory

from queue_server.api.access import office_for
from queue_server.api.errors import ApiError
from queue_server.extension import swq
from queue_server.live.board import board_document

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


def sound_options() -> dict[str, Any]:
    """This board's sound settings from its address; a clear 400 for a value it cannot use."""
    voice = request.args.get("voice", "th")
    languages = [] if voice == "off" else voice.split(",")
    if not voice or any(lang not in VOICE_LANGUAGES for lang in languages):
        raise _bad("voice", voice, "th, en, th,en or off", "th, en, th,en หรือ off")
    numbers = {"repeat": (1, 1, 3), "volume": (100, 0, 100)}
    found: dict[str, Any] = {"languages": languages}
    for name, (default, low, high) in numbers.items():
        raw = request.args.get(name, str(default))
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise _bad(name, raw, f"a whole number {low}-{high}", f"จำนวนเต็ม {low}-{high}")
        found[name] = int(raw)
    return found


@board_page.get("/board")
def board() -> str:
    office = office_for()
    sound = sound_options()
    doc = board_document(swq().db, office, swq().now(), int(current_app.config["BOARD_CALLS"]))
    lang = "en" if request.args.get("lang") == "en" else "th"
    return render_template("board.html", office=office, doc=doc, lang=lang, sound=sound)


@board_page.get("/voice/<path:clip>")
def voice_clip(clip: str) -> Response:
    if not VOICE_CLIP.fullmatch(clip) or not (voice_pack_dir() / clip).is_file():
        raise ApiError(404, "not_found", f"no voice clip {clip!r}", f"ไม่พบไฟล์เสียง {clip!r}")
    return send_from_directory(voice_pack_dir(), clip, mimetype="audio/wav", max_age=3600)
