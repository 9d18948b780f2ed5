"""Every refusal is `{"error": {"code", "message", "message_th"}}` with a 4xx status."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, jsonify, render_template, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from core.errors import DomainError

STATUS_OF_CODE = {
    "not_found": 404,
    "invalid_request": 422,
    "not_at_counter": 403,
    "illegal_transition": 409,
    "counter_busy": 409,
    "counter_unavailable": 409,
    "service_closed": 409,
    "office_closed": 409,
    "quota_reached": 409,
    "number_range_exhausted": 409,
    "not_recalled": 409,
    "grace_over": 409,
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        message_th: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.message_th = message_th
        self.headers = headers or {}
        self.fields: list[str] | None = None  # a refused body: the fields at fault

    @classmethod
    def from_validation(cls, exc: ValidationError) -> ApiError:
        """A refusal people can read: what is wrong and what to do, never field names or
        pydantic's wording; a program finds the fields in `fields`."""
        errors = exc.errors()
        own = [
            e["ctx"]["error"] for e in errors if isinstance(e.get("ctx", {}).get("error"), Refusal)
        ]
        if own:
            message, message_th = own[0].message_en, own[0].message_th
        else:
            message, message_th = _plain(errors[0]["type"] if errors else "")
        error = cls(422, "invalid_request", message, message_th)
        error.fields = sorted({".".join(str(p) for p in e["loc"]) for e in errors if e["loc"]})
        return error


class Refusal(ValueError):
    """Raised by a request model's own check, with what the person reads in both languages."""

    def __init__(self, message_en: str, message_th: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_th = message_th


# pydantic's error types, in words for people (what is wrong, what to do next).
_PLAIN = {
    "missing": (
        "Something needed is missing; fill in every choice and try again.",
        "ข้อมูลไม่ครบ กรุณาเลือกหรือกรอกให้ครบแล้วลองใหม่",
    ),
    "string_too_long": (
        "The text is too long; shorten it and try again.",
        "ข้อความยาวเกินไป กรุณาพิมพ์ให้สั้นลงแล้วลองใหม่",
    ),
    "string_too_short": ("Please fill in the text before sending.", "กรุณากรอกข้อความก่อนส่ง"),
    "too_long": (
        "Too many items were chosen; choose fewer and try again.",
        "เลือกรายการมากเกินไป กรุณาเลือกให้น้อยลงแล้วลองใหม่",
    ),
    "extra_forbidden": (
        "The page sent something this server does not know; reload the page.",
        "หน้าเว็บส่งข้อมูลที่ระบบไม่รู้จัก กรุณาโหลดหน้าใหม่",
    ),
}
_OTHERWISE = (
    "A choice is not valid; check it and try again (reload the page if it persists).",
    "ข้อมูลที่เลือกไม่ถูกต้อง กรุณาตรวจสอบแล้วลองใหม่ (หากยังไม่ได้ให้โหลดหน้าใหม่)",
)


def _plain(kind: str) -> tuple[str, str]:
    return _PLAIN.get(kind, _OTHERWISE)


def error_response(
    status: int, code: str, message: str, message_th: str, headers: dict[str, str] | None = None
) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "message_th": message_th}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Any:
        if _wants_page():
            return _page(exc.status, exc.message_th, exc.message)
        response = error_response(exc.status, exc.code, exc.message, exc.message_th, exc.headers)
        if exc.fields is not None:
            doc = response.get_json()
            doc["error"]["fields"] = exc.fields
            response.set_data(json.dumps(doc, ensure_ascii=False))
        return response

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> Response:
        status = STATUS_OF_CODE.get(exc.code, 409)
        return error_response(status, exc.code, exc.message_en, exc.message_th)

    @app.errorhandler(sa.exc.OperationalError)
    def _database_down(exc: sa.exc.OperationalError) -> Response:
        # A kiosk retries with the same Idempotency-Key, so a commit whose answer was lost
        # still yields one ticket.
        app.logger.error("database unavailable: %s", exc.orig)
        return error_response(
            503,
            "database_unavailable",
            "the database is unavailable; retry shortly (a kiosk with the same Idempotency-Key)",
            "ระบบฐานข้อมูลขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้ง",
            {"Retry-After": "2"},
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        # werkzeug's stock sentences are for developers; a view's own description stays.
        own = exc.description if exc.description != type(exc).description else None
        message = own or _EN.get(status) or exc.name
        if _wants_page():
            return _page(status, _TH.get(status, exc.name), message)
        return error_response(status, code, message, _TH.get(status, exc.name))


def _page(status: int, message_th: str, message_en: str) -> tuple[str, int]:
    staff = request.path.startswith(("/admin", "/console", "/supervisor", "/login", "/logout"))
    page = render_template(
        "error.html",
        status=status,
        message_th=message_th,
        message_en=message_en,
        staff=staff,
        home=_home() if staff else None,
    )
    return page, status


def _home() -> tuple[str, str, str] | None:
    """Where a signed-in person goes next from an error: their own page (th, en, url)."""
    from queue_server.auth import Role
    from queue_server.web.session import current_user

    try:
        user = current_user()
    except sa.exc.SQLAlchemyError:
        return None  # the database is down: the sign-in link is all there is to offer
    if user is None:
        return None
    if user.role is Role.SUPERVISOR:
        return "กลับไปหน้าภาพรวมห้องบริการ", "Back to the hall overview", "/supervisor"
    if user.role is Role.ADMIN and not request.path.startswith("/console"):
        return "กลับไปหน้าผู้ดูแลระบบ", "Back to administration", "/admin"
    return "กลับไปหน้าจอเจ้าหน้าที่", "Back to the console", "/console"


def _wants_page() -> bool:
    """A person's browser on a page (not the API) gets a page, in the site's look."""
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


_TH = {
    400: "คำขอไม่ถูกต้อง",
    401: "ต้องยืนยันตัวตน",
    403: "บัญชีนี้ไม่มีสิทธิ์เปิดหน้านี้",
    404: "ไม่พบหน้าที่ต้องการ",
    405: "ไม่รองรับวิธีนี้",
    413: "ข้อมูลใหญ่เกินไป",
    415: "ชนิดข้อมูลไม่รองรับ",
    500: "ระบบขัดข้อง กรุณาติดต่อเจ้าหน้าที่",
}
_EN = {
    400: "The request was not understood; reload the page and try again.",
    401: "Please sign in first.",
    403: "This account may not open this page.",
    404: "There is nothing at this address.",
    405: "This address does not take that kind of request.",
    413: "What was sent is too large.",
    415: "What was sent is of a kind this server does not take.",
    500: "Something went wrong on the server; please tell the administrator.",
}
