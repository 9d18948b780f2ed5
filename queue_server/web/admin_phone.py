"""Phone tickets and notices on the admin pages: switch phone tickets on or off, the number of
people ahead that counts as near, the webhook's address, the door poster with today's QR, and
the webhook's delivery log (never the citizens' contacts)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, g, render_template, url_for

from core.phone_settings import MAX_NOTIFY_AHEAD, PhoneSettingError, PhoneSettings
from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.offices import read_phone, write_phone
from queue_server.web.admin_common import (
    Page,
    admin_only,
    attempt,
    changes,
    checked,
    draft,
    local,
    log,
    number,
    office_file,
    refuse,
    render,
    text,
)
from queue_server.web.phone_qr import phone_url, qr_svg

LOG_ROWS = 50


def _settings() -> PhoneSettings:
    with swq().db.engine.connect() as conn:
        return read_phone(conn, g.user.office)


def _deliveries() -> list[Any]:
    o, k = t.notice_outbox.c, t.tickets.c
    with swq().db.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(
                    o.id,
                    o.kind,
                    o.state,
                    o.attempts,
                    o.created_at,
                    o.last_attempt_at,
                    o.last_result,
                    k.number,
                )
                .join_from(t.notice_outbox, t.tickets, o.ticket_id == k.id, isouter=True)
                .where(o.office == g.user.office)
                .order_by(o.id.desc())
                .limit(LOG_ROWS)
            )
        )


def _page() -> str:
    office = office_file()
    tz = office.config.office.tz
    rows = [
        (row, local(row.created_at, tz), local(row.last_attempt_at, tz)) for row in _deliveries()
    ]
    return render(
        "admin_phone.html",
        office,
        phone=_settings(),
        deliveries=rows,
        max_ahead=MAX_NOTIFY_AHEAD,
        draft=draft(),
    )


@admin_only
def phone() -> str:
    return _page()


@admin_only
def save_phone() -> Page:
    def do() -> bool:
        ahead = number(
            "notify_ahead", ("จำนวนคิวก่อนหน้า", "People ahead"), maximum=MAX_NOTIFY_AHEAD, default=3
        )
        url = text("webhook_url", ("ที่อยู่เว็บฮุก", "Webhook address"), required=False, limit=500)
        try:
            wanted = PhoneSettings(
                tickets=checked("tickets"), notify_ahead=int(ahead or 0), webhook_url=url or None
            )
        except PhoneSettingError as exc:
            raise refuse(exc.message_th, exc.message_en) from None
        before = _settings()
        with swq().db.writing() as conn:
            changed = write_phone(conn, g.user.office, wanted)
        if changed:
            # The address may carry the gateway's key: the log says that it changed, not to what.
            old, new = before.to_json(), wanted.to_json()
            old["webhook_url"] = bool(old["webhook_url"])
            new["webhook_url"] = bool(new["webhook_url"])
            log("office.phone", g.user.office, changes(old, new))
        return changed

    return attempt(
        do,
        ("บันทึกการตั้งค่าบัตรคิวทางโทรศัพท์แล้ว", "Phone ticket settings saved."),
        url_for("admin.phone"),
        _page,
    )


@admin_only
def poster() -> str:
    """A page to print for the door: today's QR (it changes daily: print it each morning)."""
    office = office_file()
    return render_template(
        "admin_phone_poster.html",
        office=office.config.office,
        enabled=_settings().tickets,
        qr=qr_svg(phone_url(office.config)),
    )


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/phone", "phone", phone)
    bp.add_url_rule("/admin/phone", "save_phone", save_phone, methods=["POST"])
    bp.add_url_rule("/admin/phone/poster", "phone_poster", poster)
