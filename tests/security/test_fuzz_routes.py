"""Every route of the app, pages included, fed hostile strings in its path, its query, its form
and its JSON body by a signed-in admin, on PostgreSQL (which refuses what SQLite would store):
no answer is a 500. The API's own contract is fuzzed by tests/server/test_api_fuzz.py; this pass
adds the pages and the strings that break databases and parsers."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from queue_server import create_app
from tests.security.conftest import ADMIN, ADMIN_PASSWORD
from tests.server.conftest import load_test_office, own_pg_database
from tests.server.people import add_user, sign_in

HOSTILE = [
    "\x00",
    "a\r\nSet-Cookie: x=1",
    "\u202e\u200b\u2066ไทย\u200d",
    "9" * 30,
    str(2**63),
    "-1",
    "../../admin",
    "%00%0d%0a",
    "' OR 1=1 --",
    "$\\frac{1}{0}$",
    "=cmd|' /C calc'!A0",
    "🙏" * 300,
]
FIELDS = [
    "code", "name_th", "name_en", "username", "password", "role", "counter", "agency",
    "reason", "rating", "ticket_id", "comment", "notice_th", "notice_en", "timezone", "hours",
    "target_wait_min", "default_service_min", "daily_quota", "number_width", "number_start",
    "number_end", "open", "services", "classes", "weights", "layout", "name", "next", "office",
    "key", "before", "actor", "action", "lang", "date", "from", "to", "last_event_id", "token",
]  # fmt: skip
NOT_FUZZED = {
    "/api/v1/events",  # an endless stream: tests/security/test_bad_input.py covers its inputs
    "/logout",  # would end the admin's session mid-pass
    "/static/<path:filename>",
}


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this module's own: what the admin pass changes (names, notices)
    must not reach the shared server the other security tests use."""
    yield from own_pg_database(f"swq_fuzz_{os.getpid()}")


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory, pg_database: str) -> Iterator[FlaskClient]:
    office = load_test_office(pg_database)
    add_user(pg_database, office.code, ADMIN, ADMIN_PASSWORD, role="admin")
    key_file = tmp_path_factory.mktemp("fuzz") / "key"
    app = create_app({"DATABASE_URL": pg_database, "SECRET_KEY_FILE": str(key_file)})
    client = app.test_client()
    client.csrf = sign_in(client, ADMIN, ADMIN_PASSWORD)  # type: ignore[attr-defined]
    yield client
    _close(app)


def _close(app: Flask) -> None:
    ext = app.extensions["swq"]
    ext.hub.stop()
    ext.hub.join()
    ext.db.dispose()


def _paths(app: Flask, value: str) -> Iterator[tuple[str, set[str]]]:
    for rule in app.url_map.iter_rules():
        if rule.rule in NOT_FUZZED:
            continue
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", quote(value, safe=""), rule.rule)
        yield path, set(rule.methods or ()) - {"HEAD", "OPTIONS"}


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_no_route_answers_500_to_hostile_strings(admin: FlaskClient, value: str) -> None:
    app: Flask = admin.application
    csrf = admin.csrf  # type: ignore[attr-defined]
    fields = dict.fromkeys(FIELDS, value)
    failures = []
    for path, methods in _paths(app, value):
        for method in methods:
            answers = [admin.open(path, method=method, query_string=fields)]
            if method != "GET":
                answers.append(admin.open(path, method=method, data={**fields, "csrf_token": csrf}))
                answers.append(
                    admin.open(path, method=method, json=fields, headers={"X-CSRF-Token": csrf})
                )
            failures += [
                f"{method} {path}: {a.status_code}" for a in answers if a.status_code >= 500
            ]
    assert not failures, "\n".join(failures)
    assert admin.get("/admin").status_code == 200  # still signed in: every route was reached


def test_deep_and_huge_json_is_refused_everywhere(admin: FlaskClient) -> None:
    app: Flask = admin.application
    csrf = admin.csrf  # type: ignore[attr-defined]
    bodies = ["[" * 50_000 + "]" * 50_000, '{"n": ' + "9" * 5000 + "}", '{"s": "\\u0000"}']
    failures = []
    for path, methods in _paths(app, "1"):
        for method in methods - {"GET"}:
            for body in bodies:
                answer = admin.open(
                    path,
                    method=method,
                    data=body,
                    headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
                )
                if answer.status_code >= 500:
                    failures.append(f"{method} {path}: {answer.status_code}")
    assert not failures, "\n".join(failures)
