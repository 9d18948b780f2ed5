"""Numbers per office, service and local day; width, start, range and quota."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import services
from core.errors import InvalidRequest, NumberRangeExhausted, QuotaReached
from core.model import NumberingRule, Office, Service
from core.numbering import format_number, next_number
from tests.core.conftest import Issue
from tests.core.office import BANGKOK, at, make_config, make_uow


def service(**kwargs: object) -> Service:
    return Service("AB", "dopa", "ทะเบียน", "Registration", **kwargs)  # type: ignore[arg-type]


def test_format_pads_to_the_width() -> None:
    assert format_number(service(), 7) == "AB007"
    assert format_number(service(numbering=NumberingRule(width=4)), 12) == "AB0012"


def test_sequence_starts_at_start_and_counts_up() -> None:
    s = service(numbering=NumberingRule(start=100))
    assert next_number(s, None) == 100
    assert next_number(s, 100) == 101


def test_quota_counts_from_the_start_number() -> None:
    s = service(daily_quota=2, numbering=NumberingRule(start=100))
    assert next_number(s, 100) == 101
    with pytest.raises(QuotaReached) as refused:
        next_number(s, 101)
    assert "quota of 2" in refused.value.message_en
    assert "ครบ 2 ใบ" in refused.value.message_th


def test_zero_quota_refuses_the_first_ticket() -> None:
    with pytest.raises(QuotaReached):
        next_number(service(daily_quota=0), None)


def test_range_end_is_a_clear_refusal() -> None:
    s = service(numbering=NumberingRule(width=1, start=1))
    assert next_number(s, 8) == 9
    with pytest.raises(NumberRangeExhausted, match="AB9"):
        next_number(s, 9)
    with pytest.raises(NumberRangeExhausted):
        next_number(service(numbering=NumberingRule(start=1, end=5)), 5)


def test_bad_rules_are_refused() -> None:
    with pytest.raises(InvalidRequest):
        NumberingRule(width=0)
    with pytest.raises(InvalidRequest):
        NumberingRule(start=10, end=5)


def test_numbers_are_per_service(issue: Issue) -> None:
    assert [issue(s, at(i)).number for i, s in enumerate("AABAB")] == [
        "A001",
        "A002",
        "B001",
        "A003",
        "B002",
    ]


def test_quota_of_a_service_through_the_use_case(issue: Issue) -> None:
    for minute in range(3):
        issue("C", at(minute))
    with pytest.raises(QuotaReached):
        issue("C", at(4))
    assert issue("A", at(5)).number == "A001"


def test_daily_reset_follows_the_local_day_and_keeps_history() -> None:
    uow = make_uow()
    bangkok_late = datetime(2026, 11, 25, 23, 59, tzinfo=BANGKOK)
    # 17:01 UTC on the 25th is already 00:01 on the 26th in Bangkok.
    bangkok_next = datetime(2026, 11, 25, 17, 1, tzinfo=ZoneInfo("UTC"))
    for i, now in enumerate([bangkok_late, bangkok_late, bangkok_next]):
        services.issue_ticket(
            uow, office="udn", service="A", now=now, ticket_id=str(i), status_key="k"
        )
    tickets = uow.store.tickets
    assert [t.number for t in tickets.values()] == ["A001", "A002", "A001"]
    assert [t.day.isoformat() for t in tickets.values()] == [
        "2026-11-25",
        "2026-11-25",
        "2026-11-26",
    ]


def test_offices_number_independently() -> None:
    uow = make_uow()
    other = make_config(office=Office("khon-kaen", "ศูนย์ขอนแก่น", "Khon Kaen"))
    uow.store.install(other, [])
    first = at(0)
    numbers = [
        services.issue_ticket(
            uow,
            office=office,
            service="A",
            now=first + timedelta(minutes=i),
            ticket_id=f"{office}{i}",
            status_key="k",
        )[0].number
        for i, office in enumerate(["udn", "khon-kaen", "udn"])
    ]
    assert numbers == ["A001", "A001", "A002"]
