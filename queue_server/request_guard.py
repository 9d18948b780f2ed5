"""What every request passes before a view sees it, and what every answer carries.

- Bodies over `MAX_CONTENT_LENGTH` are refused with 413 before a byte of them is read; a view
  marked with `larger_body(SETTING)` (a voice pack upload) has the limit that setting gives.
- A NUL character anywhere in the path, the query or a form is refused with 400: PostgreSQL
  cannot store one, and no honest client sends one.
- Whole numbers in URLs are 64-bit (`<int:...>` past 2^63 is a 404, not a database overflow).
- JSON bodies: numbers beyond 64 bits, nesting deeper than Python's stack and NUL characters in
  strings are not JSON the server accepts (400).
- Security headers on every answer: a Content-Security-Policy without inline script, no
  framing, no MIME sniffing, no Referer to other sites; and no server software banner.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map

INT64_MAX = 2**63 - 1
# Inline <style> stays (templates carry their own CSS); scripts come only from /static.
# Boards are shown full screen by a browser of their own, never inside another site's page, so
# no page may be framed (clickjacking of the admin and console pages is the risk).
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Int64Converter(IntegerConverter):
    """`<int:...>` as the database stores it: a number past 2^63 - 1 matches no route."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT64_MAX)
        super().__init__(map, *args, **kwargs)


def parse_int(text: str) -> int:
    """A JSON number as a 64-bit integer (the database's widest), refusing anything longer
    before Python converts thousands of digits."""
    if len(text.lstrip("-")) > 19 or not -INT64_MAX - 1 <= (value := int(text)) <= INT64_MAX:
        raise ValueError(f"the number {text[:30]}… is out of range")
    return value


def loads(raw: bytes | str) -> Any:
    """JSON as the API accepts it; ValueError for what it does not (see the module's doc)."""
    try:
        doc = json.loads(raw, parse_int=parse_int)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    if _has_nul(doc):
        raise ValueError("a string holds a NUL character")
    return doc


def _has_nul(doc: Any) -> bool:
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def larger_body(setting: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The view takes bodies up to the size in `setting` rather than MAX_CONTENT_LENGTH."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.body_limit_setting = setting  # type: ignore[attr-defined]
        return view

    return mark


def _refuse_hostile_requests() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    setting = getattr(view, "body_limit_setting", None)
    if setting is not None:
        request.max_content_length = int(current_app.config[setting])
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(f"the body is larger than {limit} bytes")
    fields = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += [*request.form.keys(), *request.form.values()]
    if any("\x00" in field for field in fields):
        raise BadRequest("the request holds a NUL character")


def _secure_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.status_code == 413:
        # The unread body must not be taken for the next request on this connection.
        response.headers["Connection"] = "close"
    return response


def init_request_guard(app: Flask) -> None:
    """Call before any blueprint is registered (the converter applies to routes added later)."""
    app.url_map.converters["int"] = Int64Converter
    app.before_request(_refuse_hostile_requests)
    app.after_request(_secure_headers)
