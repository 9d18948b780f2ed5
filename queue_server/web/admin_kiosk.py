"""The kiosk's buttons: which services it offers, in what order, which few it puts first as big
tiles on its first screen, and what else it asks."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, g, url_for

from core.office_file import MAX_FEATURED, KioskSettings, stored_kiosk_settings
from queue_server.api.office import kiosk_layout
from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.web.admin_common import (
    Page,
    admin_only,
    attempt,
    checked,
    draft,
    log,
    number,
    office_file,
    refuse,
    render,
)


def _stored() -> Any:
    with swq().db.engine.connect() as conn:
        return conn.execute(
            sa.select(t.offices.c.kiosk).where(t.offices.c.code == g.user.office)
        ).scalar_one()


def _page() -> str:
    office = office_file()
    layout = kiosk_layout(office.config, _stored())
    shown = layout.services
    # Shown services first in their order, then the hidden ones in configured order.
    rows = [(office.config.services[c], True, i + 1) for i, c in enumerate(shown)]
    rows += [(s, False, None) for s in office.config.services.values() if s.code not in shown]
    return render(
        "admin_kiosk.html",
        office=office,
        rows=rows,
        layout=layout,
        max_featured=MAX_FEATURED,
        draft=draft(),
    )


@admin_only
def kiosk() -> str:
    return _page()


@admin_only
def save() -> Page:
    def do() -> bool:
        services = office_file().config.services
        chosen = []
        for i, service_code in enumerate(services):
            if checked(f"show_{service_code}"):
                label = (f"ลำดับของบริการ {service_code}", f"Position of service {service_code}")
                place = number(f"order_{service_code}", label, minimum=1, maximum=999)
                chosen.append((place if place is not None else 1000 + i, i, service_code))
        if not chosen:
            raise refuse(
                "ตู้กดบัตรคิวต้องมีอย่างน้อยหนึ่งบริการ", "The kiosk must offer at least one service."
            )
        shown = [c for _, _, c in sorted(chosen)]
        featured = [c for c in shown if checked(f"featured_{c}")]
        hidden = [c for c in services if checked(f"featured_{c}") and c not in shown]
        if hidden:
            raise refuse(
                f"บริการแนะนำต้องแสดงบนตู้ด้วย: {', '.join(hidden)}",
                f"A featured service must also be shown: {', '.join(hidden)}.",
            )
        if len(featured) > MAX_FEATURED:
            raise refuse(
                f"หน้าแรกของตู้แสดงบริการแนะนำได้ไม่เกิน {MAX_FEATURED} บริการ "
                f"(เลือกไว้ {len(featured)}) กรุณาเลือกให้น้อยลง",
                f"The kiosk's first screen holds at most {MAX_FEATURED} featured services "
                f"({len(featured)} chosen): please choose fewer.",
            )
        layout = KioskSettings(
            services=tuple(shown),
            ask_priority=checked("ask_priority"),
            ask_extra_services=checked("ask_extra_services"),
            featured=tuple(featured),
        )
        if stored_kiosk_settings(_stored()) == layout:
            return False
        with swq().db.writing() as conn:
            conn.execute(
                sa.update(t.offices)
                .where(t.offices.c.code == g.user.office)
                .values(kiosk=layout.as_stored())
            )
        log("kiosk.layout", g.user.office, layout.as_stored())
        return True

    return attempt(
        do,
        ("บันทึกปุ่มตู้กดบัตรคิวแล้ว", "Kiosk buttons saved; kiosks pick them up shortly."),
        url_for("admin.kiosk"),
        _page,
    )


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/kiosk", "kiosk", kiosk)
    bp.add_url_rule("/admin/kiosk", "kiosk_save", save, methods=["POST"])
