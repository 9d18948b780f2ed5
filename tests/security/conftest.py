"""One real `swq server` per database (two workers on PostgreSQL), shared by the security tests.

Tests that count per-address budgets talk from an address of their own: all of 127.0.0.0/8 is
the loopback on Linux, so a client bound to 127.0.0.23 is a different citizen to the server.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.server.conftest import (  # the databases' fixtures, shared with tests/server
    Office,
    fresh_database,
    load_test_office,
    pg_url,  # noqa: F401
    sqlite_template,  # noqa: F401
)
from tests.server.people import add_user
from tests.server.processes import ServerProcess, SourceAddressAdapter

ADMIN, ADMIN_PASSWORD = "boss", "boss-secret-77"
OFFICER, OFFICER_PASSWORD = "somchai", "change-me"
KIOSK_LIMIT = 30
LOGIN_MAX_FAILURES = 5
STREAMS = 16
_addresses = itertools.count(10)


def new_address() -> str:
    """A loopback address no other test has used in this run."""
    n = next(_addresses)
    return f"127.0.{n // 250}.{n % 250 + 2}"


def client(address: str | None = None) -> requests.Session:
    """A browser-like HTTP client talking from `address` (a fresh one by default)."""
    session = requests.Session()
    adapter = SourceAddressAdapter(address or new_address(), pool_maxsize=64)
    session.mount("http://", adapter)
    return session


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


@dataclass
class Target:
    """A running server on a loaded office, with its database and tokens."""

    backend: str
    server: ServerProcess
    database_url: str
    office: Office
    key_file: Path

    @property
    def url(self) -> str:
        return self.server.url

    def sign_in(
        self, username: str = ADMIN, password: str = ADMIN_PASSWORD, address: str | None = None
    ) -> tuple[requests.Session, str]:
        """A signed-in browser session and its CSRF token."""
        session = client(address)
        csrf = csrf_of(session.get(f"{self.url}/login", timeout=10).text)
        landed = session.post(
            f"{self.url}/login",
            data={"username": username, "password": password, "csrf_token": csrf},
            timeout=10,
            allow_redirects=False,
        )
        assert landed.status_code == 302, landed.text
        return session, csrf_of(session.get(f"{self.url}/console", timeout=10).text)


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp(f"security-{request.param}")
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else ""
    template = request.getfixturevalue("sqlite_template")
    url = fresh_database(request.param, tmp, pg, template)
    office = load_test_office(url)
    add_user(url, office.code, ADMIN, ADMIN_PASSWORD, role="admin")
    key_file = tmp / "secret_key"
    server = ServerProcess(
        url,
        workers=2 if request.param == "postgresql" else 1,
        streams=STREAMS,
        log_path=tmp / "server.log",
        env={
            "SWQ_KIOSK_RATE_LIMIT": str(KIOSK_LIMIT),
            "SWQ_LOGIN_MAX_FAILURES": str(LOGIN_MAX_FAILURES),
            "SWQ_LOGIN_ACCOUNT_DELAY_S": "2",
            # Streams whose client left are noticed at the next keep-alive: soon, here.
            "SWQ_KEEPALIVE_S": "1",
            "SWQ_SECRET_KEY_FILE": str(key_file),
        },
    )
    server.start()
    yield Target(request.param, server, url, office, key_file)
    server.stop()
