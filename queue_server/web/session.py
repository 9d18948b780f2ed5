"""Signed-in people: a signed session cookie, CSRF tokens, and role checks for pages.

The cookie is signed with `SECRET_KEY` when one is configured, else with a key made on first use
and kept in the database, so every worker (and a restarted server) accepts the same sessions.
A session also carries a fingerprint of the password hash: changing a password signs out every
browser that used the old one.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import Flask, abort, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from queue_server.auth import Role
from queue_server.db import schema as t
from queue_server.extension import swq

View = TypeVar("View", bound=Callable[..., Any])
CSRF_HEADER = "X-CSRF-Token"


class DatabaseKeySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with the key read lazily (the database may be down at
    start-up; a page needing a session then fails like any other database read)."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            app.secret_key = _stored_secret("session")
        return super().get_signing_serializer(app)


def _stored_secret(name: str) -> str:
    query = sa.select(t.secrets.c.value).where(t.secrets.c.name == name)
    try:
        with swq().db.writing() as conn:
            value = conn.execute(query).scalar_one_or_none()
            if value is None:
                value = secrets.token_urlsafe(48)
                conn.execute(sa.insert(t.secrets).values(name=name, value=value))
            return value
    except sa.exc.IntegrityError:  # another worker made it first: use theirs
        with swq().db.engine.connect() as conn:
            return conn.execute(query).scalar_one()


@dataclass(frozen=True)
class SignedInUser:
    office: str  # the office they work on now (a province admin switches between several)
    username: str
    role: Role
    counter: str | None  # where they work now
    home_counter: str | None  # the counter their account is bound to, if any
    home: str = ""  # the office their account belongs to
    province: str | None = None  # the province they administer, for a province admin


def fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def sign_in(office: str, username: str, role: Role, counter: str | None, pw_hash: str) -> None:
    session.clear()
    session.permanent = True
    session["user"] = {
        "office": office,
        "username": username,
        "role": role.value,
        "counter": counter,
        "home": office,
        "fp": fingerprint(pw_hash),
    }
    session["csrf"] = secrets.token_urlsafe(24)


def set_counter(counter: str | None) -> None:
    user = dict(session["user"])
    user["counter"] = counter
    session["user"] = user


def switch_office(office: str) -> None:
    """A province admin now works on another office of their province (checked by the
    caller and again on every request)."""
    user = dict(session["user"])
    user["office"] = office
    user["counter"] = None
    session["user"] = user


def sign_out() -> None:
    session.clear()


def current_user() -> SignedInUser | None:
    """The signed-in user, checked against the users table (removed or re-passworded users are
    signed out)."""
    if "swq_user" in g:
        return cast(SignedInUser | None, g.swq_user)
    g.swq_user = None
    stored = session.get("user")
    if isinstance(stored, dict):
        home = str(stored.get("home") or stored.get("office"))
        u = t.users.c
        with swq().db.engine.connect() as conn:
            row = conn.execute(
                sa.select(u.password_hash, u.role, u.counter, u.province_admin).where(
                    u.office == home, u.username == stored.get("username")
                )
            ).first()
            province = province_of(conn, home) if row is not None and row[3] else None
            # Another office than their own only for a province admin, and only in the province.
            allowed = stored.get("office") == home or (
                province is not None and province_of(conn, str(stored.get("office"))) == province
            )
        if (
            row is not None
            and allowed
            and hmac.compare_digest(fingerprint(row[0]), str(stored.get("fp")))
        ):
            role, home_counter = Role(row[1]), row[2]
            counter = (
                home_counter if role is Role.OFFICER and home_counter else stored.get("counter")
            )
            g.swq_user = SignedInUser(
                stored["office"],
                stored["username"],
                role,
                counter,
                home_counter,
                home,
                province if role is Role.ADMIN else None,
            )
        else:
            session.clear()
    return cast(SignedInUser | None, g.swq_user)


def province_of(conn: sa.Connection, office: str) -> str | None:
    return conn.execute(
        sa.select(t.offices.c.province).where(t.offices.c.code == office)
    ).scalar_one_or_none()


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


def csrf_ok() -> bool:
    """A form field or header must repeat the session's token: another site can make the
    browser send the cookie, but cannot read the token."""
    sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token") or ""
    expected = session.get("csrf")
    return isinstance(expected, str) and hmac.compare_digest(sent.encode(), expected.encode())


def require_user(*roles: Role) -> Callable[[View], View]:
    """Pages for signed-in users of these roles (an admin may open every page): signed-out
    visitors go to /login, other roles get 403, and a POST without the CSRF token gets 400."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("login.login", next=request.full_path))
            if roles and user.role not in roles and user.role is not Role.ADMIN:
                abort(403)
            if request.method not in ("GET", "HEAD") and not csrf_ok():
                abort(400, "the form is stale or missing its CSRF token; reload the page")
            g.user = user
            return view(*args, **kwargs)

        return cast(View, wrapper)

    return decorate


def init_sessions(app: Flask) -> None:
    app.session_interface = DatabaseKeySessionInterface()
    app.jinja_env.globals["csrf_token"] = csrf_token
    secure = str(app.config.get("PUBLIC_URL") or "").startswith("https://")
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_SECURE", secure)
    app.config["SESSION_COOKIE_NAME"] = "swq_session"
