from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime

import pytest

from core import services
from core.memory import MemoryUnitOfWork
from core.model import Ticket
from tests.core.office import make_uow

Issue = Callable[..., Ticket]


@pytest.fixture
def uow() -> MemoryUnitOfWork:
    return make_uow()


@pytest.fixture
def issue(uow: MemoryUnitOfWork) -> Issue:
    """Issue a ticket in the test office: issue("A", at(3), priority="elderly")."""
    ids = itertools.count(1)

    def _issue(service: str, now: datetime, **kwargs: object) -> Ticket:
        ticket_id = f"t{next(ids)}"
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

    return _issue
