"""Offices in the database from an office file and back (`swq office load` / `dump`).

The file describes the office's configuration: agencies, services and counters missing from it
are removed (tickets keep their history, which names services by code). Officer accounts are
added or updated, never removed by a file. Loading the same file again writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from core.errors import InvalidRequest, NotFound
from core.model import Counter
from core.office_file import (
    KioskSettings,
    OfficeFile,
    OfficerSpec,
    Province,
    stored_kiosk_settings,
)
from core.phone_settings import PhoneSettings
from queue_server.auth import hash_password, password_matches
from queue_server.db import schema as t
from queue_server.db.bookings import read_booking, write_booking
from queue_server.db.database import read_config, read_phone
from queue_server.db.rows import (
    counter_from_row,
    counter_to_row,
    office_to_row,
    service_to_row,
)


def resolve_office(conn: sa.Connection, code: str | None) -> str:
    """The office `code` names, or the only office when none is named."""
    codes = list(conn.execute(sa.select(t.offices.c.code).order_by("code")).scalars())
    if code is not None:
        if code not in codes:
            raise NotFound(f"no office {code!r}", f"ไม่พบสำนักงาน {code!r}")
        return code
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise NotFound(
            "no office yet: load one with `swq office load FILE.toml`; "
            "`swq office example` prints a commented example file",
            "ยังไม่มีสำนักงาน: โหลดด้วยคำสั่ง swq office load FILE.toml "
            "(คำสั่ง swq office example แสดงตัวอย่างแฟ้มพร้อมคำอธิบาย)",
        )
    raise InvalidRequest(
        f"several offices ({', '.join(codes)}): say which with --office",
        f"มีหลายสำนักงาน ({', '.join(codes)}) กรุณาระบุ --office",
    )


def read_office(conn: sa.Connection, code: str) -> OfficeFile:
    counters = conn.execute(
        sa.select(t.counters).where(t.counters.c.office == code).order_by("position")
    ).mappings()
    users = conn.execute(
        sa.select(t.users).where(t.users.c.office == code).order_by("username")
    ).mappings()
    return OfficeFile(
        config=read_config(conn, code),
        counters=tuple(_as_configured(counter_from_row(row)) for row in counters),
        officers=tuple(
            OfficerSpec(
                username=u["username"],
                counter=u["counter"],
                role=u["role"],
                password_hash=u["password_hash"],
                province_admin=u["province_admin"],
            )
            for u in users
        ),
        province=read_province(conn, code),
        kiosk=stored_kiosk_settings(
            conn.execute(sa.select(t.offices.c.kiosk).where(t.offices.c.code == code)).scalar_one()
        ),
        booking=read_booking(conn, code),
        phone=read_phone(conn, code),
    )


def write_phone(conn: sa.Connection, office: str, phone: PhoneSettings) -> bool:
    """Store the office's phone settings; True when they changed. A change is a new version of
    the office: each server process reads the settings again (`Database.phone`)."""
    if read_phone(conn, office) == phone:
        return False
    conn.execute(
        sa.update(t.offices)
        .where(t.offices.c.code == office)
        .values(phone=phone.to_json(), version=t.offices.c.version + 1)
    )
    return True


def read_province(conn: sa.Connection, office: str) -> Province | None:
    p = t.provinces.c
    row = conn.execute(
        sa.select(p.code, p.name_th, p.name_en)
        .join_from(t.offices, t.provinces, t.offices.c.province == p.code)
        .where(t.offices.c.code == office)
    ).first()
    return None if row is None else Province(*row)


def province_offices(conn: sa.Connection, province: str) -> list[tuple[str, str, str]]:
    """(code, name_th, name_en) of every office of the province, by code."""
    o = t.offices.c
    return [
        (code, th, en)
        for code, th, en in conn.execute(
            sa.select(o.code, o.name_th, o.name_en).where(o.province == province).order_by(o.code)
        )
    ]


def _write_province(conn: sa.Connection, code: str, province: Province | None) -> bool:
    """The office's province (created, or its names updated, as the file gives them)."""
    changed = False
    if province is not None:
        values = {"name_th": province.name_th, "name_en": province.name_en}
        stored = conn.execute(
            sa.select(t.provinces.c.name_th, t.provinces.c.name_en).where(
                t.provinces.c.code == province.code
            )
        ).first()
        if stored is None:
            conn.execute(sa.insert(t.provinces).values(code=province.code, **values))
            changed = True
        elif tuple(stored) != (province.name_th, province.name_en):
            conn.execute(
                sa.update(t.provinces).where(t.provinces.c.code == province.code).values(values)
            )
            changed = True
    wanted = None if province is None else province.code
    current = conn.execute(
        sa.select(t.offices.c.province).where(t.offices.c.code == code)
    ).scalar_one()
    if current == wanted:
        return changed
    conn.execute(sa.update(t.offices).where(t.offices.c.code == code).values(province=wanted))
    return True


def _as_configured(counter: Counter) -> Counter:
    """A counter as a file describes it: open/paused is the day's state, not configuration."""
    return Counter(counter.office, counter.code, counter.name_th, counter.name_en, counter.profile)


def _check_lengths(office: OfficeFile) -> None:
    """Refuse text longer than its column, naming the key (PostgreSQL would refuse it with a
    database error; SQLite would store it silently)."""
    code = office.config.office.code
    rows: list[tuple[str, sa.Table, dict[str, Any]]] = [
        ("office", t.offices, office_to_row(office.config))
    ]
    rows += [
        (
            f"agencies[{a.code}]",
            t.agencies,
            {"code": a.code, "name_th": a.name_th, "name_en": a.name_en},
        )
        for a in office.config.agencies.values()
    ]
    rows += [
        (f"services[{s.code}]", t.services, service_to_row(s, code, 0))
        for s in office.config.services.values()
    ]
    rows += [(f"counters[{c.code}]", t.counters, counter_to_row(c)) for c in office.counters]
    rows += [
        (f"officers[{o.username}]", t.users, {"username": o.username, "counter": o.counter})
        for o in office.officers
    ]
    if office.province is not None:
        p = office.province
        rows.append(
            ("province", t.provinces, {"code": p.code, "name_th": p.name_th, "name_en": p.name_en})
        )
    for where, table, row in rows:
        for name, value in row.items():
            limit = getattr(table.c[name].type, "length", None) if name in table.c else None
            if isinstance(value, str) and limit is not None and len(value) > limit:
                raise InvalidRequest(
                    f"{where}.{name}: at most {limit} characters, got {len(value)}",
                    f"{where}.{name}: ยาวได้ไม่เกิน {limit} ตัวอักษร แต่มี {len(value)}",
                )


def store_office(conn: sa.Connection, office: OfficeFile) -> bool:
    """Create or update the office; True when anything changed."""
    _check_lengths(office)
    code = office.config.office.code
    exists = conn.execute(sa.select(t.offices.c.version).where(t.offices.c.code == code)).first()
    if exists is None:
        conn.execute(sa.insert(t.offices).values({**office_to_row(office.config), "version": 1}))
        _write_configuration(conn, office, previous=None)
        _write_province(conn, code, office.province)
        write_booking(conn, code, office.booking)
        write_phone(conn, code, office.phone)
        write_officers(conn, code, office.officers)
        _write_kiosk(conn, code, office.kiosk)
        return True
    previous = read_office(conn, code)
    config_changed = (previous.config, previous.counters) != (office.config, office.counters)
    if config_changed:
        _check_removals(conn, code, previous, office)
        conn.execute(
            sa.update(t.offices)
            .where(t.offices.c.code == code)
            .values({**office_to_row(office.config), "version": t.offices.c.version + 1})
        )
        _write_configuration(conn, office, previous)
    province_changed = _write_province(conn, code, office.province)
    kiosk_changed = _write_kiosk(conn, code, office.kiosk)
    booking_changed = write_booking(conn, code, office.booking)
    phone_changed = write_phone(conn, code, office.phone)
    officers_changed = write_officers(conn, code, office.officers)
    return (
        officers_changed
        or config_changed
        or province_changed
        or kiosk_changed
        or booking_changed
        or phone_changed
    )


def _write_kiosk(conn: sa.Connection, code: str, kiosk: KioskSettings | None) -> bool:
    """The kiosk's buttons as the file gives them; a file without `[kiosk]` keeps the layout
    the admin pages stored."""
    if kiosk is None:
        return False
    stored = conn.execute(sa.select(t.offices.c.kiosk).where(t.offices.c.code == code)).scalar_one()
    if stored_kiosk_settings(stored) == kiosk:
        return False
    conn.execute(
        sa.update(t.offices).where(t.offices.c.code == code).values(kiosk=kiosk.as_stored())
    )
    return True


def _check_removals(
    conn: sa.Connection, code: str, previous: OfficeFile, office: OfficeFile
) -> None:
    c = t.tickets.c
    gone_services = set(previous.config.services) - set(office.config.services)
    if gone_services:
        waiting = conn.execute(
            sa.select(c.service)
            .where(c.office == code, c.status.in_(("waiting", *t.AT_COUNTER)))
            .where(c.service.in_(gone_services))
            .distinct()
        ).scalars()
        busy = sorted(waiting)
        if busy:
            raise InvalidRequest(
                f"services {', '.join(busy)} still have tickets in the queue; "
                "finish or transfer them before removing the service",
                f"บริการ {', '.join(busy)} ยังมีบัตรคิวค้างอยู่ กรุณาปิดงานหรือโอนก่อนลบบริการ",
            )
    gone_counters = {k.code for k in previous.counters} - {k.code for k in office.counters}
    if gone_counters:
        held = conn.execute(
            sa.select(c.counter)
            .where(c.office == code, c.status.in_(t.AT_COUNTER), c.counter.in_(gone_counters))
            .distinct()
        ).scalars()
        busy = sorted(held)
        if busy:
            raise InvalidRequest(
                f"counters {', '.join(busy)} hold a ticket; finish it before removing the counter",
                f"ช่องบริการ {', '.join(busy)} ยังมีบัตรคิวอยู่ กรุณาปิดงานก่อนลบช่องบริการ",
            )


def _write_configuration(
    conn: sa.Connection, office: OfficeFile, previous: OfficeFile | None
) -> None:
    code = office.config.office.code
    conn.execute(sa.delete(t.agencies).where(t.agencies.c.office == code))
    conn.execute(sa.delete(t.services).where(t.services.c.office == code))
    for i, agency in enumerate(office.config.agencies.values()):
        conn.execute(
            sa.insert(t.agencies).values(
                office=code,
                code=agency.code,
                name_th=agency.name_th,
                name_en=agency.name_en,
                position=i,
            )
        )
    for i, service in enumerate(office.config.services.values()):
        conn.execute(sa.insert(t.services).values(service_to_row(service, code, i)))
    known = {k.code for k in previous.counters} if previous else set()
    wanted = {k.code for k in office.counters}
    if known - wanted:
        conn.execute(
            sa.delete(t.counters).where(
                t.counters.c.office == code, t.counters.c.code.in_(known - wanted)
            )
        )
    for i, counter in enumerate(office.counters):
        values: dict[str, Any] = {
            "name_th": counter.name_th,
            "name_en": counter.name_en,
            "profile": dict(counter.profile.weights),
            "position": i,
        }
        if counter.code in known:
            conn.execute(
                sa.update(t.counters)
                .where(t.counters.c.office == code, t.counters.c.code == counter.code)
                .values(values)
            )
        else:
            conn.execute(
                sa.insert(t.counters).values(
                    {**values, "office": code, "code": counter.code, "state": counter.state.value}
                )
            )


def write_officers(conn: sa.Connection, code: str, officers: Sequence[OfficerSpec]) -> bool:
    """Create or update these accounts (others stay); True when anything changed."""
    changed = False
    c = t.users.c
    for officer in officers:
        row = (
            conn.execute(sa.select(t.users).where(c.office == code, c.username == officer.username))
            .mappings()
            .one_or_none()
        )
        if officer.password_hash is not None:
            password_hash = officer.password_hash
        elif (
            row is not None
            and officer.password
            and password_matches(row["password_hash"], officer.password)
        ):
            password_hash = row["password_hash"]  # same password: keep its hash, write nothing
        else:
            password_hash = hash_password(officer.password or "")
        values = {
            "password_hash": password_hash,
            "role": officer.role,
            "counter": officer.counter,
            "province_admin": officer.province_admin,
        }
        if row is None:
            conn.execute(
                sa.insert(t.users).values({**values, "office": code, "username": officer.username})
            )
            changed = True
        elif any(row[k] != v for k, v in values.items()):
            conn.execute(
                sa.update(t.users)
                .where(c.office == code, c.username == officer.username)
                .values(values)
            )
            changed = True
    return changed
