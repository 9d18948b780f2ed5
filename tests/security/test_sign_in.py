"""Findings 2, 3, 5 and 8: where a sign-in may lead, how guessing is throttled, the session
cookie's attributes, the signing key's place and what signing out ends."""

from __future__ import annotations

import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from queue_server import create_app
from queue_server.db.engine import make_engine
from queue_server.db.migrate import upgrade
from queue_server.db.schema import metadata
from tests.security.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    LOGIN_MAX_FAILURES,
    Target,
    client,
    csrf_of,
    new_address,
)
from tests.server.people import add_user


def _login_form(target: Target, address: str, next_: str = "") -> tuple[requests.Session, str]:
    browser = client(address)
    page = browser.get(f"{target.url}/login", params={"next": next_} if next_ else {}, timeout=10)
    assert page.status_code == 200
    return browser, csrf_of(page.text)


def _try(target: Target, address: str, username: str, password: str) -> int:
    browser, csrf = _login_form(target, address)
    answer = browser.post(
        f"{target.url}/login",
        data={"username": username, "password": password, "csrf_token": csrf},
        timeout=30,
        allow_redirects=False,
    )
    return answer.status_code


@pytest.mark.parametrize("next_", ["/\t/evil.example", "/\n/evil.example", "/x\r\nSet-Cookie: a=b"])
def test_sign_in_never_leads_to_another_site(target: Target, next_: str) -> None:
    """A link to /login?next=/%09/evil.example (the tab decoded) signs in and stays here."""
    browser, csrf = _login_form(target, new_address(), next_)
    landed = browser.post(
        f"{target.url}/login",
        data={"username": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": csrf, "next": next_},
        timeout=10,
        allow_redirects=False,
    )
    assert landed.status_code == 302
    assert landed.headers["Location"] == "/admin"
    assert "a=b" not in landed.headers.get("Set-Cookie", "")
    again = browser.get(f"{target.url}/login", params={"next": next_}, allow_redirects=False)
    assert again.headers["Location"] == "/admin"


def _account(target: Target, name: str) -> str:
    add_user(target.database_url, target.office.code, name, "the-right-one-42", counter="2")
    return name


def _failed_logins(target: Target, name: str) -> int:
    engine = make_engine(target.database_url)
    with engine.connect() as conn:
        n = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND actor = :a"),
            {"a": name},
        ).scalar_one()
    engine.dispose()
    return int(n)


def test_parallel_guesses_are_counted_exactly_before_hashing(target: Target) -> None:
    """120 wrong passwords at once from one address: exactly the allowed few are checked."""
    name = _account(target, f"guess-{target.backend}")
    address = new_address()
    browser, csrf = _login_form(target, address)
    cookies = browser.cookies.get_dict()

    def guess(n: int) -> int:
        answer = client(address).post(
            f"{target.url}/login",
            data={"username": name, "password": f"wrong-{n}", "csrf_token": csrf},
            cookies=cookies,
            timeout=60,
            allow_redirects=False,
        )
        return answer.status_code

    with ThreadPoolExecutor(120) as pool:
        answers = list(pool.map(guess, range(120)))
    assert answers.count(401) == LOGIN_MAX_FAILURES
    assert answers.count(429) == 120 - LOGIN_MAX_FAILURES
    assert _failed_logins(target, name) == LOGIN_MAX_FAILURES


def test_password_spraying_from_one_address_is_stopped(target: Target) -> None:
    address = new_address()
    answers = [_try(target, address, f"nobody-{n}", "123456") for n in range(35)]
    assert answers.count(401) == 30  # LOGIN_ADDRESS_MAX_FAILURES
    assert answers[30:] == [429] * 5
    assert _try(target, new_address(), ADMIN, ADMIN_PASSWORD) == 302  # others are not affected


def test_guessers_elsewhere_slow_an_account_down_but_never_lock_it_out(target: Target) -> None:
    name = _account(target, f"slowed-{target.backend}")
    answers = [_try(target, new_address(), name, f"guess-{n}") for n in range(12)]
    # The first LOGIN_MAX_FAILURES from anywhere are checked; then one per LOGIN_ACCOUNT_DELAY_S.
    assert answers[:LOGIN_MAX_FAILURES] == [401] * LOGIN_MAX_FAILURES
    assert answers[LOGIN_MAX_FAILURES:].count(429) >= 5
    officer = new_address()
    for _ in range(20):  # the officer, elsewhere, gets in within a few delays
        outcome = _try(target, officer, name, "the-right-one-42")
        if outcome == 302:
            break
        assert outcome == 429
        time.sleep(0.5)
    assert outcome == 302


def test_session_cookie_is_samesite_lax(target: Target) -> None:
    browser, csrf = _login_form(target, new_address())
    landed = browser.post(
        f"{target.url}/login",
        data={"username": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": csrf},
        timeout=10,
        allow_redirects=False,
    )
    cookie = landed.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http here: a Secure cookie would never come back
    assert "HttpOnly" in cookie


def test_session_cookie_is_secure_behind_an_https_public_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'swq.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "DATABASE_URL": url,
            "PUBLIC_URL": "https://queue.example.go.th",
            "SECRET_KEY_FILE": str(tmp_path / "key"),
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    app.extensions["swq"].hub.stop()
    app.extensions["swq"].db.dispose()


def test_the_signing_key_is_a_private_file_not_in_the_database(target: Target) -> None:
    key = target.key_file.read_text().strip()
    assert len(key) >= 32
    assert stat.S_IMODE(target.key_file.stat().st_mode) == 0o600
    engine = make_engine(target.database_url)
    with engine.connect() as conn:
        assert "secrets" not in sa.inspect(conn).get_table_names()
        for table in metadata.sorted_tables:
            rows = conn.execute(sa.select(table)).all()
            assert key not in repr(rows), table.name
    engine.dispose()


def test_sign_out_ends_the_session_for_a_copied_cookie_too(target: Target) -> None:
    admin, csrf = target.sign_in()
    copied = admin.cookies.get_dict()
    for _ in range(6):  # every worker accepts the session
        page = client().get(
            f"{target.url}/admin", cookies=copied, timeout=10, allow_redirects=False
        )
        assert page.status_code == 200
    out = admin.post(f"{target.url}/logout", data={"csrf_token": csrf}, timeout=10)
    assert out.status_code == 200
    after = client().get(f"{target.url}/admin", cookies=copied, timeout=10, allow_redirects=False)
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/login")


def test_upgrade_destroys_the_key_the_database_held(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO secrets (name, value) VALUES ('session', 'leaked')"))
    upgrade(engine)
    with engine.connect() as conn:
        assert "secrets" not in sa.inspect(conn).get_table_names()
    engine.dispose()
