"""The HTTP API of CONTRACT.md under /api/v1."""

from __future__ import annotations

from flask import Blueprint

from queue_server.api.spec import ApiSpec

bp = Blueprint("api", __name__, url_prefix="/api/v1")
spec = ApiSpec(title="swq queue server", version="1")


def blueprint() -> Blueprint:
    """The blueprint with every route module imported (they register on `bp`)."""
    from queue_server.api import (  # noqa: F401
        appearance,
        checkin,
        counters,
        desk,
        notices,
        office,
        public,
        reprint,
        tickets,
        voice,
    )

    return bp
