"""The hall board as a web page (`/board?office=CODE&lang=en`) for smart TVs and browsers.

It is rendered with the board as it is now and then follows the event stream, like the Kivy
board: resume with `last_event_id`, and re-read `/api/v1/board` after every reconnect.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from queue_server.api.access import office_for
from queue_server.extension import swq
from queue_server.live.board import board_document

board_page = Blueprint("board_page", __name__)


@board_page.get("/board")
def board() -> str:
    office = office_for()
    doc = board_document(swq().db, office, swq().now(), int(current_app.config["BOARD_CALLS"]))
    lang = "en" if request.args.get("lang") == "en" else "th"
    return render_template("board.html", office=office, doc=doc, lang=lang)
