"""Thai first, English on request: `?lang=en` switches and the choice sticks to the session."""

from __future__ import annotations

from flask import Flask, request, session

LANGUAGES = ("th", "en")


def current_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    kept = session.get("lang")
    return kept if kept in LANGUAGES else "th"


def pick(th: str, en: str) -> str:
    """The text in the page's language."""
    return en if current_language() == "en" else th


def init_language(app: Flask) -> None:
    app.jinja_env.globals.update(T=pick, current_language=current_language)
