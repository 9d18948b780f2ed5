"""How the office and each board look: the office's colours and logo, a board's layout."""

from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Response, request

from core.legibility import METRES_PER_LETTER_CM, THAI_LETTER_EM
from queue_server.api import bp, spec
from queue_server.api.access import office_for
from queue_server.api.errors import ApiError
from queue_server.api.models import BoardLayoutOut, BrandingOut, Error, OfficeQuery
from queue_server.auth import Principal, Role
from queue_server.board_layout import BoardLayout, stored_layout
from queue_server.branding import TEXT_COLOUR, stored_branding
from queue_server.db import schema as t
from queue_server.extension import swq

LOGO_PATH = "/api/v1/office/logo"


def branding_out(office: str) -> BrandingOut:
    """The office's colours and, when it has one, where its logo is (the address names the
    picture's version, so a cached old logo is never shown after a new upload)."""
    with swq().db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.offices.c.branding).where(t.offices.c.code == office)
        ).scalar_one_or_none()
        version = conn.execute(
            sa.select(t.office_logos.c.version).where(t.office_logos.c.office == office)
        ).scalar_one_or_none()
    colours = stored_branding(stored)
    url = None if version is None else f"{LOGO_PATH}?{urlencode({'office': office, 'v': version})}"
    return BrandingOut(
        primary=colours.primary, accent=colours.accent, text=TEXT_COLOUR, logo_url=url
    )


def layout_out(layout: BoardLayout) -> BoardLayoutOut:
    return BoardLayoutOut(
        **layout.to_json(), metres_per_letter_cm=METRES_PER_LETTER_CM, thai_letter_em=THAI_LETTER_EM
    )


def token_layout(token_id: int | None) -> BoardLayout:
    """The layout the admin chose for this display token (the defaults for anyone else)."""
    if token_id is None:
        return BoardLayout()
    with swq().db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.tokens.c.board_layout).where(t.tokens.c.id == token_id)
        ).scalar_one_or_none()
    return stored_layout(stored)


@spec.route(
    bp,
    "GET",
    "/office/logo",
    summary="The office's logo as a PNG (the address in the office document's branding)",
    tag="public",
    query=OfficeQuery,
    responses={
        200: (None, "the logo, image/png"),
        400: (Error, "several offices: say which"),
        404: (Error, "no such office, or it has no logo"),
    },
    content_type="image/png",
)
def logo(query: OfficeQuery) -> Response:
    office = office_for()
    with swq().db.engine.connect() as conn:
        row = conn.execute(
            sa.select(t.office_logos.c.png, t.office_logos.c.version).where(
                t.office_logos.c.office == office
            )
        ).one_or_none()
    if row is None:
        raise ApiError(
            404, "not_found", f"office {office} has no logo", f"สำนักงาน {office} ยังไม่มีโลโก้"
        )
    response = Response(bytes(row.png), mimetype="image/png")
    response.set_etag(row.version)
    # The address carries the version (?v=): a board may keep the picture for a day.
    response.headers["Cache-Control"] = (
        "public, max-age=86400" if request.args.get("v") else ("no-cache")
    )
    return response.make_conditional(request)


@spec.route(
    bp,
    "GET",
    "/board/layout",
    summary="This board's layout (admin: Devices) and the reading rule for its text sizes",
    tag="devices",
    roles=[Role.DISPLAY],
    responses={
        200: (BoardLayoutOut, "the layout"),
        401: (Error, "no or unknown token"),
        403: (Error, "not a display token"),
    },
)
def board_layout(who: Principal) -> Response:
    document = layout_out(token_layout(who.token_id))
    return Response(document.model_dump_json(), mimetype="application/json")
