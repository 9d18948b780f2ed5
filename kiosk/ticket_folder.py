"""A folder as the printer (`file:/some/folder/`): each ticket is kept as the ESC/POS bytes a
printer would get and as a PNG picture of the paper, for demos and for installers who want to
see a ticket before they have a printer."""

from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image

from kiosk.texts import Lang
from kiosk.ticket_image import render_lines
from kiosk.ticket_layout import TicketContent, ticket_lines

PAPER_DOTS = 576


def is_folder(target: str) -> bool:
    return target.endswith("/") or Path(target).is_dir()


def ticket_picture(ticket: TicketContent, lang: Lang, width: int = PAPER_DOTS) -> Image.Image:
    """The paper as the image printer prints it: lines, QR code, footer."""
    top, bottom = ticket_lines(ticket, lang)
    code = qrcode.make(ticket.status_url, box_size=6, border=2).get_image().convert("1")
    parts = [render_lines(top, width), code, render_lines(bottom, width)]
    paper = Image.new("1", (width, sum(p.height for p in parts)), 1)
    y = 0
    for part in parts:
        paper.paste(part, ((width - part.width) // 2, y))
        y += part.height
    return paper


def save_ticket(folder: Path, ticket: TicketContent, lang: Lang, data: bytes) -> Path:
    """`<date>-<time>-<number>.bin` and `.png`; returns the .bin path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{ticket.issued_at:%Y%m%d-%H%M%S}-{ticket.number}"
    path = folder / f"{stem}.bin"
    path.write_bytes(data)
    ticket_picture(ticket, lang).save(folder / f"{stem}.png")
    return path
