"""A report as CSV (one flat table) and as a spreadsheet (one sheet per part); the office's
appointments (queue_server.reports.appointments) come along as rows of section `appointment`."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask import Response

from core.reports import COLUMNS, Report, date_range_label, flat_rows
from queue_server.reports import appointments as booked

CSV_TYPE = "text/csv"
# A text cell starting with one of these is a formula to spreadsheet programs (a name such as
# =HYPERLINK("http://evil.example", "Click") typed into an admin page would run in Excel).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECTIONS_TH = {
    "total": "รวม",
    "day": "รายวัน",
    "agency": "หน่วยงาน",
    "service": "บริการ",
    "counter": "ช่องบริการ",
    "officer": "เจ้าหน้าที่",
    "hour": "รายชั่วโมง",
}
APPOINTMENTS_TH = "นัดหมาย"
APPOINTMENT_COLUMNS = (
    "key",
    "name_th",
    "name_en",
    *booked.COLUMNS[:5],
    "no_shows",
    "on_time_share",
)


def to_csv(report: Report, appointments: Sequence[dict[str, object]] = ()) -> bytes:
    """The report's flat table, then a row per booked service (`key` is the service's code)."""
    columns = (*COLUMNS, *booked.COLUMNS)
    rows = [dict(row, **dict.fromkeys(booked.COLUMNS)) for row in flat_rows(report)]
    rows += [
        {c: None for c in columns}
        | {k: v for k, v in a.items() if k != "service"}
        | {"section": booked.SECTION, "key": a["service"]}
        for a in appointments
    ]
    return rows_csv(columns, rows)


def rows_csv(columns: Sequence[str], rows: Sequence[dict[str, object]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs show the Thai names as Thai."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def rows_xlsx(
    about: Sequence[Sequence[object]],
    title: str,
    columns: Sequence[str],
    rows: Sequence[dict[str, object]],
) -> bytes:
    """A first sheet saying what it is, then one table (same column names as the CSV)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "report"
    for line in about:
        sheet.append(list(line))
    table = book.create_sheet(title)
    table.append(list(columns))
    for row in rows:
        table.append([_cell(row[c]) for c in columns])
    return _saved(book)


def to_xlsx(report: Report, appointments: Sequence[dict[str, object]] = ()) -> bytes:
    """A first sheet saying what the report is, then a sheet per section with only the columns
    that section fills (same column names as the CSV), the appointments' sheet last when the
    office had bookings."""
    # Loaded on first use, like the charts: a server start should not wait for it.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "report"
    for line in (
        ("office", report.office.code, report.office.name_th, report.office.name_en),
        ("first_day", report.first.isoformat()),
        ("last_day", report.last.isoformat()),
        ("ช่วงวันที่", date_range_label(report.first, report.last, "th")),
        ("dates", date_range_label(report.first, report.last, "en")),
    ):
        about.append(list(line))
    rows = flat_rows(report)
    for section, title_th in SECTIONS_TH.items():
        mine = [row for row in rows if row["section"] == section]
        columns = [c for c in COLUMNS if c != "section" and any(r[c] is not None for r in mine)]
        sheet = book.create_sheet(f"{section} {title_th}")
        sheet.append(columns)
        for row in mine:
            sheet.append([_cell(row[c]) for c in columns])
        for i, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(column) + 2))
    if appointments:
        sheet = book.create_sheet(f"{booked.SECTION} {APPOINTMENTS_TH}")
        sheet.append(list(APPOINTMENT_COLUMNS))
        for a in appointments:
            row = {**a, "key": a["service"]}
            sheet.append([_cell(row[c]) for c in APPOINTMENT_COLUMNS])
    return _saved(book)


def _saved(book: Any) -> bytes:
    """The workbook's bytes, with every cell openpyxl took for a formula (a name beginning with
    `=`) written as the text it is."""
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _csv_cell(value: Any) -> Any:
    """A leading apostrophe keeps text that looks like a formula text (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return _cell(value)


def download(report: Report, kind: str, appointments: Sequence[dict[str, object]] = ()) -> Response:
    """The report as a file to save: `kind` is csv or xlsx."""
    name = f"swq-{report.office.code}-{report.first.isoformat()}"
    if report.last != report.first:
        name += f"-{report.last.isoformat()}"
    body = to_csv(report, appointments) if kind == "csv" else to_xlsx(report, appointments)
    return attachment(body, kind, name)


def attachment(body: bytes, kind: str, name: str) -> Response:
    """A CSV or XLSX file to save as NAME.KIND."""
    if kind == "csv":
        response = Response(body, mimetype=CSV_TYPE)
        response.mimetype_params["charset"] = "utf-8"
    else:
        response = Response(body, mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response
