"""The kiosk rate limit holds exactly when a stuck kiosk's requests all arrive at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests

from queue_server.auth import Role, create_token
from queue_server.db.engine import make_engine
from tests.security.conftest import KIOSK_LIMIT, Target


def test_100_tickets_at_once_meet_the_limit_exactly(target: Target) -> None:
    engine = make_engine(target.database_url)
    with engine.begin() as conn:
        token = create_token(
            conn, office=target.office.code, role=Role.KIOSK, name="stuck", now=datetime.now(UTC)
        )
    engine.dispose()

    def issue(_: int) -> int:
        answer = requests.post(
            f"{target.url}/api/v1/tickets",
            json={"service": "A"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        return answer.status_code

    with ThreadPoolExecutor(100) as pool:
        answers = list(pool.map(issue, range(100)))
    assert answers.count(201) == KIOSK_LIMIT
    assert answers.count(429) == 100 - KIOSK_LIMIT
