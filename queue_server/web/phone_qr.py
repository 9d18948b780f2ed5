"""The QR at the office's door and on its board: the address of today's phone-ticket page.

Its token is an HMAC of the office and its local day under the server's secret key, so it needs
no storage, is the same on every worker and node, and changes at the office's midnight: a photo
of yesterday's QR taken home cannot take a ticket today.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from datetime import date

import qrcode
import qrcode.image.svg
from flask import current_app, request, url_for
from markupsafe import Markup

from core.model import OfficeConfig
from queue_server.extension import swq

TOKEN_CHARS = 20


def day_token(secret: str | bytes, office: str, day: date) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    message = f"phone-ticket:{office}:{day.isoformat()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:TOKEN_CHARS]


def today_token(config: OfficeConfig) -> str:
    day = config.office.local_day(swq().now())
    return day_token(str(current_app.secret_key), config.office.code, day)


def phone_url(config: OfficeConfig) -> str:
    """Today's phone-ticket page, as the outside world reaches it."""
    base = current_app.config["PUBLIC_URL"] or request.host_url
    office = config.office.code
    path = url_for("phone_page.phone", office=office, token=today_token(config))
    return f"{base.rstrip('/')}{path}"


def qr_svg(text: str) -> Markup:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return Markup(svg[svg.index("<svg") :])  # drawn here from our own URL: no user text
