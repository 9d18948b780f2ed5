"""Thai first, English on request: `?lang=en` switches and the choice sticks to the browser.

The choice has a cookie of its own, written only by the request that asks to switch. Kept in the
signed session it was lost at random: every answer to a signed-in browser sends the whole session
again, so a request the page had already sent (a console's fetch) that was answered after the
switch put the old language back.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request

LANGUAGES = ("th", "en")
COOKIE = "swq_lang"
REMEMBERED_S = 400 * 24 * 3600  # a browser's longest


def current_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        g.swq_language_asked = asked
        return asked
    kept = request.cookies.get(COOKIE)
    return kept if kept in LANGUAGES else "th"


def pick(th: str, en: str) -> str:
    """The text in the page's language."""
    return en if current_language() == "en" else th


def _remember(response: Response) -> Response:
    asked = g.get("swq_language_asked")
    if asked is not None and request.cookies.get(COOKIE) != asked:
        response.set_cookie(
            COOKIE,
            asked,
            max_age=REMEMBERED_S,
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            httponly=True,
            samesite="Lax",
        )
    return response


def init_language(app: Flask) -> None:
    app.jinja_env.globals.update(T=pick, current_language=current_language)
    app.after_request(_remember)
