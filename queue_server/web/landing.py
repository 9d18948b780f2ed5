"""`/`: the page the server's address opens, pointing each visitor to their part of swq."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from queue_server.db import schema as t
from queue_server.extension import swq

landing = Blueprint("landing", __name__)


@landing.get("/")
def landing_page() -> str:
    with swq().db.engine.connect() as conn:
        offices = conn.execute(
            sa.select(t.offices.c.code, t.offices.c.name_th, t.offices.c.name_en).order_by(
                t.offices.c.code
            )
        ).all()
    return render_template("landing.html", offices=offices)
