"""The application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from queue_server.api import blueprint
from queue_server.api.errors import register_error_handlers
from queue_server.api.public import root
from queue_server.board_page import board_page
from queue_server.extension import init_app
from queue_server.reports import register as register_reports
from queue_server.request_guard import init_request_guard
from queue_server.settings import load_settings
from queue_server.status_page import pages
from queue_server.web.admin import admin_blueprint
from queue_server.web.console import console
from queue_server.web.language import init_language
from queue_server.web.login import login
from queue_server.web.session import init_sessions


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Settings come from defaults, `SWQ_CONFIG_FILE`, `SWQ_*` variables, then `config`."""
    app = Flask(__name__)
    load_settings(app, config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    init_request_guard(app)
    init_app(app)
    init_sessions(app)
    init_language(app)
    register_error_handlers(app)
    register_reports(app)
    app.register_blueprint(blueprint())
    app.register_blueprint(root)
    app.register_blueprint(pages)
    app.register_blueprint(board_page)
    app.register_blueprint(login)
    app.register_blueprint(console)
    app.register_blueprint(admin_blueprint())
    return app
