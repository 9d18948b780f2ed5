"""Domain errors: every refusal carries a stable code and a message in Thai and English.

Apps map `code` to an HTTP status or a kiosk screen; citizens read `message_th` first.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message_en: str, message_th: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_th = message_th


class NotFound(DomainError):
    code = "not_found"


def no_such_counter(office: str, code: str) -> NotFound:
    return NotFound(f"office {office} has no counter {code!r}", f"ไม่พบช่องบริการ {code!r}")


class IllegalTransition(DomainError):
    code = "illegal_transition"


class QuotaReached(DomainError):
    code = "quota_reached"


class NumberRangeExhausted(DomainError):
    code = "number_range_exhausted"


class ServiceClosed(DomainError):
    code = "service_closed"


class CounterUnavailable(DomainError):
    code = "counter_unavailable"


class CounterBusy(DomainError):
    code = "counter_busy"


class InvalidRequest(DomainError):
    code = "invalid_request"


class OfficeClosed(DomainError):
    code = "office_closed"


class NotAtCounter(DomainError):
    code = "not_at_counter"


class NotRecalled(DomainError):
    """A no-show before any recall: the officer must confirm (the citizen may not have heard)."""

    code = "not_recalled"


class GraceOver(DomainError):
    code = "grace_over"
