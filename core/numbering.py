"""Ticket numbers: per office, per service, per local day; `A001` style.

A new day starts a new sequence under a new key, so yesterday's tickets keep their numbers.
"""

from __future__ import annotations

from core.errors import NumberRangeExhausted, QuotaReached
from core.model import Service


def format_number(service: Service, n: int) -> str:
    return f"{service.code}{n:0{service.numbering.width}d}"


def next_number(service: Service, last_today: int | None) -> int:
    """The number after `last_today` (None: nothing issued yet today), or a clear refusal."""
    rule = service.numbering
    n = rule.start if last_today is None else last_today + 1
    issued_today = n - rule.start
    if service.daily_quota is not None and issued_today >= service.daily_quota:
        raise QuotaReached(
            f"service {service.code} ({service.name_en}) has issued its daily quota of "
            f"{service.daily_quota} tickets; please come back tomorrow",
            f"บริการ{service.name_th}ออกบัตรคิวครบ {service.daily_quota} ใบของวันนี้แล้ว "
            "กรุณามาใหม่ในวันทำการถัดไป",
        )
    if n > rule.last:
        raise NumberRangeExhausted(
            f"service {service.code} has used every number up to "
            f"{format_number(service, rule.last)} today",
            f"บริการ{service.name_th}ใช้หมายเลขคิวครบถึง {format_number(service, rule.last)} แล้ว",
        )
    return n
