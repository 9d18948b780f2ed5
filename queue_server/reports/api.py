"""`GET /api/v1/reports/summary` (admin) and `POST /api/v1/tickets/{id}/feedback` (public, with
the ticket's status key)."""

from __future__ import annotations

import dataclasses
from datetime import date, tzinfo

from flask import Response, jsonify, request

from core.codec import iso
from core.reports import Report, build_report, date_range_label, require_range
from queue_server.api import bp, spec
from queue_server.api.access import office_for
from queue_server.api.errors import ApiError
from queue_server.api.models import Error
from queue_server.auth import Principal, Role
from queue_server.extension import swq
from queue_server.reports.appointments import appointment_rows, read_appointments
from queue_server.reports.data import read_report_input
from queue_server.reports.export import CSV_TYPE, XLSX_TYPE, download
from queue_server.reports.feedback import store_feedback
from queue_server.reports.models import (
    FeedbackOut,
    FeedbackQuery,
    FeedbackRequest,
    ReportOut,
    ReportQuery,
)

FORMATS = {"json": "application/json", "csv": CSV_TYPE, "xlsx": XLSX_TYPE}


def make_report(office: str, first: date, last: date) -> tuple[Report, tzinfo]:
    """The report and the office's time zone; a bad range is a 422."""
    try:
        require_range(first, last)
    except ValueError as exc:
        raise ApiError(422, "invalid_request", str(exc), f"ช่วงวันที่ไม่ถูกต้อง: {exc}") from None
    data = read_report_input(swq().db, office, first, last, swq().now())
    return build_report(data), data.timezone


def report_document(
    report: Report, tz: tzinfo, appointments: list[dict[str, object]]
) -> dict[str, object]:
    doc = ReportOut.model_validate(
        {
            "appointments": appointments,
            **{f.name: getattr(report, f.name) for f in dataclasses.fields(report)},
            "office": {**dataclasses.asdict(report.office), "timezone": str(tz)},
            "first_day": report.first,
            "last_day": report.last,
            "label_th": date_range_label(report.first, report.last, "th"),
            "label_en": date_range_label(report.first, report.last, "en"),
            "generated_at": iso(swq().now(), tz),
        }
    )
    return doc.model_dump(mode="json")


def _wanted(asked: str | None) -> str:
    if asked is not None:
        return FORMATS[asked]
    best = request.accept_mimetypes.best_match(list(FORMATS.values()))
    return best or FORMATS["json"]


@spec.route(
    bp,
    "GET",
    "/reports/summary",
    summary="Report of an office-local day or range: visits, waits, service level, counters, "
    "officers, arrivals per hour, ratings, appointments. JSON; CSV or XLSX by Accept or ?format=",
    tag="reports",
    roles=[Role.ADMIN],
    query=ReportQuery,
    alternatives=[CSV_TYPE, XLSX_TYPE],
    responses={
        200: (ReportOut, "the report"),
        400: (Error, "several offices: say which"),
        401: (Error, "no or unknown token"),
        403: (Error, "not an admin of this office"),
        404: (Error, "no such office"),
        422: (Error, "bad dates or range"),
    },
)
def summary(who: Principal, query: ReportQuery) -> Response:
    office = office_for(who)
    report, tz = make_report(office, query.date, query.to or query.date)
    wanted = _wanted(query.format)
    appointments = appointment_rows(office, read_appointments(office, report.first, report.last))
    if wanted != FORMATS["json"]:
        return download(report, "csv" if wanted == CSV_TYPE else "xlsx", appointments)
    return jsonify(report_document(report, tz, appointments))


@spec.route(
    bp,
    "POST",
    "/tickets/<ticket_id>/feedback",
    summary="A citizen's rating (1-5, optional comment) of a finished visit; the key is the "
    "one printed on the ticket. One rating per ticket: a second is refused.",
    tag="public",
    query=FeedbackQuery,
    body=FeedbackRequest,
    responses={
        201: (FeedbackOut, "the rating, stored"),
        400: (Error, "the body is not JSON"),
        404: (Error, "no such ticket, or a wrong key"),
        409: (Error, "the visit is not finished, or it was rated already"),
        422: (Error, "invalid rating or comment"),
    },
)
def feedback(ticket_id: str, query: FeedbackQuery, body: FeedbackRequest) -> Response:
    stored = store_feedback(
        swq().db,
        ticket_id,
        body.rating,
        body.comment,
        source="status",
        now=swq().now(),
        key=query.key,
    )
    doc = FeedbackOut.model_validate(dataclasses.asdict(stored))
    response = jsonify(doc.model_dump(mode="json"))
    response.status_code = 201
    return response
