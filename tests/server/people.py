"""Sign-in accounts for browser tests, stored the way `swq office load` stores them."""

from __future__ import annotations

import re

import requests
from flask.testing import FlaskClient

from core.office_file import OfficerSpec
from queue_server.db.engine import make_engine
from queue_server.offices import write_officers


def add_user(
    database_url: str,
    office: str,
    username: str,
    password: str,
    role: str = "officer",
    counter: str | None = None,
) -> None:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        write_officers(conn, office, [OfficerSpec(username, counter, role=role, password=password)])
    engine.dispose()


def csrf_of(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a page hands out (in its meta tag and its forms)."""
    html = client.get(path).get_data(as_text=True)
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def sign_in(client: FlaskClient, username: str, password: str) -> str:
    """Sign in through the form; returns the session's CSRF token for API calls."""
    token = csrf_of(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_of(client, "/console")


def sign_in_over_http(
    url: str, username: str, password: str, session: requests.Session | None = None
) -> tuple[requests.Session, str]:
    """Sign in to a running server through its form, as a browser would (in `session` when
    given: a certificate to trust, an address to come from); the session and the page the
    sign-in led to."""
    session = session or requests.Session()
    page = session.get(f"{url}/login", timeout=10).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert csrf is not None, page
    landed = session.post(
        f"{url}/login",
        data={"username": username, "password": password, "csrf_token": csrf.group(1)},
        timeout=10,
    )
    assert landed.status_code == 200, landed.text
    return session, landed.text
