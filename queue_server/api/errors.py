"""Every refusal is `{"error": {"code", "message", "message_th"}}` with a 4xx status."""

from __future__ import annotations

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

    @classmethod
    def from_validation(cls, exc: ValidationError) -> ApiError:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        return cls(422, "invalid_request", problems, f"ข้อมูลไม่ถูกต้อง: {problems}")


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
        return error_response(exc.status, exc.code, exc.message, exc.message_th, exc.headers)

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
        if _wants_page():
            return _page(status, _TH.get(status, exc.name), exc.description or exc.name)
        return error_response(status, code, exc.description or exc.name, _TH.get(status, exc.name))


def _page(status: int, message_th: str, message_en: str) -> tuple[str, int]:
    staff = request.path.startswith(("/admin", "/console", "/login", "/logout"))
    page = render_template(
        "error.html", status=status, message_th=message_th, message_en=message_en, staff=staff
    )
    return page, status


def _wants_page() -> bool:
    """A person's browser on a page (not the API) gets a page, in the site's look."""
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


_TH = {
    400: "คำขอไม่ถูกต้อง",
    401: "ต้องยืนยันตัวตน",
    403: "ไม่มีสิทธิ์",
    404: "ไม่พบ",
    405: "ไม่รองรับวิธีนี้",
    413: "ข้อมูลใหญ่เกินไป",
    415: "ชนิดข้อมูลไม่รองรับ",
    500: "ระบบขัดข้อง กรุณาติดต่อเจ้าหน้าที่",
}
