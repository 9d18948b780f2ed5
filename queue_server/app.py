"""The application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from queue_server.api import blueprint
from queue_server.api.errors import register_error_handlers
from queue_server.api.public import root
from queue_server.extension import init_app
from queue_server.reports import register as register_reports
from queue_server.request_guard import init_request_guard
from queue_server.settings import load_settings, trusted_proxy_count
from queue_server.web.admin import admin_blueprint
from queue_server.web.board_page import board_page
from queue_server.web.booking_page import booking
from queue_server.web.console import console
from queue_server.web.landing import landing
from queue_server.web.language import init_language
from queue_server.web.login import login
from queue_server.web.phone_page import phone_page
from queue_server.web.reprint_page import reprint_page
from queue_server.web.session import init_sessions
from queue_server.web.status_page import pages
from queue_server.web.supervisor import supervisor


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
    app.register_blueprint(landing)
    app.register_blueprint(login)
    app.register_blueprint(console)
    app.register_blueprint(supervisor)
    app.register_blueprint(reprint_page)
    app.register_blueprint(booking)
    app.register_blueprint(phone_page)
    app.register_blueprint(admin_blueprint())
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind nginx every request comes from 127.0.0.1: believe the last TRUSTED_PROXY_COUNT
    X-Forwarded-For/-Proto entries, so per-address limits and the audit log see the citizen's
    address and URLs built for the outside world say https. Never more: a client can write any
    X-Forwarded-For it likes, only the proxies' own entries are true."""
    count = trusted_proxy_count(app.config)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
