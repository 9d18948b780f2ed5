"""Schemathesis against the API's own OpenAPI document: every operation, generated valid and
invalid inputs, without a token and with a kiosk, officer and admin token. No answer is a 5xx
and every answer is one the document declares (status code, content type, body schema). Each
operation gets the full count of examples with the admin token and with the run that reaches its
code (no token for public operations, a role on its own operations), a few elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from queue_server import create_app
from queue_server.api import spec as api_spec
from queue_server.auth import Role
from tests.server.conftest import TOKENS, Office, fresh_database, load_test_office

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# GET /api/v1/events is an endless text/event-stream: a call never returns a complete body,
# so it cannot be fuzzed like the others (test_api.py and test_live.py cover it).
SKIPPED = {"GET /api/v1/events"}
EXAMPLES = 25
# A few examples where another run already covers the same code: an operation the token may not
# call stops at the token check, before its inputs are read, and a public operation reads no
# token (the run without one covers it fully).
FEW_EXAMPLES = 4


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,  # the same inputs on every run: CI stays stable
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def examples_for(label: str, who: str | None) -> int:
    """The full count where this run is the one that reaches the operation's code: the admin
    everywhere, no token on public operations, a role on the operations it is allowed."""
    roles = {f"{op.method} {op.path}": op.roles for op in api_spec.operations}[label]
    role = TOKENS[who][0] if who else None
    if role is Role.ADMIN:
        return EXAMPLES
    if roles is None:
        return EXAMPLES if role is None else FEW_EXAMPLES
    return EXAMPLES if role in roles else FEW_EXAMPLES


KNOWN_COUNTERS = ["1", "2", "3", "9"]


@dataclass
class World:
    """A loaded office with tickets in several states, so path parameters can hit real ones."""

    app: Flask
    office: Office
    ticket_ids: list[str] = field(default_factory=list)
    status_keys: dict[str, str] = field(default_factory=dict)


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else ""
    url = fresh_database(request.param, tmp_path, pg, sqlite_template)
    office = load_test_office(url)
    # Many generated tickets in a row would otherwise meet the kiosk rate limit (a documented
    # 429, but it would hide the rest of the issuing path).
    app = create_app({"DATABASE_URL": url, "TESTING": True, "KIOSK_RATE_LIMIT": 100_000})
    world = World(app, office)
    client = app.test_client()
    for service in ("A", "B", "C", "A", "B"):
        response = client.post(
            "/api/v1/tickets", json={"service": service}, headers=office.auth("kiosk")
        )
        assert response.status_code == 201, response.json
        doc = response.json
        world.ticket_ids.append(doc["id"])
        world.status_keys[doc["id"]] = parse_qs(urlsplit(doc["status_url"]).query)["key"][0]
    for counter in ("1", "2"):  # two tickets called, one of them then serving
        response = client.post(
            f"/api/v1/counters/{counter}/next", headers=office.auth(f"officer{counter}")
        )
        assert response.status_code == 200, response.json
    served = client.post(
        f"/api/v1/tickets/{world.ticket_ids[0]}/serving", headers=office.auth("officer1")
    )
    assert served.status_code == 200, served.json
    yield world
    ext = app.extensions["swq"]
    ext.hub.stop()
    ext.hub.join()
    ext.db.dispose()


def _strategies(world: World, op: Any, mode: GenerationMode) -> st.SearchStrategy[Any]:
    """Schemathesis' own inputs, plus the same with real ticket ids / counter codes / office
    so the generated bodies reach the use cases instead of stopping at 404."""
    names = {p.name for p in op.iter_parameters()}
    choices = [op.as_strategy(mode)]
    path: st.SearchStrategy[dict[str, str]] = st.just({})
    if "ticket_id" in names:
        path = st.sampled_from(world.ticket_ids).map(lambda i: {"ticket_id": i})
    elif "code" in names:
        path = st.sampled_from(KNOWN_COUNTERS).map(lambda c: {"code": c})
    query: Callable[[dict[str, str]], dict[str, str] | None] = lambda _: None  # noqa: E731
    if "key" in names:
        query = lambda p: {"key": world.status_keys[p["ticket_id"]]}  # noqa: E731
    elif "office" in names:
        query = lambda _: {"office": world.office.code}  # noqa: E731
    if names:
        choices.append(
            path.flatmap(lambda p: op.as_strategy(mode, path_parameters=p or None, query=query(p)))
        )
    if op.label == "POST /api/v1/tickets":  # the optional Idempotency-Key header
        # Any latin-1 text a client library lets through (no CR/LF, no leading whitespace).
        keys = st.text(
            st.characters(codec="latin-1", exclude_characters="\r\n\x00"), max_size=210
        ).map(str.lstrip)
        choices.append(keys.flatmap(lambda k: op.as_strategy(mode, headers={"Idempotency-Key": k})))
    return st.one_of(choices)


def _fuzz(world: World, who: str | None) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world.app)
    auth = world.office.auth(who) if who else {}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17, [op.label for op in operations]
    for op in operations:
        if op.label in SKIPPED:
            continue
        has_inputs = any(True for _ in op.iter_parameters()) or op.body
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode is GenerationMode.NEGATIVE and not has_inputs:
                continue  # nothing to make invalid (GET /healthz)

            @fuzz_settings(examples_for(op.label, who))
            @given(case=_strategies(world, op, mode))
            def run(case: Any) -> None:
                headers = {**(case.headers or {}), **auth}
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Exception as exc:
                failures.append(f"{op.label} [{mode.value}, token={who}]: {exc}")
    return failures


@pytest.mark.parametrize("who", [None, "kiosk", "officer1", "admin"])
def test_every_operation_answers_as_documented(world: World, who: str | None) -> None:
    failures = _fuzz(world, who)
    assert not failures, "\n\n".join(failures)
