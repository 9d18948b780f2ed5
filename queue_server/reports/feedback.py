"""Citizens' ratings of a finished visit (1-5 and an optional comment).

Two ways in, neither of which lets anyone rate an arbitrary ticket:
- the ticket's own status page (`/t/{id}?key=K`, the QR code): the key printed on the ticket;
- a tablet at the counter (`/feedback/<counter>`): only the counter's most recent finished ticket,
  only within `FEEDBACK_WINDOW_S` of it finishing, and only while nobody has rated it. The tablet
  is a device of the office: it is set up once by opening `/feedback/<counter>?token=TOKEN` with a
  display token (admin: Devices); the token then lives in an HttpOnly, SameSite=Strict cookie
  and leaves the address bar. Without a token the page is a 401: a stranger cannot rate a
  counter's last visit (and so block its citizen's own rating).
One rating per ticket: the first one counts and a second is refused (409 `already_rated`), so a
tablet left showing a ticket cannot be used to overwrite what its citizen said.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from core.codec import iso
from core.model import TicketStatus
from queue_server.api.access import office_for, token_principal
from queue_server.api.errors import ApiError
from queue_server.auth import Principal, Role
from queue_server.db import schema as t
from queue_server.db.database import Database
from queue_server.extension import swq

FEEDBACK_WINDOW_S = 10 * 60
MAX_COMMENT = 500
tablet = Blueprint("feedback", __name__)
TABLET_COOKIE = "swq_tablet"


@dataclass(frozen=True)
class Stored:
    ticket_id: str
    number: str
    rating: int
    comment: str
    at: str | None


def _not_found(ticket_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no ticket {ticket_id!r}", f"ไม่พบบัตรคิว {ticket_id!r}")


def store_feedback(
    db: Database,
    ticket_id: str,
    rating: int,
    comment: str,
    *,
    source: str,
    now: datetime,
    key: str | None = None,
) -> Stored:
    """Store one rating of a done ticket; `key` (the ticket's status key) is checked when given."""
    tk = t.tickets.c
    with db.engine.connect() as conn:
        row = conn.execute(
            sa.select(
                tk.office, tk.number, tk.status, tk.status_key, tk.service, tk.counter, tk.day
            ).where(tk.id == ticket_id)
        ).one_or_none()
    if row is None or (
        key is not None and not hmac.compare_digest(row.status_key.encode(), key.encode())
    ):
        raise _not_found(ticket_id)
    if row.status != TicketStatus.DONE.value:
        raise ApiError(
            409,
            "not_done",
            f"ticket {row.number} is {row.status}: only a finished visit can be rated",
            f"บัตรคิว {row.number} ยังไม่เสร็จสิ้น ให้คะแนนได้เมื่อรับบริการเสร็จแล้ว",
        )
    try:
        with db.writing() as conn:
            conn.execute(
                sa.insert(t.feedback).values(
                    ticket_id=ticket_id,
                    office=row.office,
                    at=now,
                    day=row.day,
                    rating=rating,
                    comment=comment.strip(),
                    source=source,
                    service=row.service,
                    counter=row.counter,
                )
            )
    except sa.exc.IntegrityError:
        raise ApiError(
            409,
            "already_rated",
            f"ticket {row.number} has already been rated",
            f"บัตรคิว {row.number} ได้รับการประเมินแล้ว ขอบคุณค่ะ",
        ) from None
    config = db.cached_config(row.office)
    at = iso(now, config.office.tz if config else None)
    return Stored(ticket_id, row.number, rating, comment.strip(), at)


def is_rated(db: Database, ticket_id: str) -> bool:
    with db.engine.connect() as conn:
        found = conn.execute(
            sa.select(t.feedback.c.ticket_id).where(t.feedback.c.ticket_id == ticket_id)
        ).first()
    return found is not None


def ticket_to_rate(
    db: Database, office: str, counter: str, now: datetime
) -> tuple[str, str] | None:
    """(id, number) of the counter's most recent finished ticket, if it finished within the
    window and has no rating yet."""
    tk, fb = t.tickets.c, t.feedback.c
    with db.engine.connect() as conn:
        row = conn.execute(
            sa.select(tk.id, tk.number, tk.finished_at, fb.ticket_id)
            .outerjoin_from(t.tickets, t.feedback, fb.ticket_id == tk.id)
            .where(
                tk.office == office,
                tk.counter == counter,
                tk.status == TicketStatus.DONE.value,
                tk.finished_at >= now - timedelta(seconds=FEEDBACK_WINDOW_S),
            )
            .order_by(tk.finished_at.desc())
            .limit(1)
        ).one_or_none()
    if row is None or row[3] is not None:
        return None
    return row[0], row[1]


def _counter_names(office: str, counter: str) -> tuple[str, str]:
    c = t.counters.c
    with swq().db.engine.connect() as conn:
        row = conn.execute(
            sa.select(c.name_th, c.name_en).where(c.office == office, c.code == counter)
        ).one_or_none()
    if row is None:
        raise ApiError(404, "not_found", f"no counter {counter!r}", f"ไม่พบช่องบริการ {counter!r}")
    return row[0], row[1]


def _tablet() -> Principal:
    """The display (or admin) token this tablet was set up with."""
    header = request.headers.get("Authorization", "")
    token = request.cookies.get(TABLET_COOKIE) or header.removeprefix("Bearer ").strip()
    who = token_principal(token) if token else None
    if who is None or who.role not in (Role.DISPLAY, Role.ADMIN):
        raise ApiError(
            401,
            "unauthorized",
            "this tablet is not set up: open /feedback/COUNTER?token=TOKEN once with a display "
            "token (admin pages: Devices)",
            "แท็บเล็ตนี้ยังไม่ได้ตั้งค่า: เปิด /feedback/ช่องบริการ?token=โทเคน ครั้งหนึ่ง "
            "ด้วยโทเคนประเภท display (หน้าผู้ดูแลระบบ: อุปกรณ์)",
        )
    return who


def _set_up(counter: str, token: str) -> Response:
    """Keep the token in a cookie and take it out of the address bar (and of any Referer)."""
    who = token_principal(token)
    if who is None or who.role not in (Role.DISPLAY, Role.ADMIN):
        raise ApiError(401, "unauthorized", "unknown or revoked token", "โทเคนไม่ถูกต้อง")
    args = {k: v for k, v in request.args.items() if k != "token"}
    response = redirect(url_for("feedback.tablet_page", counter=counter, **args))
    response.set_cookie(
        TABLET_COOKIE,
        token,
        max_age=400 * 24 * 3600,
        path="/feedback",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Strict",
    )
    return response


@tablet.get("/feedback/<counter>")
def tablet_page(counter: str) -> Response | str:
    if request.args.get("token"):
        return _set_up(counter, request.args["token"])
    office = office_for(_tablet())
    names = _counter_names(office, counter)
    lang = "en" if request.args.get("lang") == "en" else "th"
    current = ticket_to_rate(swq().db, office, counter, swq().now())
    return render_template(
        "feedback.html",
        office=office,
        counter=counter,
        counter_name=names[1] if lang == "en" else names[0],
        ticket=current,
        thanks=request.args.get("thanks") == "1",
        lang=lang,
    )


@tablet.post("/feedback/<counter>")
def tablet_rate(counter: str) -> Response:
    office = office_for(_tablet())
    _counter_names(office, counter)
    ticket_id = request.form.get("ticket_id", "")
    rating = request.form.get("rating", "")
    if rating not in {"1", "2", "3", "4", "5"}:
        raise ApiError(422, "invalid_request", "rating must be 1 to 5", "คะแนนต้องเป็น 1 ถึง 5")
    db, now = swq().db, swq().now()
    current = ticket_to_rate(db, office, counter, now)
    if current is None or current[0] != ticket_id:
        raise ApiError(
            409,
            "not_rateable",
            "this counter has no finished ticket waiting for a rating now",
            "ขณะนี้ไม่มีบัตรคิวที่รอการประเมินที่ช่องบริการนี้",
        )
    store_feedback(db, ticket_id, int(rating), "", source="counter", now=now)
    lang = request.args.get("lang")
    return redirect(
        url_for(
            "feedback.tablet_page",
            counter=counter,
            office=office,
            thanks=1,
            **({"lang": lang} if lang == "en" else {}),
        )
    )
