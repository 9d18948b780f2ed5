"""The office as the kiosk sees it: `GET /api/v1/office` and `GET /api/v1/services`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.codec import CodecError

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class PriorityClass:
    code: str
    name_th: str
    name_en: str


@dataclass(frozen=True)
class OfficeInfo:
    code: str
    name_th: str
    name_en: str
    hours: str | None
    open_now: bool
    priority_classes: tuple[PriorityClass, ...]
    kiosk_services: tuple[str, ...]  # what this kiosk shows, in order; empty: every service
    ask_priority: bool
    ask_extra_services: bool
    featured: tuple[str, ...] = ()  # big tiles on the first screen (older servers: none)
    # The office's branding (docs/boards.md); a server without it leaves the kiosk's own.
    primary: str | None = None  # "#rrggbb": buttons and headers, under white text
    accent: str | None = None
    logo_url: str | None = None
    logo: bytes | None = None  # the PNG behind logo_url, fetched by KioskApi.office()
    bookings: bool = False  # the office takes bookings: offer check-in by code

    def priority_class(self, code: str) -> PriorityClass:
        for cls in self.priority_classes:
            if cls.code == code:
                return cls
        return PriorityClass(code, code, code)


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    name_th: str
    name_en: str
    agency: str
    agency_name_th: str
    agency_name_en: str
    open: bool
    waiting: int
    estimated_wait_s: int | None


def _get(doc: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = doc.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise CodecError(f"{where}.{name}: expected {kind}, got {value!r}")
    return value


def office_from_json(doc: object) -> OfficeInfo:
    if not isinstance(doc, Mapping):
        raise CodecError("office: expected an object")
    kiosk = doc.get("kiosk") or {}
    if not isinstance(kiosk, Mapping):
        raise CodecError("office.kiosk: expected an object")
    classes = []
    for i, item in enumerate(_get(doc, "priority_classes", list, "office")):
        if not isinstance(item, Mapping):
            raise CodecError(f"office.priority_classes[{i}]: expected an object")
        where = f"office.priority_classes[{i}]"
        classes.append(
            PriorityClass(
                code=_get(item, "code", str, where),
                name_th=_get(item, "name_th", str, where),
                name_en=_get(item, "name_en", str, where),
            )
        )
    services = kiosk.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        raise CodecError("office.kiosk.services: expected a list of service codes")
    featured = kiosk.get("featured", [])
    if not isinstance(featured, list) or not all(isinstance(s, str) for s in featured):
        raise CodecError("office.kiosk.featured: expected a list of service codes")
    return OfficeInfo(
        code=_get(doc, "code", str, "office"),
        name_th=_get(doc, "name_th", str, "office"),
        name_en=_get(doc, "name_en", str, "office"),
        hours=_get(doc, "hours", (str, type(None)), "office"),
        open_now=_get(doc, "open_now", bool, "office"),
        priority_classes=tuple(classes),
        kiosk_services=tuple(services),
        ask_priority=bool(kiosk.get("ask_priority", False)),
        ask_extra_services=bool(kiosk.get("ask_extra_services", False)),
        featured=tuple(featured),
        **_branding(doc.get("branding")),
        bookings=doc.get("bookings") is True,
    )


def _branding(branding: object) -> dict[str, Any]:
    """The office document's `branding`, when the server sends one it can use."""
    if not isinstance(branding, Mapping):
        return {}
    found: dict[str, Any] = {}
    for name in ("primary", "accent"):
        value = branding.get(name)
        if isinstance(value, str) and COLOUR.fullmatch(value):
            found[name] = value
    logo = branding.get("logo_url")
    if isinstance(logo, str) and logo.startswith("/"):
        found["logo_url"] = logo
    return found


def services_from_json(doc: object) -> list[ServiceInfo]:
    if not isinstance(doc, list):
        raise CodecError("services: expected a list")
    result = []
    for i, item in enumerate(doc):
        where = f"services[{i}]"
        if not isinstance(item, Mapping):
            raise CodecError(f"{where}: expected an object")
        agency = _get(item, "agency", str, where)
        result.append(
            ServiceInfo(
                code=_get(item, "code", str, where),
                name_th=_get(item, "name_th", str, where),
                name_en=_get(item, "name_en", str, where),
                agency=agency,
                agency_name_th=item.get("agency_name_th") or agency,
                agency_name_en=item.get("agency_name_en") or agency,
                open=_get(item, "open", bool, where),
                waiting=_get(item, "waiting", int, where),
                estimated_wait_s=_get(item, "estimated_wait_s", (int, type(None)), where),
            )
        )
    return result


@dataclass(frozen=True)
class AgencyGroup:
    agency: str
    name_th: str
    name_en: str
    services: tuple[ServiceInfo, ...]


def kiosk_groups(office: OfficeInfo, services: Sequence[ServiceInfo]) -> list[AgencyGroup]:
    """The services this kiosk shows, in the office's order, grouped by agency in the order each
    agency first appears."""
    by_code = {s.code: s for s in services}
    chosen = (
        [by_code[c] for c in office.kiosk_services if c in by_code]
        if office.kiosk_services
        else list(services)
    )
    groups: dict[str, list[ServiceInfo]] = {}
    for svc in chosen:
        groups.setdefault(svc.agency, []).append(svc)
    return [
        AgencyGroup(code, items[0].agency_name_th, items[0].agency_name_en, tuple(items))
        for code, items in groups.items()
    ]
