"""The office file: one TOML file describes an office, its services, counters and officers.

`swq office load` reads it (CONTRACT.md, "Office file"); `dumps_office` writes one back, with
password hashes instead of clear passwords, so an office can be exported and loaded elsewhere.
An OfficeFile validates itself, so one built in code dumps to a file that loads; the loader adds
exact key paths to the refusals and rejects keys it does not know.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from os import PathLike
from typing import Any
from zoneinfo import ZoneInfo

from core.booking import BookingSettings, OfficeBooking, SlotRule
from core.model import (
    CODE,
    OFFICE_CODE,
    SERVICE_CODE,
    USERNAME,
    Agency,
    Counter,
    NumberingRule,
    Office,
    OfficeConfig,
    OpeningHours,
    PrioritySettings,
    Service,
    WorkProfile,
)
from core.phone_settings import PhoneSettingError, PhoneSettings
from core.routing import POLICIES
from core.toml_table import (
    REQUIRED,
    KeyPathError,
    TomlTable,
    at_path,
    loads_toml,
    read_utf8,
    toml_section,
)

ROLES = ("officer", "supervisor", "admin")
# The only password hash swq makes (werkzeug's scrypt, as queue_server/auth.py calls it): a file
# may carry no other scheme and no other cost.
PASSWORD_HASH = re.compile(r"scrypt:32768:8:1\$[A-Za-z0-9]{16}\$[0-9a-f]{128}")
# Ticket numbers are printed and called out; more digits than this is a typo, not a busy office.
MAX_NUMBER_WIDTH = 6
# Counts and durations are stored in 32-bit integer columns (PostgreSQL `integer`).
MAX_STORED_INT = 2**31 - 1


class OfficeFileError(KeyPathError):
    """A refused office file; `key` is the offending key path, e.g. `services[2].daily_quota`."""

    default_source = "office file"


def _blank(text: str) -> bool:
    return not text.strip()


@dataclass(frozen=True)
class OfficerSpec:
    """An officer account as the file gives it; the server hashes a clear password on load."""

    username: str
    counter: str | None  # the counter the officer works at; admins need none
    role: str = "officer"
    password: str | None = None
    password_hash: str | None = None
    # An admin of every office of this office's province: signs in here, switches to the others.
    province_admin: bool = False

    def __post_init__(self) -> None:
        if _blank(self.username):
            raise OfficeFileError("username", "cannot be empty", "ต้องไม่ว่าง")
        if self.province_admin and self.role != "admin":
            raise OfficeFileError(
                "province_admin",
                "only an admin can be a province admin",
                "เฉพาะผู้ดูแลระบบ (admin) เท่านั้นที่เป็นผู้ดูแลระดับจังหวัดได้",
            )
        if self.role not in ROLES:
            raise OfficeFileError(
                "role",
                f"must be one of {', '.join(ROLES)}, got {self.role!r}",
                f"ต้องเป็น {' หรือ '.join(ROLES)} แต่ได้ {self.role!r}",
            )
        if self.role == "officer" and self.counter is None:
            raise OfficeFileError(
                "counter", "an officer needs a counter", "เจ้าหน้าที่ต้องมีช่องบริการประจำ"
            )
        if (self.password is None) == (self.password_hash is None):
            raise OfficeFileError(
                "password",
                "give exactly one of password and password_hash",
                "ต้องระบุ password หรือ password_hash อย่างใดอย่างหนึ่งเท่านั้น",
            )
        secret_key = "password" if self.password is not None else "password_hash"
        if _blank(self.password or self.password_hash or ""):
            raise OfficeFileError(secret_key, "cannot be empty", "ต้องไม่ว่าง")


@dataclass(frozen=True)
class Province:
    """The province (or region) an office belongs to; its offices share province admins and
    the province report."""

    code: str
    name_th: str
    name_en: str

    def __post_init__(self) -> None:
        if not OFFICE_CODE.fullmatch(self.code):
            raise OfficeFileError(
                "code",
                f"must be lower-case letters, digits or '-', got {self.code!r}",
                f"ต้องเป็น a-z 0-9 หรือ - เท่านั้น แต่ได้ {self.code!r}",
            )
        for key in ("name_th", "name_en"):
            if _blank(getattr(self, key)):
                raise OfficeFileError(key, "cannot be empty", "ต้องไม่ว่าง")


# Featured services on the kiosk's first screen: what its home page holds at the smallest
# supported screen (1280x800: 3x2 tiles, kiosk/app.py `tiles_per_page`) less one tile, the way
# into the full catalogue.
MAX_FEATURED = 5


@dataclass(frozen=True)
class KioskSettings:
    """The kiosk's buttons (the admin pages' "Kiosk buttons"): which services it offers in what
    order (none named: every service, in the file's order), the questions it asks, and the few
    services it puts first, as big tiles, on its first screen."""

    services: tuple[str, ...] = ()
    ask_priority: bool = True
    ask_extra_services: bool = False
    featured: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "services", tuple(self.services))
        object.__setattr__(self, "featured", tuple(self.featured))
        if len(self.featured) > MAX_FEATURED:
            raise OfficeFileError(
                "featured",
                f"at most {MAX_FEATURED} services fit the kiosk's first screen, "
                f"got {len(self.featured)}",
                f"หน้าแรกของตู้กดบัตรคิวแสดงบริการแนะนำได้ไม่เกิน {MAX_FEATURED} บริการ "
                f"แต่เลือกไว้ {len(self.featured)}",
            )
        _no_repeats("services", self.services, field="")
        _no_repeats("featured", self.featured, field="")
        if self.services:
            for code in self.featured:
                if code not in self.services:
                    raise OfficeFileError(
                        "featured",
                        f"service {code!r} is featured but not in the kiosk's services",
                        f"บริการ {code!r} เป็นบริการแนะนำ แต่ไม่ได้แสดงบนตู้กดบัตรคิว",
                    )

    def as_stored(self) -> dict[str, Any]:
        """The `offices.kiosk` column's JSON."""
        return {
            "services": list(self.services),
            "ask_priority": self.ask_priority,
            "ask_extra_services": self.ask_extra_services,
            "featured": list(self.featured),
        }


def stored_kiosk_settings(stored: Any) -> KioskSettings | None:
    """The layout the admin pages or a file stored; None when none was (every service shown).
    Layouts stored before featured services existed have no `featured`: none."""
    if not isinstance(stored, Mapping):
        return None
    return KioskSettings(
        services=tuple(stored.get("services") or ()),
        ask_priority=bool(stored.get("ask_priority", True)),
        ask_extra_services=bool(stored.get("ask_extra_services", False)),
        featured=tuple(stored.get("featured") or ()),
    )


@dataclass(frozen=True)
class OfficeFile:
    """An office as `swq office load` sets it up. Counters are listed in their opening state.
    `kiosk` None: the file says nothing of the kiosk, and loading it keeps the stored layout."""

    config: OfficeConfig
    counters: tuple[Counter, ...] = ()
    officers: tuple[OfficerSpec, ...] = ()
    province: Province | None = None
    kiosk: KioskSettings | None = None
    booking: OfficeBooking | None = None
    phone: PhoneSettings = field(default_factory=PhoneSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "counters", tuple(self.counters))
        object.__setattr__(self, "officers", tuple(self.officers))
        self._check_office()
        self._check_agencies()
        self._check_services()
        self._check_counters()
        self._check_officers()
        self._check_kiosk()
        self._check_booking()

    def _check_booking(self) -> None:
        if self.booking is None:
            return
        for i, code in enumerate(self.booking.slots):
            if code not in self.config.services:
                raise _unknown(f"booking.services[{i}].service", "service", "บริการ", code)

    def _check_office(self) -> None:
        if self.config.policy not in POLICIES:
            raise OfficeFileError(
                "office.policy",
                f"unknown routing policy {self.config.policy!r}; known: {', '.join(POLICIES)}",
                f"ไม่รู้จักนโยบายการเรียกคิว {self.config.policy!r}; ที่ใช้ได้: {', '.join(POLICIES)}",
            )

    def _check_agencies(self) -> None:
        if not self.config.agencies:
            raise OfficeFileError("agencies", "at least one is required", "ต้องมีอย่างน้อยหนึ่งรายการ")
        _check_keyed("agencies", self.config.agencies)
        for i, agency in enumerate(self.config.agencies.values()):
            if _blank(agency.code):
                raise OfficeFileError(f"agencies[{i}].code", "cannot be empty", "ต้องไม่ว่าง")

    def _check_services(self) -> None:
        if not self.config.services:
            raise OfficeFileError("services", "at least one is required", "ต้องมีอย่างน้อยหนึ่งรายการ")
        _check_keyed("services", self.config.services)
        for i, service in enumerate(self.config.services.values()):
            key = f"services[{i}]"
            if service.agency not in self.config.agencies:
                raise _unknown(f"{key}.agency", "agency", "หน่วยงาน", service.agency)
            if not 1 <= service.numbering.width <= MAX_NUMBER_WIDTH:
                raise OfficeFileError(
                    f"{key}.number_width",
                    f"must be 1-{MAX_NUMBER_WIDTH} digits, got {service.numbering.width}",
                    f"ต้องเป็น 1-{MAX_NUMBER_WIDTH} หลัก แต่ได้ {service.numbering.width}",
                )
            if service.default_service_s < 1:
                raise OfficeFileError(
                    f"{key}.default_service_min", "must be positive", "ต้องมากกว่าศูนย์"
                )

    def _check_counters(self) -> None:
        _no_repeats("counters", (c.code for c in self.counters))
        for i, counter in enumerate(self.counters):
            key = f"counters[{i}]"
            if _blank(counter.code):
                raise OfficeFileError(f"{key}.code", "cannot be empty", "ต้องไม่ว่าง")
            if counter.office != self.config.office.code:
                raise OfficeFileError(
                    key,
                    f"belongs to office {counter.office!r}, not {self.config.office.code!r}",
                    f"เป็นของสำนักงาน {counter.office!r} ไม่ใช่ {self.config.office.code!r}",
                )
            if not counter.profile.weights:
                raise OfficeFileError(
                    f"{key}.services",
                    "a counter must serve at least one service",
                    "ช่องบริการต้องให้บริการอย่างน้อยหนึ่งรายการ",
                )
            for code in counter.profile.weights:
                if code not in self.config.services:
                    raise _unknown(f"{key}.services.{code}", "service", "บริการ", code)

    def _check_kiosk(self) -> None:
        if self.kiosk is None:
            return
        for key in ("services", "featured"):
            for i, code in enumerate(getattr(self.kiosk, key)):
                if code not in self.config.services:
                    raise _unknown(f"kiosk.{key}[{i}]", "service", "บริการ", code)

    def _check_officers(self) -> None:
        _no_repeats("officers", (o.username for o in self.officers), field="username")
        counters = {c.code for c in self.counters}
        for i, officer in enumerate(self.officers):
            if officer.province_admin and self.province is None:
                raise OfficeFileError(
                    f"officers[{i}].province_admin",
                    "a province admin needs the file's [province]",
                    "ผู้ดูแลระดับจังหวัดต้องมีหัวข้อ [province] ในแฟ้ม",
                )
            if officer.counter is not None and officer.counter not in counters:
                raise _unknown(f"officers[{i}].counter", "counter", "ช่องบริการ", officer.counter)


# What a file may say, beyond what a stored office may hold: codes and names that end up in URLs
# follow the admin pages' rules, and a password hash is one swq makes (no md5, no scrypt that
# takes a GiB per sign-in). Accounts and codes stored before these rules still read (and dump).
def _code(table: TomlTable) -> str:
    code = table.get_str("code")
    if not CODE.fullmatch(code):
        raise table.fail(
            "code",
            f"letters, digits, _ and - only, at most 32, got {code!r}",
            f"ใช้ได้เฉพาะ a-z A-Z 0-9 _ - (ไม่เกิน 32 ตัว) แต่ได้ {code!r}",
        )
    return code


def _check_account(table: TomlTable, username: str, password_hash: str | None) -> None:
    if not USERNAME.fullmatch(username):
        raise table.fail(
            "username",
            f"letters, digits, '.', '_' and '-' only, starting with a letter or digit, at most"
            f" 64, got {username!r}",
            f"ใช้ได้เฉพาะ a-z A-Z 0-9 . _ - ขึ้นต้นด้วยตัวอักษรหรือตัวเลข (ไม่เกิน 64 ตัว) แต่ได้ {username!r}",
        )
    if password_hash is not None and not PASSWORD_HASH.fullmatch(password_hash):
        raise table.fail(
            "password_hash",
            "must be a hash as swq makes it (scrypt:32768:8:1$salt$hash): give password "
            "instead to have it hashed",
            "ต้องเป็นค่าแฮชแบบที่ swq สร้าง (scrypt:32768:8:1$...) หรือใช้ password แทน",
        )


def _unknown(key: str, what_en: str, what_th: str, code: str) -> OfficeFileError:
    return OfficeFileError(key, f"unknown {what_en} {code!r}", f"ไม่รู้จัก{what_th} {code!r}")


def _no_repeats(key: str, codes: Iterable[str], field: str = "code") -> None:
    first: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code in first:
            raise OfficeFileError(
                f"{key}[{i}].{field}" if field else f"{key}[{i}]",
                f"repeats {code!r} (already {key}[{first[code]}])",
                f"{code!r} ซ้ำกับ {key}[{first[code]}]",
            )
        first[code] = i


def _check_keyed(key: str, items: Mapping[str, Agency] | Mapping[str, Service]) -> None:
    """A mapping built in code must file each item under its own code, as loading would."""
    for i, (code, item) in enumerate(items.items()):
        if code != item.code:
            raise OfficeFileError(
                f"{key}[{i}].code",
                f"is {item.code!r} but the item is filed under {code!r}",
                f"เป็น {item.code!r} แต่ถูกเก็บไว้ภายใต้รหัส {code!r}",
            )


# ---- reading ----------------------------------------------------------------------------------


def _at(path: str) -> AbstractContextManager[None]:
    return at_path(path, OfficeFileError)


def _seconds(table: TomlTable, name: str, default_min: float = REQUIRED) -> int:
    """A duration the file gives in minutes, as whole seconds (at least one)."""
    minutes = table.get_float(name, default_min)
    seconds = minutes * 60
    if not (math.isfinite(seconds) and round(seconds) >= 1):
        raise table.fail(
            name,
            f"must be a positive number of minutes, got {minutes}",
            f"ต้องเป็นจำนวนนาทีที่มากกว่าศูนย์ แต่ได้ {minutes}",
        )
    if round(seconds) > MAX_STORED_INT:
        raise table.fail(
            name,
            f"must be at most {MAX_STORED_INT // 60} minutes, got {minutes}",
            f"ต้องไม่เกิน {MAX_STORED_INT // 60} นาที แต่ได้ {minutes}",
        )
    return round(seconds)


def _stored_int(table: TomlTable, name: str, default: Any = REQUIRED) -> Any:
    """An integer setting that goes into a 32-bit database column."""
    value = table.get_int(name, default)
    if isinstance(value, int) and value > MAX_STORED_INT:
        raise table.fail(
            name,
            f"must be at most {MAX_STORED_INT}, got {value}",
            f"ต้องไม่เกิน {MAX_STORED_INT} แต่ได้ {value}",
        )
    return value


def _check_timezone(table: TomlTable, name: str, zone: str) -> None:
    # Office checks this too, but a zone name that is a tzdata folder ("Asia") or too long for a
    # file name raises OSError there rather than a refusal.
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError, OSError):
        raise table.fail(
            name,
            f"unknown timezone {zone!r}; use a name like Asia/Bangkok",
            f"ไม่รู้จักเขตเวลา {zone!r} กรุณาใช้ชื่อเช่น Asia/Bangkok",
        ) from None


def _office(table: TomlTable) -> tuple[Office, str, bool]:
    code = table.get_str("code")
    # fullmatch: the model's patterns end in `$`, which lets a trailing newline through.
    if not OFFICE_CODE.fullmatch(code):
        raise table.fail(
            "code",
            f"must be lower-case letters, digits or '-', got {code!r}",
            f"ต้องเป็น a-z 0-9 หรือ - เท่านั้น แต่ได้ {code!r}",
        )
    timezone = table.get_str("timezone", "Asia/Bangkok")
    _check_timezone(table, "timezone", timezone)
    hours_text = table.get_str("hours", None)
    hours = None
    if hours_text is not None:
        with _at(table.key("hours")):
            hours = OpeningHours.parse(hours_text)
    values = dict(name_th=table.get_str("name_th"), name_en=table.get_str("name_en"))
    policy = table.get_str("policy", "weighted")
    keeps_place = table.get_bool("transfer_keeps_place", True)
    table.finish()
    with _at(table.path):
        office = Office(code=code, timezone=timezone, hours=hours, **values)
    return office, policy, keeps_place


def _agency(table: TomlTable) -> Agency:
    agency = Agency(_code(table), table.get_str("name_th"), table.get_str("name_en"))
    table.finish()
    return agency


def _numbering(table: TomlTable) -> NumberingRule:
    defaults = NumberingRule()
    width = table.get_int("number_width", defaults.width)
    start = _stored_int(table, "number_start", defaults.start)
    end = _stored_int(table, "number_end", None)
    # NumberingRule's own refusal names all three values; name the key to fix instead.
    if start < 0:
        raise table.fail("number_start", "cannot be negative", "ต้องไม่ติดลบ")
    if end is not None and end < start:
        raise table.fail(
            "number_end",
            f"must not be below number_start ({start}), got {end}",
            f"ต้องไม่น้อยกว่า number_start ({start}) แต่ได้ {end}",
        )
    with _at(table.key("number_width")):
        return NumberingRule(width=width, start=start, end=end)


def _service(table: TomlTable) -> Service:
    code = table.get_str("code")
    if not SERVICE_CODE.fullmatch(code):
        raise table.fail(
            "code",
            f"must be one or two capital letters (the ticket prefix), got {code!r}",
            f"ต้องเป็นอักษรภาษาอังกฤษตัวใหญ่ 1-2 ตัว (อักษรนำหน้าบัตรคิว) แต่ได้ {code!r}",
        )
    quota = _stored_int(table, "daily_quota", None)
    if quota is not None and quota < 0:
        raise table.fail("daily_quota", "cannot be negative", "ต้องไม่ติดลบ")
    values = dict(
        agency=table.get_str("agency"),
        name_th=table.get_str("name_th"),
        name_en=table.get_str("name_en"),
        target_wait_s=_seconds(table, "target_wait_min"),
        default_service_s=_seconds(table, "default_service_min", 5),
        open=table.get_bool("open", True),
        numbering=_numbering(table),
    )
    table.finish()
    with _at(table.path):
        return Service(code=code, daily_quota=quota, **values)


def _counter(table: TomlTable, office: str) -> Counter:
    profile = table.table("services")
    assert profile is not None
    weights = profile.numbers(int)
    for code, weight in weights.items():
        if weight <= 0:
            raise profile.fail(
                code, f"weight must be a positive integer, got {weight}", "น้ำหนักต้องเป็นจำนวนเต็มบวก"
            )
    values = dict(
        code=_code(table),
        name_th=table.get_str("name_th"),
        name_en=table.get_str("name_en"),
    )
    table.finish()
    with _at(profile.path):
        work = WorkProfile(weights)
    return Counter(office=office, profile=work, **values)


def _officer(table: TomlTable) -> OfficerSpec:
    values = dict(
        username=table.get_str("username"),
        counter=table.get_str("counter", None),
        role=table.get_str("role", "officer"),
        password=table.get_str("password", None),
        password_hash=table.get_str("password_hash", None),
        province_admin=table.get_bool("province_admin", False),
    )
    table.finish()
    with _at(table.path):
        spec = OfficerSpec(**values)
    _check_account(table, spec.username, spec.password_hash)
    return spec


def _province(table: TomlTable | None) -> Province | None:
    if table is None:
        return None
    values = dict(
        code=table.get_str("code"),
        name_th=table.get_str("name_th"),
        name_en=table.get_str("name_en"),
    )
    table.finish()
    with _at(table.path):
        return Province(**values)


def _priority(table: TomlTable | None) -> PrioritySettings:
    defaults = PrioritySettings()
    if table is None:
        return defaults
    weights_table = table.table("weights", required=False)
    weights = weights_table.numbers(int) if weights_table is not None else {}
    names_table = table.table("names", required=False)
    names = _class_names(names_table) if names_table is not None else {}
    values = dict(
        classes=tuple(table.get_str_list("classes", list(defaults.classes))),
        max_priority_in_row=table.get_int("max_priority_in_row", defaults.max_priority_in_row),
        long_wait_guard=table.get_bool("long_wait_guard", defaults.long_wait_guard),
        long_wait_guard_at=table.get_float("long_wait_guard_at", defaults.long_wait_guard_at),
        appointment_window_s=table.get_int("appointment_window_s", defaults.appointment_window_s),
    )
    table.finish()
    with _at(table.path):
        return PrioritySettings(weights=weights, names=names, **values)


def _class_names(table: TomlTable) -> dict[str, tuple[str, str]]:
    """`code = ["ชื่อไทย", "English name"]` for each named class."""
    names = {}
    for code in table.data:
        pair = table.get_str_list(code)
        if len(pair) != 2:
            raise table.fail(
                code,
                'must be ["Thai name", "English name"]',
                'ต้องเป็น ["ชื่อภาษาไทย", "ชื่อภาษาอังกฤษ"]',
            )
        names[code] = (pair[0], pair[1])
    table.finish()
    return names


def _kiosk(table: TomlTable | None) -> KioskSettings | None:
    if table is None:
        return None
    defaults = KioskSettings()
    values = dict(
        services=tuple(table.get_str_list("services", [])),
        ask_priority=table.get_bool("ask_priority", defaults.ask_priority),
        ask_extra_services=table.get_bool("ask_extra_services", defaults.ask_extra_services),
        featured=tuple(table.get_str_list("featured", [])),
    )
    table.finish()
    with _at(table.path):
        return KioskSettings(**values)


WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _slot_rule(table: TomlTable) -> tuple[str, SlotRule]:
    service = table.get_str("service")
    names = table.get_str_list("weekdays", list(WEEKDAY_KEYS[:5]))
    unknown = [n for n in names if n not in WEEKDAY_KEYS]
    if unknown:
        raise table.fail(
            "weekdays",
            f"days are {', '.join(WEEKDAY_KEYS)}; got {unknown[0]!r}",
            f"วันต้องเป็น {', '.join(WEEKDAY_KEYS)} แต่ได้ {unknown[0]!r}",
        )
    with _at(table.key("hours")):
        hours = OpeningHours.parse(table.get_str("hours"))
    closed = table.raw("closed_days", [])
    if not (isinstance(closed, list) and all(type(d) is date for d in closed)):
        raise table.fail(
            "closed_days",
            "must be a list of dates like [2026-12-05]",
            "ต้องเป็นรายการวันที่ เช่น [2026-12-05]",
        )
    values = dict(
        weekdays=tuple(WEEKDAY_KEYS.index(n) for n in names),
        hours=hours,
        slot_s=_seconds(table, "slot_min", 15),
        capacity=table.get_int("capacity", 1),
        days_ahead=table.get_int("days_ahead", 14),
        closed_days=tuple(closed),
    )
    table.finish()
    with _at(table.path):
        return service, SlotRule(**values)


def _booking(table: TomlTable | None) -> OfficeBooking | None:
    if table is None:
        return None
    defaults = BookingSettings()
    grace_min = table.get_float("grace_min", defaults.grace_s / 60)
    rules = [_slot_rule(t) for t in table.tables("services", required=False)]
    _no_repeats("booking.services", (code for code, _ in rules), field="service")
    values = dict(
        grace_s=round(grace_min * 60) if math.isfinite(grace_min) else -1,
        ask_name=table.get_bool("ask_name", defaults.ask_name),
        ask_phone=table.get_bool("ask_phone", defaults.ask_phone),
        retention_days=table.get_int("retention_days", defaults.retention_days),
        ask_citizen_id=table.get_bool("ask_citizen_id", defaults.ask_citizen_id),
    )
    table.finish()
    with _at(table.path):
        return OfficeBooking(BookingSettings(**values), dict(rules))


def _phone(table: TomlTable | None) -> PhoneSettings:
    defaults = PhoneSettings()
    if table is None:
        return defaults
    values = dict(
        tickets=table.get_bool("tickets", defaults.tickets),
        notify_ahead=table.get_int("notify_ahead", defaults.notify_ahead),
        webhook_url=table.get_str("webhook_url", None),
    )
    table.finish()
    try:
        return PhoneSettings(**values)
    except PhoneSettingError as exc:
        raise table.fail(exc.key, exc.en, exc.th) from None


def parse_office(data: Mapping[str, Any]) -> OfficeFile:
    """Build an OfficeFile from already-parsed TOML data."""
    root = TomlTable(dict(data), "", OfficeFileError)
    office_table = root.table("office")
    assert office_table is not None
    office, policy, keeps_place = _office(office_table)
    agency_tables, service_tables = root.tables("agencies"), root.tables("services")
    agencies = [_agency(t) for t in agency_tables]
    services = [_service(t) for t in service_tables]
    # Repeats must be caught here: the config's mappings, keyed by code, cannot hold them.
    _no_repeats("agencies", (a.code for a in agencies))
    _no_repeats("services", (s.code for s in services))
    counters = tuple(_counter(t, office.code) for t in root.tables("counters", required=False))
    officers = tuple(_officer(t) for t in root.tables("officers", required=False))
    priority = _priority(root.table("priority", required=False))
    province = _province(root.table("province", required=False))
    kiosk = _kiosk(root.table("kiosk", required=False))
    booking = _booking(root.table("booking", required=False))
    phone = _phone(root.table("phone", required=False))
    root.finish()
    config = OfficeConfig(
        office=office,
        agencies={a.code: a for a in agencies},
        services={s.code: s for s in services},
        priority=priority,
        policy=policy,
        transfer_keeps_place=keeps_place,
    )
    return OfficeFile(config, counters, officers, province, kiosk, booking, phone)


def loads_office(text: str, source: str = "office file") -> OfficeFile:
    """Read an office from TOML text; a bad file raises OfficeFileError naming the key."""
    data = loads_toml(text, source, OfficeFileError)
    try:
        return parse_office(data)
    except OfficeFileError as exc:
        raise exc.from_source(source) from None


def load_office(path: str | PathLike[str]) -> OfficeFile:
    """Read an office file; a missing, non-UTF-8 or bad file raises OfficeFileError."""
    return loads_office(read_utf8(path, OfficeFileError), str(path))


# ---- writing ----------------------------------------------------------------------------------


def _minutes(seconds: int) -> int | float:
    return seconds // 60 if seconds % 60 == 0 else seconds / 60


def _office_section(config: OfficeConfig) -> str:
    office = config.office
    return toml_section(
        "[office]",
        {
            "code": office.code,
            "name_th": office.name_th,
            "name_en": office.name_en,
            "timezone": office.timezone,
            "hours": str(office.hours) if office.hours is not None else None,
            "policy": config.policy,
            "transfer_keeps_place": config.transfer_keeps_place,
        },
    )


def _agency_section(agency: Agency) -> str:
    return toml_section(
        "[[agencies]]", {"code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en}
    )


def _service_section(service: Service) -> str:
    return toml_section(
        "[[services]]",
        {
            "code": service.code,
            "agency": service.agency,
            "name_th": service.name_th,
            "name_en": service.name_en,
            "target_wait_min": _minutes(service.target_wait_s),
            "daily_quota": service.daily_quota,
            "open": service.open,
            "default_service_min": _minutes(service.default_service_s),
            "number_width": service.numbering.width,
            "number_start": service.numbering.start,
            "number_end": service.numbering.end,
        },
    )


def _counter_section(counter: Counter) -> str:
    return toml_section(
        "[[counters]]",
        {
            "code": counter.code,
            "name_th": counter.name_th,
            "name_en": counter.name_en,
            "services": dict(counter.profile.weights),
        },
    )


def _officer_section(officer: OfficerSpec) -> str:
    return toml_section(
        "[[officers]]",
        {
            "username": officer.username,
            "role": officer.role,
            "counter": officer.counter,
            "password": officer.password,
            "password_hash": officer.password_hash,
            "province_admin": officer.province_admin or None,
        },
    )


def _province_section(province: Province) -> str:
    return toml_section(
        "[province]",
        {"code": province.code, "name_th": province.name_th, "name_en": province.name_en},
    )


def _priority_section(priority: PrioritySettings) -> str:
    return toml_section(
        "[priority]",
        {
            "classes": list(priority.classes),
            "weights": dict(priority.weights) or None,
            "max_priority_in_row": priority.max_priority_in_row,
            "long_wait_guard": priority.long_wait_guard,
            "long_wait_guard_at": priority.long_wait_guard_at,
            "appointment_window_s": priority.appointment_window_s,
            "names": {code: list(pair) for code, pair in priority.names.items()} or None,
        },
    )


def _kiosk_section(kiosk: KioskSettings) -> str:
    return toml_section(
        "[kiosk]",
        {
            "services": list(kiosk.services) or None,
            "ask_priority": kiosk.ask_priority,
            "ask_extra_services": kiosk.ask_extra_services,
            "featured": list(kiosk.featured) or None,
        },
    )


def _phone_section(phone: PhoneSettings) -> str:
    return toml_section(
        "[phone]",
        {
            "tickets": phone.tickets,
            "notify_ahead": phone.notify_ahead,
            "webhook_url": phone.webhook_url,
        },
    )


def _booking_sections(booking: OfficeBooking) -> list[str]:
    settings = booking.settings
    sections = [
        toml_section(
            "[booking]",
            {
                "grace_min": _minutes(settings.grace_s),
                "ask_name": settings.ask_name,
                "ask_phone": settings.ask_phone,
                "retention_days": settings.retention_days,
                "ask_citizen_id": settings.ask_citizen_id,
            },
        )
    ]
    for code, rule in booking.slots.items():
        sections.append(
            toml_section(
                "[[booking.services]]",
                {
                    "service": code,
                    "weekdays": [WEEKDAY_KEYS[d] for d in rule.weekdays],
                    "hours": str(rule.hours),
                    "slot_min": _minutes(rule.slot_s),
                    "capacity": rule.capacity,
                    "days_ahead": rule.days_ahead,
                    "closed_days": list(rule.closed_days) or None,
                },
            )
        )
    return sections


def dumps_office(office: OfficeFile) -> str:
    """The office as TOML text that `loads_office` reads back into an equal OfficeFile.

    Counters' runtime state (paused, closed) is not part of the file.
    """
    config = office.config
    sections = [
        _office_section(config),
        *(_agency_section(a) for a in config.agencies.values()),
        *(_service_section(s) for s in config.services.values()),
        *(_counter_section(c) for c in office.counters),
        *(_officer_section(o) for o in office.officers),
        _priority_section(config.priority),
    ]
    if office.province is not None:
        sections.append(_province_section(office.province))
    if office.kiosk is not None:
        sections.append(_kiosk_section(office.kiosk))
    if office.booking is not None:
        sections += _booking_sections(office.booking)
    if office.phone != PhoneSettings():
        sections.append(_phone_section(office.phone))
    return "\n".join(sections)
