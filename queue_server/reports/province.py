"""`/admin/province`: a province admin's offices side by side (visits, waits, share within
target, no-shows, ratings) with the province's totals, CSV / XLSX, and switching the office the
admin pages work on. An office admin has no province page and never reaches another office."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from markupsafe import Markup

from core.reports import (
    PROVINCE_COLUMNS,
    NamedItem,
    OfficeLine,
    Report,
    combined_use,
    date_range_label,
    office_line,
    province_rows,
    province_total,
)
from queue_server.api.errors import ApiError
from queue_server.auth import Role
from queue_server.db import schema as t
from queue_server.extension import swq
from queue_server.offices import province_offices
from queue_server.reports.api import make_report
from queue_server.reports.export import attachment, rows_csv, rows_xlsx
from queue_server.reports.pages import minutes, percent, report_dates
from queue_server.web import audit
from queue_server.web.language import current_language, pick
from queue_server.web.session import require_user, switch_office

province_pages = Blueprint("province", __name__)


def signed_in_province() -> NamedItem:
    """The signed-in admin's province; 403 for an office admin."""
    code = g.user.province
    if code is None:
        abort(403)
    with swq().db.engine.connect() as conn:
        row = conn.execute(t.provinces.select().where(t.provinces.c.code == code)).first()
    if row is None:
        abort(403)
    return NamedItem(row.code, row.name_th, row.name_en)


def offices_of(province: str) -> list[tuple[str, str, str]]:
    with swq().db.engine.connect() as conn:
        return province_offices(conn, province)


def office_reports(province: NamedItem, first: date, last: date) -> list[Report]:
    return [make_report(code, first, last)[0] for code, *_ in offices_of(province.code)]


def province_report(
    province: NamedItem, reports: list[Report]
) -> tuple[list[OfficeLine], OfficeLine]:
    lines = [office_line(report) for report in reports]
    return lines, province_total(lines, province)


def province_charts(reports: list[Report], th: bool) -> dict[str, str | None]:
    """The office report's three charts with every office side by side (None: no data)."""
    # matplotlib loads in a second or two: only the processes that draw a chart pay for it.
    from queue_server.reports.charts import (
        province_arrivals_chart,
        province_service_level_chart,
        province_utilisation_chart,
    )

    def name(report: Report) -> str:
        return report.office.name_th if th else report.office.name_en

    lines = [office_line(report) for report in reports]
    uses = [(name(r), combined_use([k.use for k in r.counters])) for r in reports]
    return {
        "arrivals": province_arrivals_chart([(name(r), r.hours) for r in reports], th)
        if any(h.arrivals for r in reports for h in r.hours)
        else None,
        "service_level": province_service_level_chart(lines, th)
        if any(line.within_target.of for line in lines)
        else None,
        "utilisation": province_utilisation_chart(uses, th)
        if any(use.utilisation is not None for _, use in uses)
        else None,
    }


@province_pages.get("/admin/province")
@require_user(Role.ADMIN)
def province_page() -> tuple[str, int] | str:
    province = signed_in_province()
    try:
        first, last = report_dates()
        reports = office_reports(province, first, last)
    except ApiError as exc:
        return render_template(
            "province.html",
            province=province,
            error=pick(exc.message_th, exc.message),
            lines=None,
            args=request.args,
        ), 422
    lines, total = province_report(province, reports)
    charts = province_charts(reports, current_language() == "th")
    return render_template(
        "province.html",
        province=province,
        error=None,
        charts={k: Markup(v) if v else None for k, v in charts.items()},
        lines=lines,
        total=total,
        label=date_range_label(first, last, current_language()),
        minutes=minutes,
        percent=percent,
        args={"date": first.isoformat(), "to": last.isoformat()},
    )


@province_pages.get("/admin/province/export.<kind>")
@require_user(Role.ADMIN)
def province_export(kind: str) -> Response:
    if kind not in ("csv", "xlsx"):
        raise ApiError(404, "not_found", f"no export {kind!r}", "ไม่พบรูปแบบไฟล์นี้")
    province = signed_in_province()
    first, last = report_dates()
    lines, total = province_report(province, office_reports(province, first, last))
    rows = province_rows(lines, total)
    name = f"swq-province-{province.code}-{first.isoformat()}"
    if last != first:
        name += f"-{last.isoformat()}"
    if kind == "csv":
        return attachment(rows_csv(PROVINCE_COLUMNS, rows), kind, name)
    about = [
        ("province", province.code, province.name_th, province.name_en),
        ("first_day", first.isoformat()),
        ("last_day", last.isoformat()),
        ("ช่วงวันที่", date_range_label(first, last, "th")),
        ("dates", date_range_label(first, last, "en")),
    ]
    return attachment(rows_xlsx(about, "offices สำนักงาน", PROVINCE_COLUMNS, rows), kind, name)


@province_pages.get("/admin/province/chart-<name>.svg")
@require_user(Role.ADMIN)
def province_chart(name: str) -> Response:
    """One of the page's charts as an SVG file (its text in Sarabun where the font is installed)."""
    province = signed_in_province()
    first, last = report_dates()
    chart = province_charts(office_reports(province, first, last), current_language() == "th")
    if name not in chart:
        raise ApiError(404, "not_found", f"no chart {name!r}", "ไม่พบแผนภูมินี้")
    drawn = chart[name]
    if drawn is None:
        raise ApiError(
            404,
            "no_data",
            "no data for this chart in these dates",
            "ไม่มีข้อมูลสำหรับแผนภูมินี้ในช่วงวันที่นี้",
        )
    filename = f"swq-province-{province.code}-{name}-{first.isoformat()}"
    if last != first:
        filename += f"-{last.isoformat()}"
    return Response(
        '<?xml version="1.0" encoding="utf-8"?>\n' + drawn,
        mimetype="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}.svg"'},
    )


@province_pages.post("/admin/province/switch")
@require_user(Role.ADMIN)
def switch() -> Response:
    province = signed_in_province()
    office = request.form.get("office", "")
    if office not in {code for code, *_ in offices_of(province.code)}:
        abort(403)
    switch_office(office)
    audit.record(office, g.user.username, g.user.role.value, "province.switch", g.user.home)
    return redirect(url_for("admin.overview"))
