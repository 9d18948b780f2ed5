"""The hall board as a web page (`/board?office=CODE&lang=en`) for smart TVs and browsers.

It is rendered with the board as it is now and then follows the event stream, like the Kivy
board: resume with `last_event_id`, and re-read `/api/v1/board` after every reconnect. With several
offices and nothing saying which, it lists the offices' boards to choose from.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request

from queue_server.api.access import public_office
from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.live.board import board_document

board_page = Blueprint("board_page", __name__)


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
    doc = board_document(swq().db, office, swq().now(), int(current_app.config["BOARD_CALLS"]))
    return render_template("board.html", office=office, doc=doc, lang=lang)
