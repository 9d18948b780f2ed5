from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime

import pytest

from core.memory import MemoryUnitOfWork
from core.model import Ticket
from tests.core.office import issue_in, make_uow

Issue = Callable[..., Ticket]


@pytest.fixture
def uow() -> MemoryUnitOfWork:
    return make_uow()


@pytest.fixture
def issue(uow: MemoryUnitOfWork) -> Issue:
    """Issue a ticket in the test office: issue("A", at(3), priority="elderly")."""
    ids = itertools.count(1)

    def _issue(service: str, now: datetime, **kwargs: object) -> Ticket:
        return issue_in(uow, f"t{next(ids)}", service, now, **kwargs)

    return _issue
