"""Device tokens (create, revoke) and the devices' health from their heartbeats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, g, make_response, request, url_for

from core.legibility import letter_height_cm
from queue_server.auth import Role, create_token
from queue_server.board_layout import (
    BoardLayout,
    LayoutSettingError,
    checked_layout,
    stored_layout,
)
from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.web.admin_common import (
    Page,
    admin_only,
    attempt,
    changes,
    draft,
    local,
    log,
    office_file,
    refuse,
    render,
    text,
)

# Devices beat every 30 s or so; four missed beats means the device (or its network) is gone.
OFFLINE_AFTER = timedelta(minutes=2)
DEVICE_ROLES = (Role.KIOSK, Role.DISPLAY)
PRINTER_TROUBLE = ("offline", "paper_out", "paper_low")
PRINTER_NAMES = {
    "ok": ("พร้อม", "ready"),
    "offline": ("เครื่องพิมพ์ไม่ตอบสนอง", "printer offline"),
    "paper_out": ("กระดาษหมด", "out of paper"),
    "paper_low": ("กระดาษใกล้หมด", "paper low"),
    "none": ("ไม่มีเครื่องพิมพ์", "no printer"),
}
ROLE_NAMES = {
    Role.KIOSK: ("ตู้กดบัตรคิว", "kiosk"),
    Role.DISPLAY: ("จอแสดงผล", "display board"),
    Role.OFFICER: ("เจ้าหน้าที่ (ผูกกับช่องบริการ)", "officer (bound to a counter)"),
    Role.ADMIN: ("ผู้ดูแลระบบ", "admin"),
}


@dataclass(frozen=True)
class Device:
    id: int
    role: str
    name: str
    counter: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_seen: datetime | None
    printer: str | None
    detail: str
    version: str
    address: str
    online: bool

    @property
    def is_device(self) -> bool:
        return self.role in DEVICE_ROLES

    @property
    def printer_trouble(self) -> bool:
        return self.printer in PRINTER_TROUBLE


def _tokens(live_devices_only: bool = False) -> list[Device]:
    tk, dv = t.tokens.c, t.devices.c
    query = (
        sa.select(
            tk.id,
            tk.role,
            tk.name,
            tk.counter,
            tk.created_at,
            tk.revoked_at,
            dv.last_seen,
            dv.printer,
            dv.detail,
            dv.version,
            dv.address,
        )
        .select_from(t.tokens.outerjoin(t.devices, dv.token_id == tk.id))
        .where(tk.office == g.user.office)
        .order_by(tk.revoked_at.is_not(None), tk.id.desc())
    )
    if live_devices_only:
        query = query.where(tk.revoked_at.is_(None), tk.role.in_(DEVICE_ROLES))
    with swq().db.engine.connect() as conn:
        rows = conn.execute(query).all()
    now = swq().now()
    return [
        Device(
            id=r.id,
            role=r.role,
            name=r.name,
            counter=r.counter,
            created_at=r.created_at,
            revoked_at=r.revoked_at,
            last_seen=r.last_seen,
            printer=r.printer,
            detail=r.detail or "",
            version=r.version or "",
            address=r.address or "",
            online=r.last_seen is not None and now - r.last_seen <= OFFLINE_AFTER,
        )
        for r in rows
    ]


def device_health() -> list[Device]:
    """The office's kiosks and boards that hold a live token."""
    return _tokens(live_devices_only=True)


@dataclass(frozen=True)
class Board:
    id: int
    name: str
    layout: BoardLayout

    @property
    def letter_cm(self) -> float:
        return letter_height_cm(self.layout.distance_m)


def _boards() -> list[Board]:
    """The office's live display tokens with the layout each board shows."""
    tk = t.tokens.c
    with swq().db.engine.connect() as conn:
        rows = conn.execute(
            sa.select(tk.id, tk.name, tk.board_layout)
            .where(
                tk.office == g.user.office, tk.role == Role.DISPLAY.value, tk.revoked_at.is_(None)
            )
            .order_by(tk.id)
        ).all()
    return [Board(r.id, r.name, stored_layout(r.board_layout)) for r in rows]


def _page() -> str:
    office = office_file()
    tokens = _tokens()
    return render(
        "admin_devices.html",
        office=office,
        devices=[d for d in tokens if d.is_device and d.revoked_at is None],
        tokens=tokens,
        counters=[(c.code, c.name_th, c.name_en) for c in office.counters],
        boards=_boards(),
        # A refused layout shows again as typed, on the board it was meant for.
        draft_board=(request.view_args or {}).get("token_id") if request.method == "POST" else None,
        roles=ROLE_NAMES,
        printer_names=PRINTER_NAMES,
        tz=office.config.office.tz,
        local=local,
        cache_s=current_app.config["TOKEN_CACHE_S"],
        draft=draft(),
    )


@admin_only
def devices() -> str:
    return _page()


@admin_only
def create() -> Page:
    created: dict[str, str] = {}

    def do() -> bool:
        try:
            role = Role(request.form.get("role", ""))
        except ValueError:
            raise refuse("กรุณาเลือกประเภทโทเคน", "Choose what the token is for.") from None
        name = text("name", ("ชื่ออุปกรณ์", "Device name"))
        counter = (request.form.get("counter") or None) if role is Role.OFFICER else None
        if role is Role.OFFICER and counter is None:
            raise refuse(
                "โทเคนของเจ้าหน้าที่ต้องผูกกับช่องบริการ กรุณาเลือกช่องบริการ",
                "An officer token is bound to a counter: choose one.",
            )
        with swq().db.writing() as conn:
            token = create_token(
                conn, office=g.user.office, role=role, name=name, now=swq().now(), counter=counter
            )
        created.update(token=token, name=name, role=role.value)
        log("token.create", name, {"role": role.value, "counter": counter})
        return True

    answer = attempt(do, ("สร้างโทเคนแล้ว", "Token created."), url_for("admin.devices"), _page)
    if not created:
        return answer
    # The clear token is shown this once and never stored: no cache may keep the page either.
    response = make_response(
        render(
            "admin_token_created.html",
            office_file(),
            token=created["token"],
            name=created["name"],
            role=ROLE_NAMES[Role(created["role"])],
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@admin_only
def revoke(token_id: int) -> Page:
    def do() -> bool:
        tk = t.tokens.c
        with swq().db.writing() as conn:
            row = conn.execute(
                sa.select(tk.name, tk.role, tk.revoked_at).where(
                    tk.id == token_id, tk.office == g.user.office
                )
            ).first()
            if row is None:
                raise refuse("ไม่พบโทเคนนี้", "No such token.")
            if row.revoked_at is not None:
                return False
            conn.execute(
                sa.update(t.tokens).where(tk.id == token_id).values(revoked_at=swq().now())
            )
        log("token.revoke", row.name, {"id": token_id, "role": row.role})
        return True

    seconds = f"{current_app.config['TOKEN_CACHE_S']:g}"
    return attempt(
        do,
        (
            f"ยกเลิกโทเคนแล้ว มีผลกับทุกเครื่องภายใน {seconds} วินาที",
            f"Token revoked; every server process refuses it within {seconds} s.",
        ),
        url_for("admin.devices"),
        _page,
    )


@admin_only
def save_layout(token_id: int) -> Page:
    def do() -> bool:
        board = next((b for b in _boards() if b.id == token_id), None)
        if board is None:
            raise refuse("ไม่พบจอแสดงผลนี้", "No such board (a live display token).")
        try:
            layout = checked_layout(request.form)
        except LayoutSettingError as exc:
            raise refuse(exc.th, str(exc)) from None
        if layout == board.layout:
            return False
        with swq().db.writing() as conn:
            conn.execute(
                sa.update(t.tokens)
                .where(t.tokens.c.id == token_id)
                .values(board_layout=layout.to_json())
            )
        log("board.layout", board.name, changes(board.layout.to_json(), layout.to_json()))
        return True

    return attempt(
        do,
        (
            "บันทึกรูปแบบจอแล้ว จอแสดงผลจะใช้ภายในครึ่งนาที",
            "Layout saved; the board applies it within half a minute.",
        ),
        url_for("admin.devices"),
        _page,
    )


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/devices", "devices", devices)
    bp.add_url_rule("/admin/devices/tokens", "devices_create", create, methods=["POST"])
    bp.add_url_rule(
        "/admin/devices/tokens/<int:token_id>/revoke", "devices_revoke", revoke, methods=["POST"]
    )
    bp.add_url_rule(
        "/admin/devices/boards/<int:token_id>/layout",
        "devices_layout",
        save_layout,
        methods=["POST"],
    )
