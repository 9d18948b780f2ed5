"""The office as devices see it (kiosk buttons, board notice, opening hours) and the devices'
heartbeats."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request

from core.model import OfficeConfig
from core.office_file import stored_kiosk_settings
from queue_server.api import bp, spec
from queue_server.api.access import office_for
from queue_server.api.appearance import branding_out
from queue_server.api.models import (
    BoardSoundOut,
    Error,
    HeartbeatOut,
    HeartbeatRequest,
    KioskLayout,
    OfficeOut,
    OfficeQuery,
    PriorityClassOut,
    VoicePackRef,
)
from queue_server.auth import Principal, Role
from queue_server.board_sound import stored_sound
from queue_server.db import schema as t
from queue_server.db.uow import SqlUnitOfWork
from queue_server.extension import swq
from queue_server.voice_packs.store import office_pack


def kiosk_layout(config: OfficeConfig, stored: Any) -> KioskLayout:
    """The stored layout without services removed since; none stored, or none named: every
    service, in order. Featured services are among those shown."""
    settings = stored_kiosk_settings(stored)
    if settings is None:
        return KioskLayout(
            services=list(config.services), ask_priority=len(config.priority.classes) > 1
        )
    shown = [c for c in settings.services if c in config.services] or list(config.services)
    return KioskLayout(
        services=shown,
        ask_priority=settings.ask_priority,
        ask_extra_services=settings.ask_extra_services,
        featured=[c for c in settings.featured if c in shown],
    )


@spec.route(
    bp,
    "GET",
    "/office",
    summary="The office: names, hours, priority classes, kiosk buttons, the boards' notice line",
    tag="public",
    query=OfficeQuery,
    responses={
        200: (OfficeOut, "the office"),
        400: (Error, "several offices: say which"),
        404: (Error, "no such office"),
    },
)
def office(query: OfficeQuery) -> Response:
    code = office_for()
    with SqlUnitOfWork(swq().db, code, write=False) as uow:
        config = uow.config(code)  # checks the version: kiosks see an admin's change at once
    with swq().db.engine.connect() as conn:
        row = conn.execute(
            sa.select(
                t.offices.c.notice_th,
                t.offices.c.notice_en,
                t.offices.c.kiosk,
                t.offices.c.sound,
                t.offices.c.booking,
            ).where(t.offices.c.code == code)
        ).one()
        pack = office_pack(conn, code)
    now = swq().now()
    classes = []
    for klass in config.priority.classes:
        name_th, name_en = config.priority.name(klass)
        classes.append(PriorityClassOut(code=klass, name_th=name_th, name_en=name_en))
    document = OfficeOut(
        code=code,
        name_th=config.office.name_th,
        name_en=config.office.name_en,
        timezone=config.office.timezone,
        hours=str(config.office.hours) if config.office.hours else None,
        open_now=config.office.is_open(now),
        now=now.astimezone(config.office.tz),
        priority_classes=classes,
        kiosk=kiosk_layout(config, row.kiosk),
        notice_th=row.notice_th,
        notice_en=row.notice_en,
        sound=BoardSoundOut(**stored_sound(row.sound).to_json()),
        voice_pack=VoicePackRef(version=pack.version, languages=list(pack.languages))
        if pack
        else None,
        branding=branding_out(code),
        bookings=bool(isinstance(row.booking, dict) and row.booking.get("slots")),
    )
    return jsonify(document.model_dump(mode="json"))


@spec.route(
    bp,
    "POST",
    "/devices/heartbeat",
    summary="A kiosk or board says it is alive, and how its printer is",
    tag="devices",
    roles=[Role.KIOSK, Role.DISPLAY],
    body=HeartbeatRequest,
    responses={
        200: (HeartbeatOut, "noted"),
        400: (Error, "the body is not JSON"),
        401: (Error, "no or unknown token"),
        403: (Error, "not a device token"),
        422: (Error, "invalid body"),
    },
)
def heartbeat(who: Principal, body: HeartbeatRequest) -> Response:
    now = swq().now()
    if who.token_id is not None:  # an admin trying it from the browser has no device row
        values = {
            "office": who.office,
            "last_seen": now,
            "printer": body.printer,
            "detail": body.detail,
            "version": body.version,
            "address": (request.remote_addr or "")[:64],
        }
        try:
            with swq().db.writing() as conn:
                updated = conn.execute(
                    sa.update(t.devices).where(t.devices.c.token_id == who.token_id).values(values)
                ).rowcount
                if not updated:
                    conn.execute(sa.insert(t.devices).values(token_id=who.token_id, **values))
        except sa.exc.IntegrityError:
            pass  # the same device's other heartbeat inserted the row a moment ago: it counts
    return jsonify(HeartbeatOut(status="ok", server_time=now).model_dump(mode="json"))
