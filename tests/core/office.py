"""A small office used by the core tests: two agencies, three services, three counters."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core import services
from core.memory import MemoryStore, MemoryUnitOfWork
from core.model import (
    Agency,
    Counter,
    Office,
    OfficeConfig,
    PrioritySettings,
    Service,
    Ticket,
    WorkProfile,
)

BANGKOK = ZoneInfo("Asia/Bangkok")
MORNING = datetime(2026, 11, 25, 8, 30, tzinfo=BANGKOK)


def at(minutes: float) -> datetime:
    """Minutes after 08:30 on the test day, Bangkok time."""
    return MORNING + timedelta(minutes=minutes)


def make_config(**overrides: object) -> OfficeConfig:
    services = {
        "A": Service("A", "dopa", "ทะเบียนราษฎร์", "Civil registration", target_wait_s=900),
        "B": Service("B", "dopa", "บัตรประจำตัวประชาชน", "ID card", target_wait_s=900),
        "C": Service("C", "lao", "ภาษีที่ดิน", "Land tax", target_wait_s=1800, daily_quota=3),
    }
    fields: dict[str, object] = {
        "office": Office("udn", "ศูนย์บริการร่วม จังหวัดอุดรธานี", "Udon Thani One-Stop Service"),
        "agencies": {
            "dopa": Agency("dopa", "สำนักทะเบียนอำเภอเมือง", "District Registration Office"),
            "lao": Agency("lao", "เทศบาลนคร", "City Municipality"),
        },
        "services": services,
        "priority": PrioritySettings(max_priority_in_row=2),
    }
    fields.update(overrides)
    return OfficeConfig(**fields)  # type: ignore[arg-type]


def make_counters() -> list[Counter]:
    return [
        Counter("udn", "1", "ช่องบริการ 1", "Counter 1", WorkProfile({"A": 3, "B": 1})),
        Counter("udn", "2", "ช่องบริการ 2", "Counter 2", WorkProfile({"B": 3, "A": 1})),
        Counter("udn", "3", "ช่องบริการ 3", "Counter 3", WorkProfile({"C": 1})),
    ]


def make_uow(config: OfficeConfig | None = None) -> MemoryUnitOfWork:
    store = MemoryStore()
    store.install(config or make_config(), make_counters())
    return MemoryUnitOfWork(store)


def issue_in(
    uow: MemoryUnitOfWork, ticket_id: str, service: str, now: datetime, **kwargs: object
) -> Ticket:
    """Issue a ticket in the test office `udn`; kwargs go to `services.issue_ticket`."""
    ticket, _ = services.issue_ticket(
        uow,
        office="udn",
        service=service,
        now=now,
        ticket_id=ticket_id,
        status_key=f"key-{ticket_id}",
        **kwargs,  # type: ignore[arg-type]
    )
    return ticket
