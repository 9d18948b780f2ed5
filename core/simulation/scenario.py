"""A simulated office day described as data: who comes when, for what, and who serves them.

Scenarios are frozen values that validate themselves, so one built in code is as safe as one read
from TOML; the loader only adds exact key paths to the refusals and rejects keys it does not know.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from os import PathLike
from types import MappingProxyType
from typing import Any

from core.model import (
    OFFICE_CODE,
    SERVICE_CODE,
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
from core.toml_table import KeyPathError, TomlTable, at_path, loads_toml, read_utf8

# A Monday. Only the tickets' numbering day depends on it.
DEFAULT_DAY = date(2024, 6, 3)
BUILTIN = "provincial.toml"


class ScenarioError(KeyPathError):
    """A refused scenario; `key` is the offending key path, e.g. `services[2].service_time.sd_min`.

    A subclass of InvalidRequest, so the apps show it like any other refusal.
    """

    default_source = "scenario"


def _check_share(key: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ScenarioError(
            key, f"must be between 0 and 1, got {value}", f"ต้องอยู่ระหว่าง 0 ถึง 1 แต่ได้ {value}"
        )


def _frozen_mapping(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class LogNormal:
    """A service time in minutes. Lognormal: always positive, with a long tail of slow cases."""

    mean_min: float
    sd_min: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean_min) and self.mean_min > 0):
            raise ScenarioError(
                "mean_min", f"must be positive, got {self.mean_min}", "ต้องมากกว่าศูนย์"
            )
        if not (math.isfinite(self.sd_min) and self.sd_min >= 0):
            raise ScenarioError("sd_min", f"cannot be negative, got {self.sd_min}", "ต้องไม่ติดลบ")

    def draw_s(self, rng: random.Random) -> int:
        """One service time in whole seconds (at least one)."""
        if self.sd_min == 0:
            return max(1, round(self.mean_min * 60))
        sigma2 = math.log1p((self.sd_min / self.mean_min) ** 2)
        mu = math.log(self.mean_min) - sigma2 / 2
        return max(1, round(rng.lognormvariate(mu, math.sqrt(sigma2)) * 60))


def _check_profile(key: str, profile: Mapping[int, float]) -> Mapping[int, float]:
    for hour, weight in profile.items():
        if not (isinstance(hour, int) and 0 <= hour <= 23):
            raise ScenarioError(
                f"{key}.{hour}",
                f"hours must be 0-23, got {hour!r}",
                f"ชั่วโมงต้องอยู่ระหว่าง 0-23 แต่ได้ {hour!r}",
            )
        if not (math.isfinite(weight) and weight >= 0):
            raise ScenarioError(
                f"{key}.{hour}", f"weight cannot be negative, got {weight}", "น้ำหนักต้องไม่ติดลบ"
            )
    return _frozen_mapping(profile)


@dataclass(frozen=True)
class ServiceSpec:
    """A service as the kiosk offers it, plus how much demand it gets and how long it takes."""

    code: str
    agency: str
    name_th: str
    name_en: str
    target_wait_min: float
    service_time: LogNormal
    visitors_per_day: float
    # Relative arrivals per clock hour; None: the office-wide profile.
    profile: Mapping[int, float] | None = None
    number_width: int = 3

    def __post_init__(self) -> None:
        if not SERVICE_CODE.fullmatch(self.code):
            raise ScenarioError(
                "code",
                f"must be one or two capital letters (the ticket prefix), got {self.code!r}",
                f"ต้องเป็นอักษรภาษาอังกฤษตัวใหญ่ 1-2 ตัว แต่ได้ {self.code!r}",
            )
        if not (math.isfinite(self.target_wait_min) and self.target_wait_min * 60 >= 1):
            raise ScenarioError(
                "target_wait_min", f"must be positive, got {self.target_wait_min}", "ต้องมากกว่าศูนย์"
            )
        if not (math.isfinite(self.visitors_per_day) and self.visitors_per_day >= 0):
            raise ScenarioError(
                "visitors_per_day", f"cannot be negative, got {self.visitors_per_day}", "ต้องไม่ติดลบ"
            )
        if not 1 <= self.number_width <= 6:
            raise ScenarioError(
                "number_width", f"must be 1-6 digits, got {self.number_width}", "ต้องเป็น 1-6 หลัก"
            )
        if self.profile is not None:
            object.__setattr__(self, "profile", _check_profile("profile", self.profile))
        self.to_service()  # the core's own checks: code format, target

    def to_service(self) -> Service:
        return Service(
            code=self.code,
            agency=self.agency,
            name_th=self.name_th,
            name_en=self.name_en,
            target_wait_s=round(self.target_wait_min * 60),
            numbering=NumberingRule(width=self.number_width),
            # What an office would configure before it has measured anything.
            default_service_s=round(self.service_time.mean_min * 60),
        )


@dataclass(frozen=True)
class CounterSpec:
    code: str
    name_th: str
    name_en: str
    services: Mapping[str, int]

    def __post_init__(self) -> None:
        if not self.services:
            raise ScenarioError(
                "services", "a counter must serve at least one service", "ต้องมีบริการอย่างน้อยหนึ่งรายการ"
            )
        object.__setattr__(self, "services", WorkProfile(self.services).weights)

    def to_counter(self, office: str) -> Counter:
        """A fresh, open counter: each simulation run mutates its own."""
        return Counter(office, self.code, self.name_th, self.name_en, WorkProfile(self.services))


@dataclass(frozen=True)
class CounterPause:
    """A counter away from `start_s` to `end_s` seconds after opening (lunch, a long case).

    A counter busy at `start_s` pauses when it finishes that ticket.
    """

    counter: str
    start_s: int
    end_s: int
    reason: str

    def __post_init__(self) -> None:
        if not 0 <= self.start_s < self.end_s:
            raise ScenarioError(
                "pauses",
                f"a pause must end after it starts, got {self.start_s}-{self.end_s} s",
                "ช่วงพักต้องสิ้นสุดหลังเวลาเริ่ม",
            )


@dataclass(frozen=True)
class Booking:
    """Visitors who booked a slot ahead instead of walking in.

    A booked visitor's slot starts at the first slot boundary at or after the moment they would
    have walked in, so booking does not change the day's demand. Of the booked, some come early
    (up to `early_max_min` before the slot), some late (past the grace period, then they queue as
    walk-ins), some not at all; the rest arrive within the grace period after the slot's start.
    """

    share: float = 0.0
    slot_min: int = 15
    grace_min: int = 10
    early_probability: float = 0.4
    early_max_min: int = 20
    late_probability: float = 0.1
    no_show_probability: float = 0.08

    def __post_init__(self) -> None:
        for key in ("share", "early_probability", "late_probability", "no_show_probability"):
            _check_share(key, getattr(self, key))
        if self.early_probability + self.late_probability + self.no_show_probability > 1:
            raise ScenarioError(
                "no_show_probability",
                "early, late and no-show probabilities add up to more than 1",
                "ผลรวมโอกาสมาก่อน มาสาย และไม่มา เกิน 1",
            )
        for key in ("slot_min", "grace_min", "early_max_min"):
            if getattr(self, key) < (1 if key == "slot_min" else 0):
                raise ScenarioError(key, f"out of range: {getattr(self, key)}", "ค่าไม่อยู่ในช่วงที่ใช้ได้")


def _no_repeats(key: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code in seen:
            raise ScenarioError(f"{key}[{i}].code", f"repeats code {code!r}", f"รหัส {code!r} ซ้ำ")
        seen.add(code)


@dataclass(frozen=True)
class Scenario:
    name: str
    office: Office
    agencies: tuple[Agency, ...]
    services: tuple[ServiceSpec, ...]
    counters: tuple[CounterSpec, ...]
    # Relative arrivals per clock hour; an hour the office is open only partly counts pro rata.
    arrival_profile: Mapping[int, float]
    priority: PrioritySettings = field(default_factory=PrioritySettings)
    # Share of visitors in each priority class; must add up to 1.
    priority_mix: Mapping[str, float] = field(default_factory=lambda: {"normal": 1.0})
    # Chance that a visit carries one more transaction besides the service picked at the kiosk.
    extra_service_probability: float = 0.0
    no_show_probability: float = 0.0
    day: date = DEFAULT_DAY
    pauses: tuple[CounterPause, ...] = ()
    booking: Booking = Booking()

    def __post_init__(self) -> None:
        if self.office.hours is None:
            raise ScenarioError("office.hours", "opening hours are required", "ต้องระบุเวลาทำการ")
        for key, items in (("agencies", self.agencies), ("services", self.services)):
            if not items:
                raise ScenarioError(key, "at least one is required", "ต้องมีอย่างน้อยหนึ่งรายการ")
        if not self.counters:
            raise ScenarioError("counters", "at least one is required", "ต้องมีอย่างน้อยหนึ่งรายการ")
        object.__setattr__(self, "agencies", tuple(self.agencies))
        object.__setattr__(self, "services", tuple(self.services))
        object.__setattr__(self, "counters", tuple(self.counters))
        _no_repeats("agencies", [a.code for a in self.agencies])
        _no_repeats("services", [s.code for s in self.services])
        _no_repeats("counters", [c.code for c in self.counters])
        agencies = {a.code for a in self.agencies}
        services = {s.code for s in self.services}
        for i, spec in enumerate(self.services):
            if spec.agency not in agencies:
                raise ScenarioError(
                    f"services[{i}].agency",
                    f"unknown agency {spec.agency!r}",
                    f"ไม่รู้จักหน่วยงาน {spec.agency!r}",
                )
        for i, counter in enumerate(self.counters):
            for code in counter.services:
                if code not in services:
                    raise ScenarioError(
                        f"counters[{i}].services.{code}",
                        f"unknown service {code!r}",
                        f"ไม่รู้จักบริการ {code!r}",
                    )
        for i, spec in enumerate(self.services):
            if spec.visitors_per_day > 0 and not any(
                spec.code in c.services for c in self.counters
            ):
                raise ScenarioError(
                    f"services[{i}]",
                    f"no counter serves {spec.code}, so its visitors would wait forever",
                    f"ไม่มีช่องบริการใดให้บริการ {spec.code}",
                )
        object.__setattr__(
            self, "arrival_profile", _check_profile("arrival_profile", self.arrival_profile)
        )
        for i, spec in enumerate(self.services):
            key = f"services[{i}].profile" if spec.profile is not None else "arrival_profile"
            if spec.visitors_per_day > 0 and not self.arrival_segments(spec):
                raise ScenarioError(
                    key, "gives no arrivals while the office is open", "ไม่มีผู้มาในเวลาทำการ"
                )
        self._check_mix()
        object.__setattr__(self, "pauses", tuple(self.pauses))
        counters = {c.code for c in self.counters}
        for i, pause in enumerate(self.pauses):
            if pause.counter not in counters:
                raise ScenarioError(
                    f"pauses[{i}].counter",
                    f"unknown counter {pause.counter!r}",
                    f"ไม่รู้จักช่องบริการ {pause.counter!r}",
                )
        _check_share("extra_service_probability", self.extra_service_probability)
        _check_share("no_show_probability", self.no_show_probability)

    def _check_mix(self) -> None:
        for klass, share in self.priority_mix.items():
            if klass not in self.priority.classes:
                raise ScenarioError(
                    f"priority_mix.{klass}",
                    f"not a priority class; known: {', '.join(self.priority.classes)}",
                    f"ไม่ใช่ประเภทผู้รับบริการที่กำหนด: {', '.join(self.priority.classes)}",
                )
            _check_share(f"priority_mix.{klass}", share)
        total = sum(self.priority_mix.values())
        if abs(total - 1.0) > 1e-6:
            raise ScenarioError(
                "priority_mix",
                f"shares must add up to 1, got {total:g}",
                f"สัดส่วนรวมต้องเท่ากับ 1 แต่ได้ {total:g}",
            )
        object.__setattr__(self, "priority_mix", _frozen_mapping(self.priority_mix))

    @property
    def hours(self) -> OpeningHours:
        assert self.office.hours is not None
        return self.office.hours

    @property
    def open_s(self) -> int:
        """Seconds from opening to closing."""
        return _seconds(self.hours.closes) - _seconds(self.hours.opens)

    @property
    def expected_visitors(self) -> float:
        return sum(s.visitors_per_day for s in self.services)

    def opening(self) -> datetime:
        """Opening time on the simulated day, in the office's timezone."""
        return datetime.combine(self.day, self.hours.opens, tzinfo=self.office.tz)

    def at(self, seconds: float) -> datetime:
        """The office-local time `seconds` after opening; through UTC so that DST days add up."""
        start = self.opening().astimezone(UTC)
        return (start + timedelta(seconds=seconds)).astimezone(self.office.tz)

    @property
    def classes(self) -> tuple[str, ...]:
        """The classes tickets of this day can have: the office's, and appointments if booked."""
        if self.booking.share > 0:
            return self.priority.queue_classes
        return self.priority.classes

    def office_config(self, policy: str) -> OfficeConfig:
        return OfficeConfig(
            office=self.office,
            agencies={a.code: a for a in self.agencies},
            services={s.code: s.to_service() for s in self.services},
            priority=self.priority,
            policy=policy,
        )

    def make_counters(self) -> list[Counter]:
        return [c.to_counter(self.office.code) for c in self.counters]

    def arrival_segments(self, spec: ServiceSpec) -> list[tuple[int, int, float]]:
        """(start_s, end_s, arrivals per second) pieces of the day for one service.

        The rate is constant within each clock hour; the daily total is spread over the open
        part of each hour in proportion to the hour's weight.
        """
        profile = spec.profile if spec.profile is not None else self.arrival_profile
        opens, closes = _seconds(self.hours.opens), _seconds(self.hours.closes)
        pieces = []
        for hour in range(opens // 3600, (closes - 1) // 3600 + 1):
            start, end = max(opens, hour * 3600), min(closes, (hour + 1) * 3600)
            weight = profile.get(hour, 0.0)
            if end > start and weight > 0:
                pieces.append((start - opens, end - opens, weight))
        total = sum(weight * (end - start) for start, end, weight in pieces)
        if total <= 0:
            return []
        return [(start, end, spec.visitors_per_day * w / total) for start, end, w in pieces]


def _seconds(at: time) -> int:
    return at.hour * 3600 + at.minute * 60 + at.second


# ---- TOML -------------------------------------------------------------------------------------


def _at(path: str) -> AbstractContextManager[None]:
    return at_path(path, ScenarioError)


def _hourly(table: TomlTable) -> dict[int, float]:
    profile = {}
    for name, weight in table.numbers(float).items():
        if not name.isdigit():
            raise ScenarioError(
                table.key(name), "keys must be clock hours 0-23", "คีย์ต้องเป็นชั่วโมง 0-23"
            )
        profile[int(name)] = weight
    return profile


def _service(table: TomlTable) -> ServiceSpec:
    time_table = table.table("service_time")
    assert time_table is not None
    mean_min, sd_min = time_table.get_float("mean_min"), time_table.get_float("sd_min")
    with _at(time_table.path):
        service_time = LogNormal(mean_min, sd_min)
    time_table.finish()
    profile_table = table.table("profile", required=False)
    profile = _hourly(profile_table) if profile_table is not None else None
    if profile_table is not None:
        profile_table.finish()
    values = dict(
        code=table.get_str("code"),
        agency=table.get_str("agency"),
        name_th=table.get_str("name_th"),
        name_en=table.get_str("name_en"),
        target_wait_min=table.get_float("target_wait_min"),
        visitors_per_day=table.get_float("visitors_per_day"),
        number_width=table.get_int("number_width", 3),
    )
    table.finish()
    with _at(table.path):
        return ServiceSpec(service_time=service_time, profile=profile, **values)


def _counter(table: TomlTable) -> CounterSpec:
    profile = table.table("services")
    assert profile is not None
    weights = profile.numbers(int)
    values = dict(
        code=table.get_str("code"),
        name_th=table.get_str("name_th"),
        name_en=table.get_str("name_en"),
    )
    table.finish()
    with _at(table.path):
        return CounterSpec(services=weights, **values)


def _agency(table: TomlTable) -> Agency:
    agency = Agency(table.get_str("code"), table.get_str("name_th"), table.get_str("name_en"))
    table.finish()
    return agency


def _office(table: TomlTable) -> Office:
    values = dict(
        code=table.get_str("code"),
        name_th=table.get_str("name_th"),
        name_en=table.get_str("name_en"),
        timezone=table.get_str("timezone", "Asia/Bangkok"),
    )
    hours_text = table.get_str("hours")
    table.finish()
    if not OFFICE_CODE.fullmatch(values["code"]):
        raise ScenarioError(
            table.key("code"),
            f"must be lower-case letters, digits or '-', got {values['code']!r}",
            f"ต้องเป็น a-z 0-9 หรือ - เท่านั้น แต่ได้ {values['code']!r}",
        )
    with _at(table.key("hours")):
        hours = OpeningHours.parse(hours_text)
    with _at(table.path):
        return Office(hours=hours, **values)


def _priority(table: TomlTable | None) -> tuple[PrioritySettings, dict[str, float]]:
    if table is None:
        return PrioritySettings(), {"normal": 1.0}
    defaults = PrioritySettings()
    weights_table = table.table("weights", required=False)
    weights = weights_table.numbers(int) if weights_table is not None else {}
    mix_table = table.table("mix", required=False)
    mix = mix_table.numbers(float) if mix_table is not None else None
    classes = tuple(table.get_str_list("classes", list(defaults.classes)))
    values = dict(
        max_priority_in_row=table.get_int("max_priority_in_row", defaults.max_priority_in_row),
        long_wait_guard=table.get_bool("long_wait_guard", defaults.long_wait_guard),
        long_wait_guard_at=table.get_float("long_wait_guard_at", defaults.long_wait_guard_at),
        appointment_window_s=table.get_int("appointment_window_s", defaults.appointment_window_s),
    )
    table.finish()
    with _at(table.path):
        settings = PrioritySettings(classes=classes, weights=weights, **values)
    return settings, mix if mix is not None else {settings.normal: 1.0}


def _booking(table: TomlTable | None) -> Booking:
    if table is None:
        return Booking()
    d = Booking()
    values = dict(
        share=table.get_float("share", d.share),
        slot_min=table.get_int("slot_min", d.slot_min),
        grace_min=table.get_int("grace_min", d.grace_min),
        early_probability=table.get_float("early_probability", d.early_probability),
        early_max_min=table.get_int("early_max_min", d.early_max_min),
        late_probability=table.get_float("late_probability", d.late_probability),
        no_show_probability=table.get_float("no_show_probability", d.no_show_probability),
    )
    table.finish()
    with _at(table.path):
        return Booking(**values)


# Where Scenario's own fields live in the TOML file, to name the key a user has to fix.
_TOML_KEYS = {
    "priority_mix": "priority.mix",
    "extra_service_probability": "visits.extra_service_probability",
    "no_show_probability": "visits.no_show_probability",
    "arrival_profile": "arrivals.profile",
    "day": "scenario.date",
}


def parse_scenario(data: Mapping[str, Any]) -> Scenario:
    """Build a Scenario from already-parsed TOML data (see core/scenarios/provincial.toml)."""
    root = TomlTable(dict(data), "", ScenarioError)
    head = root.table("scenario")
    assert head is not None
    name = head.get_str("name")
    day = head.get_date("date", DEFAULT_DAY)
    head.finish()
    office_table = root.table("office")
    assert office_table is not None
    office = _office(office_table)
    agencies = tuple(_agency(t) for t in root.tables("agencies"))
    services = tuple(_service(t) for t in root.tables("services"))
    counters = tuple(_counter(t) for t in root.tables("counters"))
    arrivals = root.table("arrivals")
    assert arrivals is not None
    profile_table = arrivals.table("profile")
    assert profile_table is not None
    profile = _hourly(profile_table)
    profile_table.finish()
    arrivals.finish()
    priority, mix = _priority(root.table("priority", required=False))
    visits = root.table("visits", required=False)
    extra = visits.get_float("extra_service_probability", 0.0) if visits else 0.0
    no_show = visits.get_float("no_show_probability", 0.0) if visits else 0.0
    if visits is not None:
        visits.finish()
    booking = _booking(root.table("booking", required=False))
    root.finish()
    try:
        return Scenario(
            name=name,
            office=office,
            agencies=agencies,
            services=services,
            counters=counters,
            arrival_profile=profile,
            priority=priority,
            priority_mix=mix,
            extra_service_probability=extra,
            no_show_probability=no_show,
            day=day,
            booking=booking,
        )
    except ScenarioError as exc:
        field_name, dot, rest = exc.key.partition(".")
        raise exc.renamed(_TOML_KEYS.get(field_name, field_name) + dot + rest) from None


def loads_scenario(text: str, source: str = "scenario") -> Scenario:
    data = loads_toml(text, source, ScenarioError)
    try:
        return parse_scenario(data)
    except ScenarioError as exc:
        raise exc.from_source(source) from None


def load_scenario(path: str | PathLike[str]) -> Scenario:
    """Read a scenario from a TOML file; a bad file raises InvalidRequest naming the key."""
    return loads_scenario(read_utf8(path, ScenarioError), str(path))


def builtin_scenario() -> Scenario:
    """A provincial one-stop centre: about 2,000 visitors a day at 12 counters."""
    text = resources.files("core").joinpath("scenarios", BUILTIN).read_text(encoding="utf-8")
    return loads_scenario(text, BUILTIN)
