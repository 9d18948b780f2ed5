"""Services: what citizens can ask for at this office, and how their tickets are numbered."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, g, url_for

from core.model import NumberingRule, Service
from core.office_file import MAX_NUMBER_WIDTH, OfficeFile
from queue_server.db import schema as t
from queue_server.web.admin_common import (
    NAME_EN,
    NAME_TH,
    Page,
    admin_only,
    attempt,
    change_office,
    changes,
    checked,
    draft,
    log,
    number,
    office_file,
    refuse,
    render,
    required_number,
    text,
)


def _services_page() -> str:
    office = office_file()
    serving: dict[str, list[str]] = {}
    for counter in office.counters:
        for service_code in counter.profile.weights:
            serving.setdefault(service_code, []).append(counter.code)
    return render("admin_services.html", office=office, serving=serving)


@admin_only
def services() -> str:
    return _services_page()


def _service_form(service_code: str | None) -> str:
    office = office_file()
    service = office.config.services.get(service_code) if service_code else None
    return render(
        "admin_service.html",
        office=office,
        service=service,
        max_width=MAX_NUMBER_WIDTH,
        draft=draft(),
    )


@admin_only
def new_service() -> str:
    return _service_form(None)


@admin_only
def service_page(service_code: str) -> Page:
    if service_code not in office_file().config.services:
        return _services_page(), 404
    return _service_form(service_code)


def _service_from_form(service_code: str) -> Service:
    minutes = ("เวลารอเป้าหมาย (นาที)", "Target wait (minutes)")
    usual = ("เวลาให้บริการโดยประมาณ (นาที)", "Usual service time (minutes)")
    start = required_number("number_start", ("เลขเริ่มต้น", "First number"), minimum=0)
    return Service(
        code=service_code,
        agency=text("agency", ("หน่วยงาน", "Agency"), limit=32),
        name_th=text("name_th", NAME_TH),
        name_en=text("name_en", NAME_EN),
        target_wait_s=60 * required_number("target_wait_min", minutes, minimum=1, maximum=24 * 60),
        default_service_s=60
        * required_number("default_service_min", usual, minimum=1, maximum=600),
        daily_quota=number("daily_quota", ("โควตาต่อวัน", "Daily quota"), minimum=0),
        open=checked("open"),
        numbering=NumberingRule(
            width=required_number(
                "number_width", ("จำนวนหลัก", "Digits"), minimum=1, maximum=MAX_NUMBER_WIDTH
            ),
            start=start,
            end=number("number_end", ("เลขสุดท้าย", "Last number"), minimum=start),
        ),
    )


def _service_summary(service: Service) -> dict[str, Any]:
    summary = dataclasses.asdict(service)
    summary["numbering"] = dataclasses.astuple(service.numbering)
    return summary


def _with_services(current: OfficeFile, services: dict[str, Service]) -> OfficeFile:
    return dataclasses.replace(
        current, config=dataclasses.replace(current.config, services=services)
    )


def _check_agency(current: OfficeFile, service: Service) -> None:
    if service.agency not in current.config.agencies:
        raise refuse(f"ไม่พบหน่วยงาน {service.agency}", f"No agency {service.agency}.")


@admin_only
def add_service() -> Page:
    def do() -> bool:
        service = _service_from_form(text("code", ("รหัสบริการ", "Service code"), limit=2).upper())

        def change(current: OfficeFile) -> OfficeFile:
            if service.code in current.config.services:
                raise refuse(
                    f"มีบริการรหัส {service.code} อยู่แล้ว", f"Service {service.code} already exists."
                )
            _check_agency(current, service)
            return _with_services(current, {**current.config.services, service.code: service})

        def show_on_kiosk(conn: sa.Connection) -> None:
            # A kiosk with a chosen layout would hide the new service: it joins at the end.
            layout = conn.execute(
                sa.select(t.offices.c.kiosk).where(t.offices.c.code == g.user.office)
            ).scalar_one()
            # (a layout naming no service shows every service, the new one too)
            if isinstance(layout, dict) and layout.get("services"):
                layout = {**layout, "services": [*layout.get("services", []), service.code]}
                conn.execute(
                    sa.update(t.offices)
                    .where(t.offices.c.code == g.user.office)
                    .values(kiosk=layout)
                )

        change_office(change, also=show_on_kiosk)
        log("service.add", service.code, _service_summary(service))
        return True

    return attempt(
        do,
        (
            "เพิ่มบริการแล้ว อย่าลืมกำหนดช่องบริการที่ให้บริการนี้",
            "Service added; remember to give it to a counter's work profile.",
        ),
        url_for("admin.services"),
        lambda: _service_form(None),
    )


@admin_only
def edit_service(service_code: str) -> Page:
    def do() -> bool:
        service = _service_from_form(service_code)

        def change(current: OfficeFile) -> OfficeFile:
            if service_code not in current.config.services:
                raise refuse(f"ไม่พบบริการ {service_code}", f"No service {service_code}.")
            _check_agency(current, service)
            return _with_services(current, {**current.config.services, service_code: service})

        changed = change_office(change)
        if changed is not None:
            before, after = (_service_summary(o.config.services[service_code]) for o in changed)
            log("service.edit", service_code, changes(before, after))
        return changed is not None

    return attempt(
        do,
        ("บันทึกบริการแล้ว", "Service saved."),
        url_for("admin.services"),
        lambda: _service_form(service_code),
    )


@admin_only
def remove_service(service_code: str) -> Page:
    def do() -> bool:
        def change(current: OfficeFile) -> OfficeFile:
            if service_code not in current.config.services:
                raise refuse(f"ไม่พบบริการ {service_code}", f"No service {service_code}.")
            rest = {k: s for k, s in current.config.services.items() if k != service_code}
            if not rest:
                raise refuse("ต้องมีบริการอย่างน้อยหนึ่งรายการ", "The office needs at least one service.")
            # Counters stop serving it; one that would serve nothing at all must be changed first.
            counters = []
            for counter in current.counters:
                weights = {k: w for k, w in counter.profile.weights.items() if k != service_code}
                if not weights:
                    raise refuse(
                        f"ลบไม่ได้: ช่องบริการ {counter.code} ให้บริการนี้เพียงอย่างเดียว "
                        "กรุณาเพิ่มบริการอื่นให้ช่องนั้นหรือลบช่องก่อน",
                        f"Cannot remove: counter {counter.code} serves only this service; "
                        "give it another service or remove the counter first.",
                    )
                counters.append(
                    dataclasses.replace(counter, profile=type(counter.profile)(weights))
                )
            config = dataclasses.replace(current.config, services=rest)
            booking = current.booking
            if booking is not None:  # nobody can book it any more; booked slots keep history
                slots = {k: r for k, r in booking.slots.items() if k != service_code}
                booking = dataclasses.replace(booking, slots=slots)
            return dataclasses.replace(
                current, config=config, counters=tuple(counters), booking=booking
            )

        change_office(change)
        log("service.remove", service_code)
        return True

    return attempt(
        do, ("ลบบริการแล้ว", "Service removed."), url_for("admin.services"), _services_page
    )


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/services", "services", services)
    bp.add_url_rule("/admin/services", "services_add", add_service, methods=["POST"])
    bp.add_url_rule("/admin/services/new", "services_new", new_service)
    bp.add_url_rule("/admin/services/<service_code>", "services_page", service_page)
    bp.add_url_rule(
        "/admin/services/<service_code>", "services_edit", edit_service, methods=["POST"]
    )
    bp.add_url_rule(
        "/admin/services/<service_code>/remove",
        "services_remove",
        remove_service,
        methods=["POST"],
    )
