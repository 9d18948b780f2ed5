"""A province groups offices: its admin signs in once and works on each of them, and sees them
side by side; an office's admin sees only their own office, in the pages and the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from queue_server import create_app
from tests.server.conftest import (
    OFFICE_FILE,
    SECOND_OFFICE_FILE,
    Office,
    load_test_office,
    this_morning,
)
from tests.server.people import csrf_of

PROVINCE_NAME_TH = "กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือ"
PROVINCE = f"""
[province]
code = "isan"
name_th = "{PROVINCE_NAME_TH}"
name_en = "North-East"
"""


def admin(username: str, *, province: bool = False) -> str:
    return (
        f'\n[[officers]]\nusername = "{username}"\npassword = "pw-{username}"\nrole = "admin"\n'
        + ("province_admin = true\n" if province else "")
    )


@pytest.fixture
def offices(database_url: str, tmp_path: Path) -> dict[str, Office]:
    """udn and kkn in the province isan (udn has the province admin), lpg on its own."""
    files = {
        "udn": OFFICE_FILE.read_text(encoding="utf-8")
        + PROVINCE
        + admin("boss", province=True)
        + admin("udn-admin"),
        "kkn": SECOND_OFFICE_FILE.read_text(encoding="utf-8") + PROVINCE + admin("kkn-admin"),
        "lpg": SECOND_OFFICE_FILE.read_text(encoding="utf-8").replace(
            'code = "kkn"', 'code = "lpg"'
        )
        + admin("lpg-admin"),
    }
    loaded = {}
    for code, text in files.items():
        path = tmp_path / f"{code}.toml"
        path.write_text(text, encoding="utf-8")
        loaded[code] = load_test_office(database_url, path)
    return loaded


@pytest.fixture
def clock() -> list[datetime]:
    """The app's time, which a test may move on (counters' use needs minutes to pass)."""
    return [this_morning()]


@pytest.fixture
def web(
    database_url: str, offices: dict[str, Office], clock: list[datetime]
) -> Iterator[FlaskClient]:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "CLOCK": lambda: clock[0]})
    yield app.test_client()
    ext = app.extensions["swq"]
    ext.hub.stop()
    ext.hub.join()
    ext.db.dispose()


def sign_in(client: FlaskClient, office: str, username: str) -> str:
    response = client.post(
        "/login",
        data={
            "office": office,
            "username": username,
            "password": f"pw-{username}",
            "csrf_token": csrf_of(client),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_of(client, "/admin")


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_province_admin_switches_between_the_province_offices_only(
    web: FlaskClient, offices: dict[str, Office]
) -> None:
    csrf = sign_in(web, "udn", "boss")
    province = page(web, "/admin/province?lang=en")
    assert 'data-office="udn"' in province and 'data-office="kkn"' in province
    assert 'data-office="lpg"' not in province
    assert "Udon Thani" in page(web, "/admin?lang=en")

    switched = web.post("/admin/province/switch", data={"office": "kkn", "csrf_token": csrf})
    assert switched.status_code == 302
    assert "Khon Kaen" in page(web, "/admin?lang=en")
    assert 'id="current">kkn<' in page(web, "/admin/province")
    api = {"X-CSRF-Token": csrf}
    assert (
        web.get("/api/v1/reports/summary?date=2026-11-30", headers=api).json["office"]["code"]
        == "kkn"
    )
    assert (
        web.get("/api/v1/reports/summary?date=2026-11-30&office=udn", headers=api).status_code
        == 200
    )
    assert (
        web.get("/api/v1/reports/summary?date=2026-11-30&office=lpg", headers=api).status_code
        == 403
    )

    outside = web.post("/admin/province/switch", data={"office": "lpg", "csrf_token": csrf})
    assert outside.status_code == 403
    assert "Khon Kaen" in page(web, "/admin?lang=en")


def test_an_office_admin_sees_only_their_office(
    web: FlaskClient, offices: dict[str, Office]
) -> None:
    csrf = sign_in(web, "udn", "udn-admin")
    assert web.get("/admin/province").status_code == 403
    assert "province-link" not in page(web, "/admin")
    refused = web.post("/admin/province/switch", data={"office": "kkn", "csrf_token": csrf})
    assert refused.status_code == 403
    assert "Udon Thani" in page(web, "/admin?lang=en")
    api = {"X-CSRF-Token": csrf}
    assert (
        web.get("/api/v1/reports/summary?date=2026-11-30&office=kkn", headers=api).status_code
        == 403
    )
    assert (
        web.get("/api/v1/reports/summary?date=2026-11-30", headers=api).json["office"]["code"]
        == "udn"
    )
    # An admin token is its office's too.
    token = offices["kkn"].auth("admin")
    assert (
        web.get("/api/v1/reports/summary?date=2026-11-30&office=udn", headers=token).status_code
        == 403
    )


def test_province_report_sets_the_offices_side_by_side(
    web: FlaskClient, offices: dict[str, Office]
) -> None:
    for code, visits in (("udn", 2), ("kkn", 1), ("lpg", 4)):
        for _ in range(visits):
            issued = web.post(
                "/api/v1/tickets", json={"service": "A"}, headers=offices[code].auth("kiosk")
            )
            assert issued.status_code == 201
    called = web.post("/api/v1/counters/1/next", headers=offices["udn"].auth("officer1"))
    assert called.status_code == 200
    no_show = web.post(
        f"/api/v1/tickets/{called.json['id']}/no-show", headers=offices["udn"].auth("officer1")
    )
    assert no_show.status_code == 200, no_show.json

    sign_in(web, "udn", "boss")
    shown = page(web, "/admin/province?lang=en")
    assert "Province total" in shown
    exported = web.get("/admin/province/export.csv")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    figures = {r["office"]: (r["section"], r["visits"], r["no_shows"]) for r in rows}
    assert figures == {
        "kkn": ("office", "1", "0"),
        "udn": ("office", "2", "1"),
        "isan": ("total", "3", "1"),
    }
    book = load_workbook(io.BytesIO(web.get("/admin/province/export.xlsx").data))
    sheet = book["offices สำนักงาน"]
    assert [c.value for c in sheet[4]][:5] == ["total", "isan", PROVINCE_NAME_TH, "North-East", 3]


def chart_of(html: str, key: str) -> str:
    """The inline SVG (or the no-data sentence) of one chart on the province page."""
    start = html.index(f'id="chart-{key}"')
    return html[start : html.index("</section>", start)]


def test_province_charts_set_the_offices_side_by_side(
    web: FlaskClient, offices: dict[str, Office], clock: list[datetime]
) -> None:
    for code in ("udn", "kkn"):
        # Open as of a stored event, so the day has the counter's available time.
        for step in ("close", "open"):
            answer = web.post(f"/api/v1/counters/1/{step}", headers=offices[code].auth("officer1"))
            assert answer.status_code == 200, answer.json
        for _ in range(2):
            issued = web.post(
                "/api/v1/tickets", json={"service": "A"}, headers=offices[code].auth("kiosk")
            )
            assert issued.status_code == 201
        called = web.post("/api/v1/counters/1/next", headers=offices[code].auth("officer1"))
        assert called.status_code == 200
        clock[0] += timedelta(minutes=6)
        done = web.post(
            f"/api/v1/tickets/{called.json['id']}/done", headers=offices[code].auth("officer1")
        )
        assert done.status_code == 200, done.json

    sign_in(web, "udn", "boss")
    english = page(web, "/admin/province?lang=en")
    thai = page(web, "/admin/province?lang=th")
    for key in ("arrivals", "service-level", "utilisation"):
        drawn = chart_of(english, key)
        assert "<svg" in drawn, key
        assert "Udon Thani" in drawn and "Khon Kaen" in drawn, key
        assert "<svg" in chart_of(thai, key) and "ขอนแก่น" in chart_of(thai, key)
    # Both offices called their one waiting ticket at once: 100% within target each.
    assert chart_of(english, "service-level").count("100% (1/1)") == 2

    download = web.get("/admin/province/chart-service_level.svg?lang=en")
    assert download.status_code == 200
    assert download.mimetype == "image/svg+xml"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.get_data(as_text=True).count("100% (1/1)") == 2
    assert web.get("/admin/province/chart-pie.svg").status_code == 404
    empty = web.get("/admin/province/chart-arrivals.svg?date=2026-01-05")
    assert empty.status_code == 404 and "ไม่มีข้อมูล" in empty.get_data(as_text=True)


def waiting(web: FlaskClient, office: Office) -> dict[str, int]:
    """How many wait for each service of the office, as its kiosk sees it."""
    answer = web.get("/api/v1/services", headers=office.auth("kiosk"))
    assert answer.status_code == 200, answer.json
    return {x["code"]: x["waiting"] for x in answer.json if x["waiting"]}


def test_a_switched_province_admin_supervises_and_acts_on_that_office_only(
    web: FlaskClient, offices: dict[str, Office]
) -> None:
    mine = [
        web.post("/api/v1/tickets", json={"service": "A"}, headers=offices["udn"].auth("kiosk"))
        for _ in range(2)
    ]
    theirs = web.post(
        "/api/v1/tickets", json={"service": "B"}, headers=offices["kkn"].auth("kiosk")
    )
    assert all(x.status_code == 201 for x in [*mine, theirs])

    csrf = sign_in(web, "udn", "boss")
    assert "Udon Thani" in page(web, "/supervisor?lang=en")
    switched = web.post("/admin/province/switch", data={"office": "kkn", "csrf_token": csrf})
    assert switched.status_code == 302
    supervision = page(web, "/supervisor?lang=en")
    assert "Khon Kaen" in supervision and "Udon Thani" not in supervision
    assert "/api/v1/events?office=kkn" in supervision
    hall = page(web, "/supervisor/hall?lang=en")
    row = hall[hall.index('id="service-B"') : hall.index("</tr>", hall.index('id="service-B"'))]
    assert '<td class="num">1</td>' in row
    row = hall[hall.index('id="service-A"') : hall.index("</tr>", hall.index('id="service-A"'))]
    assert '<td class="num">0</td>' in row  # udn's two A tickets are not kkn's

    # At a counter of kkn through the console, the next call is kkn's ticket.
    sat = web.post("/console/counter", data={"counter": "1", "csrf_token": csrf})
    assert sat.status_code == 302
    desk = page(web, "/console?lang=en")
    assert "Khon Kaen" in desk and "Udon Thani" not in desk
    called = web.post("/api/v1/counters/1/next", headers={"X-CSRF-Token": csrf})
    assert called.status_code == 200, called.json
    assert called.json["number"] == theirs.json["number"]
    assert waiting(web, offices["kkn"]) == {}
    assert waiting(web, offices["udn"]) == {"A": 2}
    # Outside the province nothing, however it is asked.
    outside = web.post("/api/v1/counters/1/next?office=lpg", headers={"X-CSRF-Token": csrf})
    assert outside.status_code == 403


def test_an_office_admin_never_supervises_another_office(
    web: FlaskClient, offices: dict[str, Office]
) -> None:
    theirs = web.post(
        "/api/v1/tickets", json={"service": "B"}, headers=offices["kkn"].auth("kiosk")
    )
    assert theirs.status_code == 201
    csrf = sign_in(web, "udn", "udn-admin")
    for url in ("/supervisor?lang=en", "/supervisor?lang=en&office=kkn"):
        shown = page(web, url)
        assert "Udon Thani" in shown and "Khon Kaen" not in shown
    hall = page(web, "/supervisor/hall?office=kkn")
    row = hall[hall.index('id="service-B"') : hall.index("</tr>", hall.index('id="service-B"'))]
    assert '<td class="num">0</td>' in row
    # kkn's stream tells them only what kkn's hall board shows anyone (no priority class).
    stream = web.get("/api/v1/events?office=kkn&last_event_id=0")
    chunks = iter(stream.response)
    next(chunks)  # retry: ...
    news = next(chunks)
    stream.close()
    assert b"ticket.issued" in news and b'"priority"' not in news
    sat = web.post("/console/counter", data={"counter": "1", "csrf_token": csrf})
    assert sat.status_code == 302
    refused = web.post("/api/v1/counters/1/next?office=kkn", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403
    assert waiting(web, offices["kkn"]) == {"B": 1}


def test_the_province_dashboard_stream_names_the_office_with_news(
    web: FlaskClient, offices: dict[str, Office]
) -> None:
    sign_in(web, "udn", "boss")
    stream = web.get("/admin/province/live/events")
    assert stream.status_code == 200 and stream.mimetype == "text/event-stream"
    chunks = iter(stream.response)
    try:
        assert next(chunks).startswith(b"retry:")
        issued = web.post(
            "/api/v1/tickets", json={"service": "A"}, headers=offices["kkn"].auth("kiosk")
        )
        assert issued.status_code == 201
        news = next(chunks)
    finally:
        stream.close()
    assert news == b'event: office.changed\ndata: {"office":"kkn"}\n\n'
    # The page then redraws that office's card alone; an office outside the province is refused.
    card = page(web, "/admin/province/live/office/kkn")
    assert 'id="office-kkn"' in card and '<b class="waiting">1</b>' in card
    assert web.get("/admin/province/live/office/lpg").status_code == 403
