"""Signed-in people: a signed session cookie, CSRF tokens, and role checks for pages.

The cookie is signed with `SECRET_KEY` when one is configured, else with a key read from
`SECRET_KEY_FILE` (made on first start, readable by the service's user only), so every worker
and a restarted server accept the same sessions, and a copy of the database forges nothing.
The cookie names a session row (only the id's SHA-256 is stored): signing out deletes it, so a
copied cookie stops working. A session also carries a fingerprint of the password hash: changing
a password signs out every browser that used the old one.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import Flask, Response, abort, g, redirect, request, session, url_for

from queue_server.auth import Role
from queue_server.db import schema as t
from queue_server.extension import swq

View = TypeVar("View", bound=Callable[..., Any])
CSRF_HEADER = "X-CSRF-Token"
STALE_SESSION = timedelta(days=30)


def signing_key(app: Flask) -> str:
    """`SECRET_KEY`, else the key file's content, making the file on first start. Workers that
    start together agree: the file appears whole or not at all (a hard link of a finished
    temporary file), and whoever links second reads the first one's key."""
    if app.config.get("SECRET_KEY"):
        return str(app.config["SECRET_KEY"])
    path = Path(app.config.get("SECRET_KEY_FILE") or Path(app.instance_path) / "secret_key")
    try:
        if not path.exists():
            _make_key_file(path)
        key = path.read_text().strip()
    except OSError as exc:
        raise RuntimeError(
            f"cannot read or make the session key file {path} ({exc.strerror}): set "
            "SWQ_SECRET_KEY_FILE to a file the server may write, or SWQ_SECRET_KEY"
        ) from None
    if len(key) < 32:
        raise RuntimeError(f"the session key in {path} is shorter than 32 characters")
    return key


def _make_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as tmp:
        os.chmod(tmp.name, 0o600)
        tmp.write(secrets.token_urlsafe(48))
    try:
        os.link(tmp.name, path)
    except FileExistsError:
        pass  # another worker made it first: use theirs
    finally:
        os.unlink(tmp.name)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


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
    session_id = secrets.token_urlsafe(32)
    now = swq().now()
    with swq().db.writing() as conn:
        # Sessions outlive their cookies only by this much (cookies last a working day).
        conn.execute(sa.delete(t.sessions).where(t.sessions.c.created_at < now - STALE_SESSION))
        conn.execute(
            sa.insert(t.sessions).values(
                id_hash=_digest(session_id), office=office, username=username, created_at=now
            )
        )
    session["sid"] = session_id
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
    session_id = session.get("sid")
    if isinstance(session_id, str):
        with swq().db.writing() as conn:
            conn.execute(sa.delete(t.sessions).where(t.sessions.c.id_hash == _digest(session_id)))
    session.clear()


def current_user() -> SignedInUser | None:
    """The signed-in user, checked against the users table (removed or re-passworded users are
    signed out)."""
    if "swq_user" in g:
        return cast(SignedInUser | None, g.swq_user)
    g.swq_user = None
    stored, session_id = session.get("user"), session.get("sid")
    if isinstance(stored, dict) and isinstance(session_id, str):
        home = str(stored.get("home") or stored.get("office"))
        u, s = t.users.c, t.sessions.c
        with swq().db.engine.connect() as conn:
            row = conn.execute(
                sa.select(u.password_hash, u.role, u.counter, u.province_admin)
                .join_from(
                    t.users, t.sessions, sa.and_(s.office == u.office, s.username == u.username)
                )
                .where(s.id_hash == _digest(session_id))
                .where(u.office == home, u.username == stored.get("username"))
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
    elif stored is not None:
        session.clear()  # a cookie from before sessions were stored: sign in again
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
    app.secret_key = signing_key(app)
    app.jinja_env.globals["csrf_token"] = csrf_token
    # Flask's own defaults (None, False) would win over setdefault: the settings say None for
    # "decide here", and an https public URL means the cookie never travels in clear.
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = str(app.config.get("PUBLIC_URL") or "").startswith(
            "https://"
        )
    app.config["SESSION_COOKIE_NAME"] = "swq_session"
    # Flask sends a signed-in browser its whole session again with every answer. A console's
    # fragment or API call sent before the officer chose another counter, answered after, then
    # put the old session back. Only a page load slides the cookie's expiry forward.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.after_request(_slide_on_page_load)


def _slide_on_page_load(response: Response) -> Response:
    page_load = (
        request.method == "GET"
        and response.mimetype == "text/html"
        and "HX-Request" not in request.headers  # a part of a page, redrawn by htmx
    )
    if page_load and session.permanent:
        session.modified = True
    return response
