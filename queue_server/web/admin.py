"""The admin pages of an office (admin role only), one module per subject."""

from __future__ import annotations

from flask import Blueprint

from queue_server.web import (
    admin_agencies,
    admin_audit,
    admin_booking,
    admin_console,
    admin_counters,
    admin_devices,
    admin_kiosk,
    admin_office,
    admin_phone,
    admin_services,
    admin_users,
    admin_voice,
)


def admin_blueprint() -> Blueprint:
    admin = Blueprint("admin", __name__)
    for pages in (
        admin_office,
        admin_agencies,
        admin_services,
        admin_counters,
        admin_console,
        admin_users,
        admin_devices,
        admin_kiosk,
        admin_voice,
        admin_booking,
        admin_phone,
        admin_audit,
    ):
        pages.add_routes(admin)
    return admin
