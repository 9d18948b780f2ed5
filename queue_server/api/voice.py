"""The office's voice pack for the Kivy board: what it is (version) and the pack as one zip.

A board reads the version from the office document or the `office.voice_pack` event and
downloads the zip only when it has not got that version yet."""

from __future__ import annotations

import re

from flask import Response, current_app, jsonify

from core.speech import LANGUAGES
from queue_server.api import bp, spec
from queue_server.api.access import office_for
from queue_server.api.errors import ApiError
from queue_server.api.models import Error, OfficeQuery, VoicePackOut
from queue_server.extension import swq
from queue_server.voice_packs import store

OFFICE_ERRORS = {
    400: (Error, "several offices: say which"),
    404: (Error, "no such office, or no such pack of it"),
}
VERSION = re.compile(r"[0-9a-f]{64}")


@spec.route(
    bp,
    "GET",
    "/voice-pack",
    summary="The office's voice pack: version, languages and clips (version null: the stand-in)",
    tag="public",
    query=OfficeQuery,
    responses={200: (VoicePackOut, "the office's pack"), **OFFICE_ERRORS},
)
def voice_pack(query: OfficeQuery) -> Response:
    office = office_for()
    with swq().db.engine.connect() as conn:
        pack = store.office_pack(conn, office)
    if pack is None:
        folder = store.stand_in_folder(current_app.config["VOICE_PACK_DIR"])
        clips = sorted(store.stand_in_files(folder))
        out = VoicePackOut(version=None, languages=list(LANGUAGES), clips=clips)
    else:
        out = VoicePackOut(
            version=pack.version, languages=list(pack.languages), clips=sorted(pack.clips)
        )
    return jsonify(out.model_dump(mode="json"))


@spec.route(
    bp,
    "GET",
    "/voice-pack/<version>.zip",
    summary="One of the office's voice packs as a zip of its clips (the layout of the pack)",
    tag="public",
    query=OfficeQuery,
    content_type="application/zip",
    responses={200: (str, "the pack"), **OFFICE_ERRORS},
)
def voice_pack_zip(query: OfficeQuery, version: str) -> Response:
    office = office_for()
    with swq().db.engine.connect() as conn:
        pack = store.pack_by_version(conn, version) if VERSION.fullmatch(version) else None
        if pack is None or not store.office_has(conn, office, version):
            raise ApiError(
                404,
                "not_found",
                f"office {office} has no voice pack {version!r}",
                f"สำนักงาน {office} ไม่มีชุดเสียง {version!r}",
            )
        data = store.zipped(store.pack_files(conn, pack))
    return Response(
        data,
        mimetype="application/zip",
        headers={"Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{version}"'},
    )
