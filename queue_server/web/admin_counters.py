"""Counters with their work profiles, and the priority classes with the interleave settings."""

from __future__ import annotations

import dataclasses
import re

import sqlalchemy as sa
from flask import Blueprint, g, request, url_for

from core.model import Counter, PrioritySettings, WorkProfile
from core.office_file import OfficeFile
from queue_server.db import schema as t
from queue_server.db.rows import priority_to_json
from queue_server.extension import swq
from queue_server.web.admin_common import (
    Page,
    admin_only,
    attempt,
    change_office,
    changes,
    checked,
    code,
    draft,
    log,
    number,
    office_file,
    refuse,
    render,
    required_number,
    text,
)

MAX_WEIGHT = 100
PRIORITY_CODE = re.compile(r"[a-z0-9_-]{1,32}")

# ---- counters -----------------------------------------------------------------------------


def _counters_page() -> str:
    return render("admin_counters.html", office=office_file())


@admin_only
def counters() -> str:
    return _counters_page()


def _counter_form(counter_code: str | None) -> str:
    office = office_file()
    counter = next((c for c in office.counters if c.code == counter_code), None)
    return render(
        "admin_counter.html", office=office, counter=counter, max_weight=MAX_WEIGHT, draft=draft()
    )


@admin_only
def new_counter() -> str:
    return _counter_form(None)


@admin_only
def counter_page(counter_code: str) -> Page:
    if counter_code not in {c.code for c in office_file().counters}:
        return _counters_page(), 404
    return _counter_form(counter_code)


def _profile(office: OfficeFile) -> WorkProfile:
    """A weight per service; 0 or empty: the counter does not serve it."""
    weights: dict[str, int] = {}
    for service in office.config.services.values():
        label = (f"น้ำหนักของบริการ {service.code}", f"Weight of service {service.code}")
        weight = number(f"weight_{service.code}", label, minimum=0, maximum=MAX_WEIGHT)
        if weight:
            weights[service.code] = weight
    if not weights:
        raise refuse(
            "ช่องบริการต้องให้บริการอย่างน้อยหนึ่งรายการ (ใส่น้ำหนักมากกว่า 0)",
            "A counter must serve at least one service (a weight above 0).",
        )
    return WorkProfile(weights)


def _summary(counter: Counter) -> dict[str, object]:
    return {
        "name_th": counter.name_th,
        "name_en": counter.name_en,
        "services": dict(counter.profile.weights),
    }


@admin_only
def save_counter(counter_code: str | None = None) -> Page:
    """Add a counter (no code in the URL) or change one."""

    def do() -> bool:
        new_code = counter_code or code("code", ("รหัสช่องบริการ", "Counter code"))
        name_th = text("name_th", ("ชื่อภาษาไทย", "Thai name"))
        name_en = text("name_en", ("ชื่อภาษาอังกฤษ", "English name"))

        def change(current: OfficeFile) -> OfficeFile:
            profile = _profile(current)
            known = {c.code: c for c in current.counters}
            counter = Counter(g.user.office, new_code, name_th, name_en, profile)
            if counter_code is None:
                if new_code in known:
                    raise refuse(
                        f"มีช่องบริการรหัส {new_code} อยู่แล้ว", f"Counter {new_code} already exists."
                    )
                return dataclasses.replace(current, counters=(*current.counters, counter))
            if counter_code not in known:
                raise refuse(f"ไม่พบช่องบริการ {counter_code}", f"No counter {counter_code}.")
            kept = tuple(counter if c.code == counter_code else c for c in current.counters)
            return dataclasses.replace(current, counters=kept)

        changed = change_office(change)
        if changed is None:
            return False
        after = next(c for c in changed[1].counters if c.code == new_code)
        if counter_code is None:
            log("counter.add", new_code, _summary(after))
        else:
            before = next(c for c in changed[0].counters if c.code == new_code)
            log("counter.edit", new_code, changes(_summary(before), _summary(after)))
        return True

    return attempt(
        do,
        ("บันทึกช่องบริการแล้ว", "Counter saved."),
        url_for("admin.counters"),
        lambda: _counter_form(counter_code),
    )


def _still_used(conn: sa.Connection, counter_code: str) -> list[str]:
    """Who would be left pointing at the counter: accounts, live tokens, tickets sent to it."""
    office = g.user.office
    users = conn.execute(
        sa.select(t.users.c.username).where(
            t.users.c.office == office, t.users.c.counter == counter_code
        )
    ).scalars()
    tokens = conn.execute(
        sa.select(t.tokens.c.name).where(
            t.tokens.c.office == office,
            t.tokens.c.counter == counter_code,
            t.tokens.c.revoked_at.is_(None),
        )
    ).scalars()
    sent = conn.execute(
        sa.select(sa.func.count()).where(
            t.tickets.c.office == office,
            t.tickets.c.status == t.WAITING,
            t.tickets.c.target_counter == counter_code,
        )
    ).scalar_one()
    return [
        *(f"บัญชี/account {u}" for u in users),
        *(f"โทเคน/token {n}" for n in tokens),
        *([f"บัตรคิวที่โอนมารอ/tickets sent here: {sent}"] if sent else []),
    ]


@admin_only
def remove_counter(counter_code: str) -> Page:
    def do() -> bool:
        def change(current: OfficeFile) -> OfficeFile:
            if counter_code not in {c.code for c in current.counters}:
                raise refuse(f"ไม่พบช่องบริการ {counter_code}", f"No counter {counter_code}.")
            with swq().db.engine.connect() as conn:
                used = _still_used(conn, counter_code)
            if used:
                raise refuse(
                    f"ลบไม่ได้: ยังมีผู้ใช้ช่องบริการนี้ ({'; '.join(used)}) "
                    "ย้ายบัญชี ยกเลิกโทเคน หรือเรียกคิวให้หมดก่อน",
                    f"Cannot remove: still in use ({'; '.join(used)}); move the accounts, "
                    "revoke the tokens or serve those tickets first.",
                )
            kept = tuple(c for c in current.counters if c.code != counter_code)
            return dataclasses.replace(current, counters=kept)

        change_office(change)
        log("counter.remove", counter_code)
        return True

    return attempt(
        do, ("ลบช่องบริการแล้ว", "Counter removed."), url_for("admin.counters"), _counters_page
    )


# ---- priority -----------------------------------------------------------------------------


def _priority_page() -> str:
    office = office_file()
    names = {k: office.config.priority.name(k) for k in office.config.priority.classes}
    return render("admin_priority.html", office=office, names=names, draft=draft())


@admin_only
def priority() -> str:
    return _priority_page()


def _priority_from_form(window_s: int) -> PrioritySettings:
    """The form's settings; `window_s`, set in the office file, is kept as it is."""
    classes = [c.strip() for c in request.form.get("classes", "").splitlines() if c.strip()]
    bad = [c for c in classes if not PRIORITY_CODE.fullmatch(c)]
    if bad:
        raise refuse(
            f"รหัสประเภทใช้ได้เฉพาะ a-z 0-9 _ - : {', '.join(bad)}",
            f"Class codes: a-z, 0-9, _ and - only: {', '.join(bad)}",
        )
    weights = {}
    for klass in classes:
        label = (f"น้ำหนักของ {klass}", f"Weight of {klass}")
        weight = number(f"weight_{klass}", label, minimum=1, maximum=MAX_WEIGHT)
        if weight is not None:
            weights[klass] = weight
    names = {}
    for klass in classes:
        pair = (request.form.get(f"name_th_{klass}", ""), request.form.get(f"name_en_{klass}", ""))
        if any(part.strip() for part in pair):
            names[klass] = pair
    guard_at = required_number(
        "long_wait_guard_pct", ("เกณฑ์รอนาน (%)", "Long-wait threshold (%)"), minimum=1, maximum=100
    )
    return PrioritySettings(
        classes=tuple(classes),
        weights=weights,
        names=names,
        max_priority_in_row=required_number(
            "max_priority_in_row",
            ("จำนวนคิวพิเศษติดกันสูงสุด", "Priority tickets in a row"),
            minimum=0,
            maximum=MAX_WEIGHT,
        ),
        long_wait_guard=checked("long_wait_guard"),
        long_wait_guard_at=guard_at / 100,
        appointment_window_s=window_s,
    )


def _waiting_classes(classes: set[str]) -> list[str]:
    with swq().db.engine.connect() as conn:
        found = conn.execute(
            sa.select(t.tickets.c.priority)
            .where(
                t.tickets.c.office == g.user.office,
                t.tickets.c.status.in_((t.WAITING, *t.AT_COUNTER)),
                t.tickets.c.priority.in_(classes),
            )
            .distinct()
        ).scalars()
        return sorted(found)


@admin_only
def save_priority() -> Page:
    def do() -> bool:
        def change(current: OfficeFile) -> OfficeFile:
            settings = _priority_from_form(current.config.priority.appointment_window_s)
            busy = _waiting_classes(set(current.config.priority.classes) - set(settings.classes))
            if busy:
                raise refuse(
                    f"ลบประเภท {', '.join(busy)} ไม่ได้ ยังมีบัตรคิวประเภทนี้รออยู่",
                    f"Cannot remove {', '.join(busy)}: tickets of that class are still queued.",
                )
            config = dataclasses.replace(current.config, priority=settings)
            return dataclasses.replace(current, config=config)

        changed = change_office(change)
        if changed is not None:
            before, after = (priority_to_json(o.config.priority) for o in changed)
            log("priority.edit", g.user.office, changes(before, after))
        return changed is not None

    return attempt(
        do,
        ("บันทึกการตั้งค่าลำดับความสำคัญแล้ว", "Priority settings saved."),
        url_for("admin.priority"),
        _priority_page,
    )


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/counters", "counters", counters)
    bp.add_url_rule("/admin/counters", "counters_add", save_counter, methods=["POST"])
    bp.add_url_rule("/admin/counters/new", "counters_new", new_counter)
    bp.add_url_rule("/admin/counters/<counter_code>", "counters_page", counter_page)
    bp.add_url_rule(
        "/admin/counters/<counter_code>", "counters_edit", save_counter, methods=["POST"]
    )
    bp.add_url_rule(
        "/admin/counters/<counter_code>/remove",
        "counters_remove",
        remove_counter,
        methods=["POST"],
    )
    bp.add_url_rule("/admin/priority", "priority", priority)
    bp.add_url_rule("/admin/priority", "priority_save", save_priority, methods=["POST"])
