"""X-Forwarded-For/-Proto are believed only from as many proxies as TRUSTED_PROXY_COUNT says:
by default none, so a client cannot pick the address its sign-ins are counted and logged under.
(tests/deploy/test_nginx.py runs the same through the real nginx.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from queue_server import create_app
from queue_server.cli import main
from queue_server.db import schema as t
from queue_server.db.engine import make_engine
from tests.server.conftest import Office, load_test_office
from tests.server.people import csrf_of

FORGED = "203.0.113.9"
CLIENT = "192.0.2.7"
FORWARDED = {"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"}

MakeApp = Callable[..., Flask]


@pytest.fixture
def office(sqlite_url: str) -> Office:
    return load_test_office(sqlite_url)


@pytest.fixture
def make_app(sqlite_url: str, office: Office) -> Iterator[MakeApp]:
    apps: list[Flask] = []

    def make(**settings: object) -> Flask:
        apps.append(create_app({"DATABASE_URL": sqlite_url, "TESTING": True, **settings}))
        return apps[-1]

    yield make
    for app in apps:
        ext = app.extensions["swq"]
        ext.hub.stop()
        ext.hub.join()
        ext.db.dispose()


def seen_as(app: Flask, database_url: str, office: Office) -> tuple[str, str]:
    """The address a failed sign-in is logged under, and the scheme of a new ticket's link,
    for a client at CLIENT that sends forwarded headers."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT
    answer = client.post(
        "/login",
        data={"username": "somchai", "password": "wrong", "csrf_token": csrf_of(client)},
        headers=FORWARDED,
    )
    assert answer.status_code == 401
    ticket = client.post(
        "/api/v1/tickets", json={"service": "A"}, headers={**office.auth("kiosk"), **FORWARDED}
    )
    assert ticket.status_code == 201, ticket.get_data(as_text=True)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        address = conn.execute(
            sa.select(t.audit_log.c.address)
            .where(t.audit_log.c.action == "login.failed")
            .order_by(t.audit_log.c.id.desc())
            .limit(1)
        ).scalar_one()
    engine.dispose()
    return str(address), ticket.get_json()["status_url"].split(":")[0]


def test_by_default_forwarded_headers_are_ignored(
    make_app: MakeApp, sqlite_url: str, office: Office
) -> None:
    assert seen_as(make_app(), sqlite_url, office) == (CLIENT, "http")


def test_behind_one_trusted_proxy_its_forwarded_headers_count(
    make_app: MakeApp, sqlite_url: str, office: Office
) -> None:
    assert seen_as(make_app(TRUSTED_PROXY_COUNT=1), sqlite_url, office) == (FORGED, "https")


def test_a_bad_proxy_count_is_a_clear_message(
    make_app: MakeApp, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="SWQ_TRUSTED_PROXY_COUNT"):
        make_app(TRUSTED_PROXY_COUNT="two")
    monkeypatch.setenv("SWQ_TRUSTED_PROXY_COUNT", "-1")
    result = CliRunner().invoke(main, ["server", "--db", sqlite_url])
    assert result.exit_code == 1
    assert "0 or more, not -1" in result.output
