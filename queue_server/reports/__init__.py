"""Reports, service standards and citizens' feedback: computed by core/reports.py from what this
package reads, served as JSON/CSV/XLSX, as admin pages with charts, and a counter tablet page."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Call before the API blueprint is registered: the routes here join it."""
    from queue_server.reports import api  # noqa: F401  (its routes register on the API blueprint)
    from queue_server.reports.feedback import tablet
    from queue_server.reports.pages import reports_pages
    from queue_server.reports.province import province_pages
    from queue_server.reports.province_live import province_live

    app.register_blueprint(tablet)
    app.register_blueprint(reports_pages)
    app.register_blueprint(province_pages)
    app.register_blueprint(province_live)
