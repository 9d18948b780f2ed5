"""Appointments: which services citizens can book, in which slots, and what the office asks."""

from __future__ import annotations

import dataclasses
from datetime import date

from flask import Blueprint, request, url_for

from core.booking import WEEKDAYS_EN, WEEKDAYS_TH, BookingSettings, OfficeBooking, SlotRule
from core.errors import InvalidRequest
from core.model import OpeningHours
from core.office_file import OfficeFile
from queue_server.db.bookings import booking_to_json
from queue_server.web.admin_common import (
    Page,
    admin_only,
    attempt,
    change_office,
    changes,
    checked,
    draft,
    log,
    office_file,
    refuse,
    render,
    required_number,
    text,
)


def _page() -> str:
    office = office_file()
    return render(
        "admin_booking.html",
        office=office,
        booking=office.booking or OfficeBooking(),
        weekdays=list(zip(WEEKDAYS_TH, WEEKDAYS_EN, strict=True)),
        draft=draft(),
    )


@admin_only
def booking_page() -> str:
    return _page()


def _closed_days(code: str) -> tuple[date, ...]:
    raw = request.form.get(f"closed_{code}", "").replace("\n", ",")
    days = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            days.append(date.fromisoformat(part))
        except ValueError:
            raise refuse(
                f"บริการ {code}: วันหยุดต้องอยู่ในรูป 2026-12-05 แต่ได้ {part!r}",
                f"Service {code}: closing days look like 2026-12-05, got {part!r}.",
            ) from None
    return tuple(days)


def _rule(code: str) -> SlotRule:
    where = (f"บริการ {code}: ", f"Service {code}: ")
    hours = text(f"hours_{code}", (f"{where[0]}เวลาที่รับจอง", f"{where[1]}booking hours"), limit=16)
    try:
        return SlotRule(
            weekdays=tuple(d for d in range(7) if checked(f"day_{code}_{d}")),
            hours=OpeningHours.parse(hours),
            slot_s=60
            * required_number(
                f"slot_{code}", (f"{where[0]}ความยาวช่วงเวลา", f"{where[1]}slot length"), minimum=1
            ),
            capacity=required_number(
                f"capacity_{code}", (f"{where[0]}จำนวนต่อช่วง", f"{where[1]}capacity"), minimum=1
            ),
            days_ahead=required_number(
                f"ahead_{code}", (f"{where[0]}จองล่วงหน้า", f"{where[1]}days ahead"), minimum=0
            ),
            closed_days=_closed_days(code),
        )
    except InvalidRequest as exc:
        raise refuse(where[0] + exc.message_th, where[1] + exc.message_en) from None


def _booking_from_form(office: OfficeFile) -> OfficeBooking:
    settings = BookingSettings(
        grace_s=60
        * required_number("grace_min", ("ระยะผ่อนผัน (นาที)", "Grace period (minutes)"), maximum=1440),
        ask_name=checked("ask_name"),
        ask_phone=checked("ask_phone"),
        ask_citizen_id=checked("ask_citizen_id"),
        retention_days=required_number(
            "retention_days", ("ระยะเก็บข้อมูล (วัน)", "Retention (days)"), maximum=3650
        ),
    )
    slots = {code: _rule(code) for code in office.config.services if checked(f"book_{code}")}
    return OfficeBooking(settings, slots)


@admin_only
def save_booking() -> Page:
    def do() -> bool:
        wanted = _booking_from_form(office_file())

        def change(current: OfficeFile) -> OfficeFile:
            return dataclasses.replace(current, booking=wanted)

        changed = change_office(change)
        if changed is not None:
            before, after = (booking_to_json(o.booking or OfficeBooking()) for o in changed)
            log("booking.edit", "", changes(before, after))
        return changed is not None

    return attempt(do, ("บันทึกการนัดหมายแล้ว", "Appointments saved."), url_for("admin.booking"), _page)


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/booking", "booking", booking_page)
    bp.add_url_rule("/admin/booking", "booking_save", save_booking, methods=["POST"])
