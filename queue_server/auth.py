"""Device tokens and officer passwords.

A bearer token is 256 random bits; only its SHA-256 is stored, so a leaked database holds no
usable token. Passwords are hashed with werkzeug's scrypt and never kept or logged in clear.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from core.errors import InvalidRequest, no_such_counter
from core.office_file import PASSWORD_HASH
from queue_server.db import schema as t

TOKEN_PREFIX = "swq_"
_NOBODY = generate_password_hash("nobody", method="scrypt")


class Role(StrEnum):
    KIOSK = "kiosk"
    DISPLAY = "display"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"  # the office manager: watches the hall (/supervisor), acts on nothing
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a device or officer token of one office, or a signed-in person (no
    token_id)."""

    token_id: int | None
    office: str
    role: Role
    name: str
    counter: str | None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def password_matches(password_hash: str, password: str) -> bool:
    """False for a hash of any other scheme or cost than `hash_password` makes (an old row
    must not make a sign-in cost a GiB of memory): such an account needs a new password."""
    if not PASSWORD_HASH.fullmatch(password_hash):
        check_password_hash(_NOBODY, password)  # as long as a real check: no timing tell
        return False
    return check_password_hash(password_hash, password)


def create_token(
    conn: sa.Connection,
    *,
    office: str,
    role: Role,
    name: str,
    now: datetime,
    counter: str | None = None,
) -> str:
    """Store a new token and return it; the clear token exists only in the return value."""
    if role is Role.OFFICER and counter is None:
        raise InvalidRequest(
            "an officer token is bound to a counter: give --counter",
            "โทเคนของเจ้าหน้าที่ต้องผูกกับช่องบริการ: ระบุ --counter",
        )
    if counter is not None:
        exists = conn.execute(
            sa.select(t.counters.c.code).where(
                t.counters.c.office == office, t.counters.c.code == counter
            )
        ).first()
        if exists is None:
            raise no_such_counter(office, counter)
    if not name.strip():
        raise InvalidRequest("a token needs a name", "โทเคนต้องมีชื่อ")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(t.tokens).values(
            office=office,
            role=role.value,
            name=name,
            counter=counter,
            token_hash=token_digest(token),
            created_at=now,
        )
    )
    return token


def principal_for(conn: sa.Connection, token: str) -> Principal | None:
    row = (
        conn.execute(
            sa.select(t.tokens).where(
                t.tokens.c.token_hash == token_digest(token), t.tokens.c.revoked_at.is_(None)
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        return None
    return Principal(row["id"], row["office"], Role(row["role"]), row["name"], row["counter"])
