"""A lost ticket printed again from the counter: the same number on the counter PC's printer,
with the QR code of its status page. The reprint itself is recorded by the API
(`POST /api/v1/tickets/{id}/reprint`), which the console calls first."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, g, render_template
from markupsafe import Markup

from core.reports import thai_date
from queue_server.api.present import status_url
from queue_server.auth import Role
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq
from queue_server.web.session import require_user

reprint_page = Blueprint("reprint_page", __name__)


def qr_svg(text: str) -> Markup:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return Markup(svg[svg.index("<svg") :])  # drawn here from our own URL: no user text


@reprint_page.get("/console/print/<ticket_id>")
@require_user(Role.OFFICER)
def print_ticket(ticket_id: str) -> str:
    office = g.user.office
    with SqlUnitOfWork(swq().db, office, write=False) as uow:
        ticket = uow.tickets.get(ticket_id)
        config = uow.config(office)
    service = config.service(ticket.service)
    issued = ticket.issued_at.astimezone(config.office.tz)
    return render_template(
        "reprint.html",
        ticket=ticket,
        office=config.office,
        service=service,
        issued=f"{thai_date(issued.date())} {issued:%H:%M}",
        qr=qr_svg(status_url(ticket)),
    )
