"""What a printed ticket says, line by line; the image and text printers both draw these lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from kiosk.texts import Lang, text, wait_line

MONTHS_TH = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BUDDHIST_ERA_OFFSET = 543


class Size(Enum):
    SMALL = "small"
    NORMAL = "normal"
    LARGE = "large"
    HUGE = "huge"  # the number


@dataclass(frozen=True)
class Line:
    text: str
    size: Size = Size.NORMAL
    bold: bool = False


@dataclass(frozen=True)
class TicketContent:
    office_th: str
    office_en: str
    service_th: str
    service_en: str
    agency_th: str
    agency_en: str
    extras: tuple[tuple[str, str], ...]  # other services of this visit: (Thai, English)
    number: str
    priority_th: str
    priority_en: str
    priority_is_normal: bool
    people_ahead: int
    estimated_wait_s: int | None
    estimated_wait_range_s: tuple[int, int] | None
    issued_at: datetime  # in the office's time zone
    status_url: str
    logo: bytes | None = None  # the office's logo (a PNG), printed above everything


def buddhist_date(at: datetime, lang: Lang) -> str:
    """`26 พ.ย. 2569 10:15 น.` or `26 Nov 2026 (B.E. 2569) 10:15`."""
    be = at.year + BUDDHIST_ERA_OFFSET
    if lang is Lang.TH:
        return f"{at.day} {MONTHS_TH[at.month - 1]} {be} {at:%H:%M} น."
    return f"{at.day} {MONTHS_EN[at.month - 1]} {at.year} (B.E. {be}) {at:%H:%M}"


def ticket_lines(ticket: TicketContent, lang: Lang) -> tuple[list[Line], list[Line]]:
    """The lines above the QR code and the footer below it. Office and service names come in
    both languages; the rest in the citizen's."""
    office_first, office_second = (
        (ticket.office_th, ticket.office_en) if lang is Lang.TH else (ticket.office_en, "")
    )
    top = [Line(office_first, Size.NORMAL, bold=True)]
    if office_second:
        top.append(Line(office_second, Size.SMALL))
    agency = ticket.agency_th if lang is Lang.TH else ticket.agency_en
    if agency:
        top.append(Line(agency, Size.NORMAL))
    top += [
        Line(ticket.service_th, Size.LARGE, bold=True),
        Line(ticket.service_en, Size.NORMAL),
    ]
    if ticket.extras:
        names = ", ".join(th if lang is Lang.TH else en for th, en in ticket.extras)
        top.append(Line(text("ticket_extras", lang) + " " + names, Size.NORMAL))
    top.append(Line(ticket.number, Size.HUGE, bold=True))
    if not ticket.priority_is_normal:
        name = ticket.priority_th if lang is Lang.TH else ticket.priority_en
        top.append(Line(text("ticket_priority", lang, name=name), Size.LARGE, bold=True))
    top.append(Line(text("ticket_ahead", lang, n=ticket.people_ahead)))
    wait = wait_line(
        ticket.people_ahead, ticket.estimated_wait_s, ticket.estimated_wait_range_s, lang
    )
    if wait:
        top.append(Line(wait))
    top += [
        Line(buddhist_date(ticket.issued_at, lang), Size.SMALL),
        Line(text("ticket_scan", lang), Size.SMALL),
    ]
    bottom = [Line(text("ticket_footer", lang), Size.SMALL)]
    return top, bottom
