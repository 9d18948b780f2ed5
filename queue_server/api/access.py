"""Who may do what: bearer tokens, roles, the office a request is about, an officer's counter."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app, request

from queue_server.api.errors import ApiError
from queue_server.auth import Principal, Role, principal_for
from queue_server.extension import swq
from queue_server.web.session import CSRF_HEADER, csrf_ok, current_user, province_of


def authenticate(roles: Sequence[Role]) -> Principal:
    header = request.headers.get("Authorization", "")
    who = _signed_in() if not header else None
    if who is not None:
        return _permitted(who, roles)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthorized",
            "this needs a token: Authorization: Bearer TOKEN",
            "ต้องมีโทเคน (Authorization: Bearer TOKEN)",
            {"WWW-Authenticate": "Bearer"},
        )
    who = swq().principals.get(token.strip(), _look_up)
    if who is None:
        raise ApiError(
            401,
            "unauthorized",
            "unknown or revoked token",
            "โทเคนไม่ถูกต้องหรือถูกยกเลิกแล้ว",
            {"WWW-Authenticate": "Bearer"},
        )
    return _permitted(who, roles)


def identify() -> Principal | None:
    """Who calls a route open to everyone, if they say (a wrong token is still a 401)."""
    if request.headers.get("Authorization"):
        return authenticate(list(Role))
    return _signed_in()


def _signed_in() -> Principal | None:
    """The console's officer (or an admin) calling the API from the browser with the session
    cookie; a change must also carry the page's CSRF token."""
    user = current_user()
    if user is None:
        return None
    if request.method not in ("GET", "HEAD") and not csrf_ok():
        raise ApiError(
            403,
            "csrf",
            f"missing or wrong {CSRF_HEADER} header; reload the page",
            "หน้าเว็บหมดอายุ กรุณาโหลดหน้าใหม่",
        )
    return Principal(None, user.office, user.role, user.username, user.counter)


def _permitted(who: Principal, roles: Sequence[Role]) -> Principal:
    if who.role not in roles and who.role is not Role.ADMIN:
        raise ApiError(
            403,
            "forbidden",
            f"a {who.role.value} token cannot do this (needs {', '.join(r.value for r in roles)})",
            f"โทเคนประเภท {who.role.value} ไม่มีสิทธิ์ทำรายการนี้",
        )
    return who


def token_principal(token: str) -> Principal | None:
    """Who a bearer token (from wherever it came) stands for; None when unknown or revoked."""
    return swq().principals.get(token.strip(), _look_up)


def _look_up(token: str) -> Principal | None:
    with swq().db.engine.connect() as conn:
        return principal_for(conn, token)


def office_for(who: Principal | None = None) -> str:
    """The office a request is about: the token's, or ?office=, or the only/default one."""
    asked = request.args.get("office")
    if who is not None:
        if asked is not None and asked != who.office and not _in_my_province(who, asked):
            raise ApiError(
                403,
                "forbidden",
                f"this token belongs to office {who.office}, not {asked}",
                f"โทเคนนี้เป็นของสำนักงาน {who.office} ไม่ใช่ {asked}",
            )
        return asked or who.office
    office = public_office()
    if office is None:
        codes = ", ".join(swq().db.office_codes())
        raise ApiError(
            400,
            "office_required",
            f"this server hosts several offices; add ?office= one of {codes}",
            f"เซิร์ฟเวอร์นี้มีหลายสำนักงาน กรุณาระบุ ?office= ({codes})",
        )
    return office


def _in_my_province(who: Principal, office: str) -> bool:
    """A signed-in province admin may name any office of their province."""
    user = current_user() if who.token_id is None else None
    if user is None or user.province is None:
        return False
    with swq().db.engine.connect() as conn:
        return province_of(conn, office) == user.province


def public_office() -> str | None:
    """The office a public read is about: ?office=, else the office of the caller's token or
    session (a device keeps its office however many offices the server gains), else the default
    or only office; None when several offices leave the choice to the reader."""
    codes = swq().db.office_codes()
    asked = request.args.get("office")
    if asked is not None:
        if asked not in codes:
            raise ApiError(404, "not_found", f"no office {asked!r}", f"ไม่พบสำนักงาน {asked!r}")
        return asked
    caller = _caller()
    if caller is not None:
        return caller.office
    default = current_app.config["DEFAULT_OFFICE"]
    if default:
        return str(default)
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise ApiError(
            404,
            "not_found",
            "no office is set up yet: run `swq office load FILE.toml`",
            "ยังไม่มีสำนักงาน: ใช้คำสั่ง swq office load FILE.toml",
        )
    return None


def _caller() -> Principal | None:
    """Who a public read comes from, when it says: a bearer token (an unknown one is no reason
    to refuse what anyone may read) or a signed-in person."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return swq().principals.get(token.strip(), _look_up)
    user = current_user()
    return None if user is None else Principal(None, user.office, user.role, user.username, None)


def own_counter(who: Principal, code: str) -> str | None:
    """The counter an officer is bound to (refusing any other); None for an admin (any)."""
    if who.role is Role.ADMIN:
        return None
    if who.counter != code:
        raise ApiError(
            403,
            "not_your_counter",
            f"this officer is at counter {who.counter}, not {code}",
            f"ใช้ได้กับช่องบริการ {who.counter} เท่านั้น ไม่ใช่ช่องบริการ {code}",
        )
    return code
