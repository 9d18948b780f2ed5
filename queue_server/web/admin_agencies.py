"""Agencies: the organisations that own the office's services."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, url_for

from core.model import Agency
from core.office_file import OfficeFile
from queue_server.web.admin_common import (
    NAME_EN,
    NAME_TH,
    Page,
    admin_only,
    attempt,
    change_office,
    changes,
    code,
    draft,
    log,
    office_file,
    refuse,
    render,
    text,
)


def _agencies_page() -> str:
    office = office_file()
    used: dict[str, list[str]] = {}
    for service in office.config.services.values():
        used.setdefault(service.agency, []).append(service.code)
    return render("admin_agencies.html", office=office, used=used, draft=draft())


@admin_only
def agencies() -> str:
    return _agencies_page()


def _with_agencies(current: OfficeFile, agencies: dict[str, Agency]) -> OfficeFile:
    return dataclasses.replace(
        current, config=dataclasses.replace(current.config, agencies=agencies)
    )


@admin_only
def add_agency() -> Page:
    def do() -> bool:
        agency = Agency(code("code", ("รหัสหน่วยงาน", "Agency code")), *_names())

        def change(current: OfficeFile) -> OfficeFile:
            if agency.code in current.config.agencies:
                raise refuse(
                    f"มีหน่วยงานรหัส {agency.code} อยู่แล้ว", f"Agency {agency.code} already exists."
                )
            return _with_agencies(current, {**current.config.agencies, agency.code: agency})

        change_office(change)
        log("agency.add", agency.code, dataclasses.asdict(agency))
        return True

    return attempt(
        do, ("เพิ่มหน่วยงานแล้ว", "Agency added."), url_for("admin.agencies"), _agencies_page
    )


def _names() -> tuple[str, str]:
    return text("name_th", NAME_TH), text("name_en", NAME_EN)


@admin_only
def edit_agency(agency_code: str) -> Page:
    def do() -> bool:
        name_th, name_en = _names()

        def change(current: OfficeFile) -> OfficeFile:
            _agency(current, agency_code)
            renamed = Agency(agency_code, name_th, name_en)
            return _with_agencies(current, {**current.config.agencies, agency_code: renamed})

        changed = change_office(change)
        if changed is not None:
            before, after = (dataclasses.asdict(o.config.agencies[agency_code]) for o in changed)
            log("agency.edit", agency_code, changes(before, after))
        return changed is not None

    return attempt(
        do, ("บันทึกหน่วยงานแล้ว", "Agency saved."), url_for("admin.agencies"), _agencies_page
    )


def _agency(office: OfficeFile, agency_code: str) -> Agency:
    try:
        return office.config.agencies[agency_code]
    except KeyError:
        raise refuse(f"ไม่พบหน่วยงาน {agency_code}", f"No agency {agency_code}.") from None


@admin_only
def remove_agency(agency_code: str) -> Page:
    def do() -> bool:
        def change(current: OfficeFile) -> OfficeFile:
            _agency(current, agency_code)
            owned = [s.code for s in current.config.services.values() if s.agency == agency_code]
            if owned:
                raise refuse(
                    f"ลบไม่ได้: หน่วยงานนี้ยังมีบริการ {', '.join(owned)} ย้ายหรือลบบริการก่อน",
                    f"Cannot remove: services {', '.join(owned)} belong to this agency; "
                    "move or remove them first.",
                )
            rest = {k: a for k, a in current.config.agencies.items() if k != agency_code}
            if not rest:
                raise refuse("ต้องมีหน่วยงานอย่างน้อยหนึ่งแห่ง", "The office needs at least one agency.")
            return _with_agencies(current, rest)

        change_office(change)
        log("agency.remove", agency_code)
        return True

    return attempt(
        do, ("ลบหน่วยงานแล้ว", "Agency removed."), url_for("admin.agencies"), _agencies_page
    )


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/agencies", "agencies", agencies)
    bp.add_url_rule("/admin/agencies", "agencies_add", add_agency, methods=["POST"])
    bp.add_url_rule("/admin/agencies/<agency_code>", "agencies_edit", edit_agency, methods=["POST"])
    bp.add_url_rule(
        "/admin/agencies/<agency_code>/remove", "agencies_remove", remove_agency, methods=["POST"]
    )
