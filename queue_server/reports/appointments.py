"""Appointments in the report exports: per service, bookings made, cancelled, checked in (on
time or late) and no-shows over the report's days, beside the report's own tables (the HTML page
shows the same figures, queue_server.db.bookings.service_bookings)."""

from __future__ import annotations

from datetime import date

from queue_server.api.present import office_config
from queue_server.db.bookings import ServiceBookings, service_bookings
from queue_server.extension import swq

SECTION = "appointment"
# Columns the appointment rows add to the flat CSV; their `no_shows` is the report's column.
COLUMNS = ("booked", "cancelled", "checked_in", "on_time", "late", "on_time_share")


def read_appointments(office: str, first: date, last: date) -> list[ServiceBookings]:
    with swq().db.engine.connect() as conn:
        return service_bookings(conn, office, first, last, swq().now())


def appointment_rows(office: str, appointments: list[ServiceBookings]) -> list[dict[str, object]]:
    """One row per booked service, named as the office names it (a service since removed from
    the office keeps its code only)."""
    services = office_config(office).services
    rows: list[dict[str, object]] = []
    for a in appointments:
        service = services.get(a.service)
        rows.append(
            {
                "service": a.service,
                "name_th": service.name_th if service else "",
                "name_en": service.name_en if service else "",
                "booked": a.booked,
                "cancelled": a.cancelled,
                "checked_in": a.checked_in,
                "on_time": a.on_time,
                "late": a.late,
                "no_shows": a.no_shows,
                "on_time_share": a.on_time_share,
            }
        )
    return rows
