"""Conversion between table rows and core objects, at the boundary and nowhere else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.model import (
    DEFAULT_APPOINTMENT_WINDOW_S,
    DEFAULT_PAUSE_REASONS,
    Agency,
    Counter,
    CounterState,
    NumberingRule,
    Office,
    OfficeConfig,
    OpeningHours,
    PauseReason,
    PrioritySettings,
    Service,
    Ticket,
    TicketStatus,
    Transaction,
    WorkProfile,
)

Row = Mapping[str, Any]


def ticket_from_row(row: Row) -> Ticket:
    return Ticket(
        id=row["id"],
        office=row["office"],
        service=row["service"],
        number=row["number"],
        priority=row["priority"],
        issued_at=row["issued_at"],
        day=row["day"],
        status_key=row["status_key"],
        queued_at=row["queued_at"],
        status=TicketStatus(row["status"]),
        transactions=tuple(Transaction(t["service"], bool(t["done"])) for t in row["transactions"]),
        counter=row["counter"],
        target_counter=row["target_counter"],
        called_at=row["called_at"],
        serving_at=row["serving_at"],
        finished_at=row["finished_at"],
        recalls=row["recalls"],
    )


def ticket_to_row(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "office": ticket.office,
        "service": ticket.service,
        "number": ticket.number,
        "priority": ticket.priority,
        "issued_at": ticket.issued_at,
        "day": ticket.day,
        "status_key": ticket.status_key,
        "queued_at": ticket.queued_at,
        "status": ticket.status.value,
        "transactions": [{"service": t.service, "done": t.done} for t in ticket.transactions],
        "counter": ticket.counter,
        "target_counter": ticket.target_counter,
        "called_at": ticket.called_at,
        "serving_at": ticket.serving_at,
        "finished_at": ticket.finished_at,
        "recalls": ticket.recalls,
    }


def counter_from_row(row: Row) -> Counter:
    return Counter(
        office=row["office"],
        code=row["code"],
        name_th=row["name_th"],
        name_en=row["name_en"],
        profile=WorkProfile(dict(row["profile"])),
        state=CounterState(row["state"]),
        pause_reason=row["pause_reason"],
        pause_code=row["pause_code"],
        pause_pending=bool(row["pause_pending"]),
    )


def counter_to_row(counter: Counter) -> dict[str, Any]:
    return {
        "office": counter.office,
        "code": counter.code,
        "name_th": counter.name_th,
        "name_en": counter.name_en,
        "profile": dict(counter.profile.weights),
        "state": counter.state.value,
        "pause_reason": counter.pause_reason,
        "pause_code": counter.pause_code,
        "pause_pending": counter.pause_pending,
    }


def priority_to_json(priority: PrioritySettings) -> dict[str, Any]:
    return {
        "classes": list(priority.classes),
        "weights": dict(priority.weights),
        "max_priority_in_row": priority.max_priority_in_row,
        "long_wait_guard": priority.long_wait_guard,
        "long_wait_guard_at": priority.long_wait_guard_at,
        "appointment_window_s": priority.appointment_window_s,
        "names": {code: list(pair) for code, pair in priority.names.items()},
    }


def priority_from_json(doc: Mapping[str, Any]) -> PrioritySettings:
    return PrioritySettings(
        classes=tuple(doc["classes"]),
        weights=dict(doc["weights"]),
        max_priority_in_row=doc["max_priority_in_row"],
        long_wait_guard=doc["long_wait_guard"],
        long_wait_guard_at=doc["long_wait_guard_at"],
        # Stored before appointments existed: the default window.
        appointment_window_s=doc.get("appointment_window_s", DEFAULT_APPOINTMENT_WINDOW_S),
        # Stored before offices named their own classes: none named.
        names={code: tuple(pair) for code, pair in doc.get("names", {}).items()},
    )


def office_to_row(config: OfficeConfig) -> dict[str, Any]:
    office = config.office
    return {
        "code": office.code,
        "name_th": office.name_th,
        "name_en": office.name_en,
        "timezone": office.timezone,
        "hours": str(office.hours) if office.hours else None,
        "policy": config.policy,
        "transfer_keeps_place": config.transfer_keeps_place,
        "priority": priority_to_json(config.priority),
    }


def service_to_row(service: Service, office: str, position: int) -> dict[str, Any]:
    return {
        "office": office,
        "code": service.code,
        "agency": service.agency,
        "name_th": service.name_th,
        "name_en": service.name_en,
        "target_wait_s": service.target_wait_s,
        "daily_quota": service.daily_quota,
        "number_width": service.numbering.width,
        "number_start": service.numbering.start,
        "number_end": service.numbering.end,
        "default_service_s": service.default_service_s,
        "open": service.open,
        "position": position,
    }


def config_from_rows(office: Row, agencies: Sequence[Row], services: Sequence[Row]) -> OfficeConfig:
    return OfficeConfig(
        office=Office(
            code=office["code"],
            name_th=office["name_th"],
            name_en=office["name_en"],
            timezone=office["timezone"],
            hours=OpeningHours.parse(office["hours"]) if office["hours"] else None,
        ),
        agencies={a["code"]: Agency(a["code"], a["name_th"], a["name_en"]) for a in agencies},
        services={
            s["code"]: Service(
                code=s["code"],
                agency=s["agency"],
                name_th=s["name_th"],
                name_en=s["name_en"],
                target_wait_s=s["target_wait_s"],
                daily_quota=s["daily_quota"],
                numbering=NumberingRule(s["number_width"], s["number_start"], s["number_end"]),
                default_service_s=s["default_service_s"],
                open=s["open"],
            )
            for s in services
        },
        priority=priority_from_json(office["priority"]),
        policy=office["policy"],
        transfer_keeps_place=office["transfer_keeps_place"],
        no_show_grace_s=office["no_show_grace_s"],
        pause_reasons=pause_reasons_from_json(office["pause_reasons"]),
    )


def pause_reasons_from_json(doc: Sequence[Row] | None) -> tuple[PauseReason, ...]:
    if not doc:
        return DEFAULT_PAUSE_REASONS
    return tuple(PauseReason(r["code"], r["name_th"], r["name_en"]) for r in doc)


def pause_reasons_to_json(reasons: Sequence[PauseReason]) -> list[dict[str, str]]:
    return [{"code": r.code, "name_th": r.name_th, "name_en": r.name_en} for r in reasons]
