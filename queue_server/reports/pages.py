"""`/admin/reports`: an admin's report of a day or a range, with tables and charts, Thai first
(`?lang=en` for English), and its CSV / XLSX downloads through the admin's session."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, g, render_template, request
from markupsafe import Markup

from core.reports import date_range_label, english_date, thai_date
from queue_server.api.errors import ApiError
from queue_server.api.present import office_config
from queue_server.auth import Role
from queue_server.extension import swq
from queue_server.reports.api import make_report
from queue_server.reports.appointments import appointment_rows, read_appointments
from queue_server.reports.export import download
from queue_server.reports.models import EARLIEST, LATEST
from queue_server.web.language import current_language, pick
from queue_server.web.session import require_user

reports_pages = Blueprint("reports", __name__)


def report_dates() -> tuple[date, date]:
    """?date= and ?to= (default: the office's today); a bad one is a 422 with the reason."""
    config = swq().db.cached_config(g.user.office)
    today = config.office.local_day(swq().now()) if config else swq().now().date()
    try:
        first = date.fromisoformat(request.args.get("date") or today.isoformat())
        last = date.fromisoformat(request.args.get("to") or first.isoformat())
    except ValueError:
        raise ApiError(
            422,
            "invalid_request",
            "dates are YYYY-MM-DD",
            "วันที่ต้องอยู่ในรูป ปปปป-ดด-วว (ค.ศ.)",
        ) from None
    if not (EARLIEST <= first <= LATEST and EARLIEST <= last <= LATEST):
        raise ApiError(
            422,
            "invalid_request",
            f"dates run from {EARLIEST} to {LATEST}",
            f"วันที่ต้องอยู่ระหว่าง {EARLIEST} ถึง {LATEST}",
        )
    return first, last


def minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.0f}%"


@reports_pages.get("/admin/reports")
@require_user(Role.ADMIN)
def report_page() -> tuple[str, int] | str:
    lang = current_language()
    th = lang == "th"
    try:
        first, last = report_dates()
        report, _tz = make_report(g.user.office, first, last)
    except ApiError as exc:
        return render_template(
            "reports.html",
            error=pick(exc.message_th, exc.message),
            report=None,
            args=request.args,
        ), 422
    # matplotlib loads in a second or two: only the processes that draw a chart pay for it.
    from queue_server.reports.charts import arrivals_chart, service_level_chart, utilisation_chart

    # A day without data gets a sentence, not empty axes.
    charts = {
        "arrivals": Markup(arrivals_chart(report.hours, th))
        if any(h.arrivals for h in report.hours)
        else None,
        "service_level": Markup(service_level_chart(report.services, th))
        if any(s.figures.within_target.of for s in report.services)
        else None,
        "utilisation": Markup(utilisation_chart(report.counters, th))
        if any(c.use.utilisation is not None for c in report.counters)
        else None,
    }
    appointments = read_appointments(g.user.office, first, last)
    return render_template(
        "reports.html",
        error=None,
        report=report,
        appointments=appointments,
        label=date_range_label(first, last, lang),
        charts=charts,
        minutes=minutes,
        percent=percent,
        day_label=thai_date if th else english_date,
        office_name=pick(report.office.name_th, report.office.name_en),
        args={"date": first.isoformat(), "to": last.isoformat()},
        # A pause says its listed reason's Thai name; the English page shows the English one.
        pause_name={}
        if th
        else {r.name_th: r.name_en for r in office_config(g.user.office).pause_reasons},
    )


@reports_pages.get("/admin/reports/export.<kind>")
@require_user(Role.ADMIN)
def report_export(kind: str) -> Response:
    if kind not in ("csv", "xlsx"):
        raise ApiError(404, "not_found", f"no export {kind!r}", "ไม่พบรูปแบบไฟล์นี้")
    first, last = report_dates()
    report, _tz = make_report(g.user.office, first, last)
    appointments = read_appointments(g.user.office, first, last)
    return download(report, kind, appointment_rows(g.user.office, appointments))
