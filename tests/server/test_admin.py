"""The admin pages through Flask's test client, on SQLite and PostgreSQL: every change is stored
and audited, a refusal says why and changes nothing, and only admins get in."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from core.office_file import dumps_office, loads_office
from core.phone_settings import PhoneSettings
from queue_server.db.engine import make_engine
from queue_server.offices import read_office
from queue_server.web.phone_qr import day_token
from tests.server.conftest import Office
from tests.server.people import add_user, sign_in
from tests.server.test_api import issue

ADMIN, ADMIN_PASSWORD = "boss", "boss-secret-77"
PAGES = [
    "/admin",
    "/admin/agencies",
    "/admin/services",
    "/admin/services/new",
    "/admin/services/A",
    "/admin/counters",
    "/admin/counters/new",
    "/admin/counters/1",
    "/admin/priority",
    "/admin/users",
    "/admin/devices",
    "/admin/kiosk",
    "/admin/booking",
    "/admin/phone",
    "/admin/audit",
]


class Db:
    """Reads the test database directly, to check what a page really stored."""

    def __init__(self, url: str, office: str) -> None:
        self.engine = make_engine(url)
        self.office = office

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params).all())

    def audit(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        rows = self.rows("SELECT actor, action, target, detail FROM audit_log ORDER BY id")
        return [(a, b, c, json.loads(d) if d else {}) for a, b, c, d in rows]

    def admin_actions(self) -> list[tuple[str, str]]:
        return [
            (action, target)
            for actor, action, target, _ in self.audit()
            if actor == ADMIN and not action.startswith("login")
        ]

    def office_file(self) -> Any:
        with self.engine.connect() as conn:
            return read_office(conn, self.office)

    def snapshot(self) -> tuple[Any, ...]:
        """Everything an admin page can change."""
        return (
            dumps_office(self.office_file()),
            self.rows("SELECT username, password_hash, role, counter FROM users ORDER BY 1"),
            self.rows("SELECT id, name, role, counter, revoked_at FROM tokens ORDER BY id"),
            self.rows("SELECT notice_th, notice_en, kiosk, version FROM offices"),
            self.rows("SELECT count(*) FROM audit_log WHERE action NOT LIKE 'login%'"),
        )


@pytest.fixture
def db(database_url: str, office: Office) -> Iterator[Db]:
    db = Db(database_url, office.code)
    yield db
    db.engine.dispose()


@pytest.fixture
def admin(client: FlaskClient, office: Office, database_url: str) -> Iterator[Admin]:
    add_user(database_url, office.code, ADMIN, ADMIN_PASSWORD, role="admin")
    yield Admin(client, sign_in(client, ADMIN, ADMIN_PASSWORD))


class Admin:
    def __init__(self, client: FlaskClient, csrf: str) -> None:
        self.client = client
        self.csrf = csrf

    def post(self, url: str, **data: Any) -> Any:
        return self.client.post(url, data={"csrf_token": self.csrf, **data})

    def page(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, url
        return response.get_data(as_text=True)

    def ok(self, url: str, **data: Any) -> str:
        """Post a change that must succeed; returns the page it leads to, with its message."""
        response = self.post(url, **data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return self.page(response.headers["Location"])


SERVICE_E = {
    "code": "E",
    "agency": "dopa",
    "name_th": "ใบอนุญาตก่อสร้าง",
    "name_en": "Building permit",
    "target_wait_min": "25",
    "default_service_min": "8",
    "daily_quota": "40",
    "open": "on",
    "number_width": "4",
    "number_start": "100",
    "number_end": "",
}


def test_every_page_renders_in_thai_and_english(admin: Admin) -> None:
    for url in PAGES:
        thai = admin.page(url)
        assert 'lang="th"' in thai and "สำนักงาน" in thai, url
        english = admin.page(url + "?lang=en")
        assert 'lang="en"' in english and "Office" in english, url
        admin.page(url + "?lang=th")


def test_office_settings_and_notice_are_stored_and_audited(admin: Admin, db: Db) -> None:
    page = admin.ok(
        "/admin/office",
        name_th="ศูนย์บริการร่วม อุดรธานี",
        name_en="Udon Thani OSS",
        hours="08:30-16:30",
        timezone="Asia/Bangkok",
        policy="fifo",
    )
    assert "บันทึกการตั้งค่าสำนักงานแล้ว" in page
    config = db.office_file().config
    assert (config.office.name_th, str(config.office.hours)) == (
        "ศูนย์บริการร่วม อุดรธานี",
        "08:30-16:30",
    )
    assert config.policy == "fifo" and config.transfer_keeps_place is False
    admin.ok("/admin/notice", notice_th="ปิดปรับปรุงระบบ 12:00", notice_en="Closed at noon")
    office = admin.client.get("/api/v1/office").json
    assert (office["notice_th"], office["notice_en"]) == ("ปิดปรับปรุงระบบ 12:00", "Closed at noon")
    assert office["hours"] == "08:30-16:30"
    audit = {action: detail for _, action, _, detail in db.audit()}
    assert audit["office.settings"]["policy"] == ["weighted", "fifo"]
    assert audit["office.settings"]["hours"] == ["", "08:30-16:30"]
    assert audit["office.notice"]["notice_en"] == "Closed at noon"
    # Saving the same again changes nothing and writes no audit row.
    before = db.snapshot()
    assert "ไม่มีอะไรเปลี่ยนแปลง" in admin.ok(
        "/admin/notice", notice_th="ปิดปรับปรุงระบบ 12:00", notice_en="Closed at noon"
    )
    assert db.snapshot() == before


def test_agencies_are_added_renamed_and_removed(admin: Admin, db: Db) -> None:
    admin.ok("/admin/agencies", code="dlt", name_th="กรมการขนส่งทางบก", name_en="Land Transport")
    admin.ok("/admin/agencies/dlt", name_th="สำนักงานขนส่ง", name_en="Transport Office")
    assert db.office_file().config.agencies["dlt"].name_th == "สำนักงานขนส่ง"
    refused = admin.post("/admin/agencies/rd/remove")
    assert refused.status_code == 422
    assert "หน่วยงานนี้ยังมีบริการ C, D" in refused.get_data(as_text=True)
    admin.ok("/admin/agencies/dlt/remove")
    assert set(db.office_file().config.agencies) == {"dopa", "rd"}
    assert db.admin_actions() == [
        ("agency.add", "dlt"),
        ("agency.edit", "dlt"),
        ("agency.remove", "dlt"),
    ]


def test_service_with_its_numbering_is_added_edited_and_removed(
    admin: Admin, db: Db, client: FlaskClient, office: Office
) -> None:
    page = admin.ok("/admin/services", **SERVICE_E)
    assert "เพิ่มบริการแล้ว" in page and "ใบอนุญาตก่อสร้าง" in page
    service = db.office_file().config.services["E"]
    assert (service.target_wait_s, service.default_service_s, service.daily_quota) == (
        1500,
        480,
        40,
    )
    assert (service.numbering.width, service.numbering.start, service.open) == (4, 100, True)
    ticket = issue(client, office, "E")
    assert ticket["number"] == "E0100"
    closed = {**SERVICE_E, "open": "", "target_wait_min": "30"}
    del closed["code"]
    admin.ok("/admin/services/E", **closed)
    assert db.office_file().config.services["E"].open is False
    refused = admin.post("/admin/services/E/remove")
    assert refused.status_code == 422
    assert "ยังมีบัตรคิวค้างอยู่" in refused.get_data(as_text=True)
    assert "E" in db.office_file().config.services
    client.post(f"/api/v1/tickets/{ticket['id']}/cancel", headers=office.auth("admin"))
    admin.ok("/admin/services/E/remove")
    assert "E" not in db.office_file().config.services
    actions = db.admin_actions()
    assert actions == [("service.add", "E"), ("service.edit", "E"), ("service.remove", "E")]
    edit = next(detail for _, action, _, detail in db.audit() if action == "service.edit")
    assert edit == {"open": [True, False], "target_wait_s": [1500, 1800]}


def test_removing_a_service_drops_it_from_counters_but_never_empties_one(
    admin: Admin, db: Db
) -> None:
    admin.ok("/admin/services", **SERVICE_E)
    admin.ok("/admin/counters", code="9", name_th="ช่อง 9", name_en="Desk 9", weight_E="1")
    refused = admin.post("/admin/services/E/remove")
    assert refused.status_code == 422
    assert "ช่องบริการ 9 ให้บริการนี้เพียงอย่างเดียว" in refused.get_data(as_text=True)
    admin.ok("/admin/services/C/remove")
    profiles = {c.code: dict(c.profile.weights) for c in db.office_file().counters}
    assert profiles["2"] == {"B": 2} and profiles["3"] == {"A": 1, "B": 1}


def test_counter_with_its_work_profile_is_added_edited_and_removed(admin: Admin, db: Db) -> None:
    admin.ok(
        "/admin/counters",
        code="4",
        name_th="ช่องบริการ 4",
        name_en="Counter 4",
        weight_A="2",
        weight_C="5",
        weight_D="0",
        weight_B="",
    )
    counter = next(c for c in db.office_file().counters if c.code == "4")
    assert dict(counter.profile.weights) == {"A": 2, "C": 5}
    admin.ok("/admin/counters/4", name_th="ช่อง 4", name_en="Desk 4", weight_D="1")
    counter = next(c for c in db.office_file().counters if c.code == "4")
    assert (counter.name_en, dict(counter.profile.weights)) == ("Desk 4", {"D": 1})
    admin.ok("/admin/counters/4/remove")
    assert [c.code for c in db.office_file().counters] == ["1", "2", "3"]
    # Counter 1 has the account somchai and the token officer1 bound to it.
    refused = admin.post("/admin/counters/1/remove")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "somchai" in text and "officer1" in text
    assert db.admin_actions() == [
        ("counter.add", "4"),
        ("counter.edit", "4"),
        ("counter.remove", "4"),
    ]
    assert db.audit()[-2][3]["services"] == [{"A": 2, "C": 5}, {"D": 1}]


def test_priority_settings_are_stored(admin: Admin, db: Db) -> None:
    admin.ok(
        "/admin/priority",
        classes="normal\nelderly\nnovice",
        weight_elderly="3",
        max_priority_in_row="1",
        long_wait_guard_pct="90",
    )
    priority = db.office_file().config.priority
    assert priority.classes == ("normal", "elderly", "novice")
    assert dict(priority.weights) == {"elderly": 3}
    assert (priority.max_priority_in_row, priority.long_wait_guard) == (1, False)
    assert priority.long_wait_guard_at == pytest.approx(0.9)
    assert db.admin_actions() == [("priority.edit", "udn")]


def test_an_office_names_its_own_class_and_every_screen_uses_the_name(
    admin: Admin, db: Db, client: FlaskClient, office: Office
) -> None:
    form = {
        "classes": "normal\nelderly\nwelfare",
        "max_priority_in_row": "2",
        "long_wait_guard": "on",
        "long_wait_guard_pct": "80",
    }
    admin.ok("/admin/priority", **form)
    page = admin.page("/admin/priority")
    assert 'name="name_th_welfare"' in page and "(welfare)" in page  # unnamed: its code

    before = db.snapshot()
    half_named = admin.post("/admin/priority", **form, name_th_welfare="ผู้ถือบัตรสวัสดิการแห่งรัฐ")
    assert half_named.status_code == 422
    assert "ทั้งภาษาไทยและภาษาอังกฤษ" in half_named.get_data(as_text=True)
    assert db.snapshot() == before

    welfare = ("ผู้ถือบัตรสวัสดิการแห่งรัฐ", "State welfare card holder")
    admin.ok("/admin/priority", **form, name_th_welfare=welfare[0], name_en_welfare=welfare[1])
    assert db.office_file().config.priority.name("welfare") == welfare
    assert "names" in dumps_office(db.office_file())
    # The kiosk's choices come from the office document.
    document = client.get("/api/v1/office", headers=office.auth("kiosk")).get_json()
    classes = {c["code"]: (c["name_th"], c["name_en"]) for c in document["priority_classes"]}
    assert classes == {
        "normal": ("ทั่วไป", "General"),
        "elderly": ("ผู้สูงอายุ", "Elderly"),
        "welfare": welfare,
    }
    # The officer's console names the class of the ticket at the counter.
    issue(client, office, "A", priority="welfare")
    called = client.post("/api/v1/counters/1/next", headers=office.auth("officer1"))
    assert called.status_code == 200, called.get_data(as_text=True)
    desk = client.get("/api/v1/counters/1", headers=office.auth("officer1")).get_json()
    assert (desk["ticket"]["priority_name_th"], desk["ticket"]["priority_name_en"]) == welfare


def test_priority_class_with_queued_tickets_cannot_be_removed(
    admin: Admin, db: Db, client: FlaskClient, office: Office
) -> None:
    issue(client, office, "A", priority="monk")
    before = db.snapshot()
    refused = admin.post(
        "/admin/priority",
        classes="normal\nelderly",
        max_priority_in_row="2",
        long_wait_guard="on",
        long_wait_guard_pct="80",
    )
    assert refused.status_code == 422
    assert "monk" in refused.get_data(as_text=True)
    assert db.snapshot() == before


def test_accounts_keep_passwords_hashed_and_out_of_logs(
    admin: Admin, db: Db, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret, other = "first-pass-123", "second-pass-456"
    admin.ok("/admin/users", username="malee", password=secret, role="officer", counter="2")
    assert "malee" in admin.page("/admin/users")
    admin.ok("/admin/users/malee/password", password=other)
    admin.ok("/admin/users/malee/role", role="admin", counter="")
    users = {
        row[0]: row[1:]
        for row in db.rows("SELECT username, password_hash, role, counter FROM users")
    }
    password_hash, role, counter = users["malee"]
    assert (role, counter) == ("admin", None)
    assert password_hash.startswith("scrypt:") and secret not in password_hash
    malee = admin.client.application.test_client()
    sign_in(malee, "malee", other)  # the new password works
    admin.ok("/admin/users/malee/remove")
    assert "malee" not in {row[0] for row in db.rows("SELECT username FROM users")}
    assert db.admin_actions() == [
        ("user.add", "malee"),
        ("user.password", "malee"),
        ("user.role", "malee"),
        ("user.remove", "malee"),
    ]
    stored = db.rows("SELECT detail FROM audit_log") + db.rows("SELECT password_hash FROM users")
    everything = json.dumps([list(r) for r in stored], ensure_ascii=False) + caplog.text
    for password in (secret, other, ADMIN_PASSWORD):
        assert password not in everything
    for url in ("/admin/users", "/admin/audit"):
        assert secret not in admin.page(url) and other not in admin.page(url)


def test_an_admin_cannot_lock_themselves_out(admin: Admin, db: Db) -> None:
    before = db.snapshot()
    assert admin.post(f"/admin/users/{ADMIN}/remove").status_code == 422
    demoted = admin.post(f"/admin/users/{ADMIN}/role", role="officer", counter="1")
    assert demoted.status_code == 422
    assert "ลดสิทธิ์ของตนเองไม่ได้" in demoted.get_data(as_text=True)
    assert db.snapshot() == before
    # Changing one's own password keeps this browser signed in.
    admin.ok(f"/admin/users/{ADMIN}/password", password="a-brand-new-one")
    assert admin.client.get("/admin").status_code == 200


def test_device_token_is_shown_once_works_and_is_revoked(
    admin: Admin, db: Db, client: FlaskClient
) -> None:
    response = admin.post("/admin/devices/tokens", role="kiosk", name="ตู้ประตู 2")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    start = html.index('id="token">') + len('id="token">')
    token = html[start : html.index("<", start)]
    assert token.startswith("swq_")
    beat = client.post(
        "/api/v1/devices/heartbeat",
        json={"printer": "paper_out", "detail": "ฝาเปิด", "version": "1.2"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert beat.status_code == 200
    devices = admin.page("/admin/devices")
    assert token not in devices and token not in admin.page("/admin/audit")
    assert "ตู้ประตู 2" in devices and "กระดาษหมด" in devices and "ออนไลน์" in devices
    assert "ตู้ประตู 2" in admin.page("/admin")  # the home page lists devices needing attention
    token_id, revoked = db.rows("SELECT id, revoked_at FROM tokens WHERE name = 'ตู้ประตู 2'")[0]
    assert revoked is None
    page = admin.ok(f"/admin/devices/tokens/{token_id}/revoke")
    assert "ยกเลิกโทเคนแล้ว" in page and "5 วินาที" in page
    assert db.rows("SELECT revoked_at FROM tokens WHERE id = :i", i=token_id)[0][0] is not None
    officer = admin.post("/admin/devices/tokens", role="officer", name="desk", counter="")
    assert officer.status_code == 422
    assert "ต้องผูกกับช่องบริการ" in officer.get_data(as_text=True)
    assert db.admin_actions() == [("token.create", "ตู้ประตู 2"), ("token.revoke", "ตู้ประตู 2")]
    assert not any(token in json.dumps(d) for *_, d in db.audit())


def test_device_without_a_recent_heartbeat_is_offline(admin: Admin, db: Db) -> None:
    page = admin.page("/admin/devices")
    # The test office's kiosks have never beaten.
    assert page.count("ยังไม่เคยติดต่อ") == 3  # kiosk, kiosk2, display
    assert "ออฟไลน์" in page


def test_kiosk_layout_reaches_the_office_document(
    admin: Admin, db: Db, client: FlaskClient
) -> None:
    admin.ok(
        "/admin/kiosk",
        show_C="on",
        order_C="1",
        show_A="on",
        order_A="2",
        ask_extra_services="on",
        featured_A="on",
    )
    kiosk = client.get("/api/v1/office").json["kiosk"]
    assert kiosk == {
        "services": ["C", "A"],
        "ask_priority": False,
        "ask_extra_services": True,
        "featured": ["A"],
    }
    admin.ok("/admin/services", **SERVICE_E)  # a new service joins the chosen buttons
    assert client.get("/api/v1/office").json["kiosk"]["services"] == ["C", "A", "E"]
    assert client.get("/api/v1/office").json["kiosk"]["featured"] == ["A"]
    assert ("kiosk.layout", "udn") in db.admin_actions()
    # a featured service the kiosk does not show: refused, the form keeps what was typed
    refused = admin.post("/admin/kiosk", show_C="on", order_C="1", featured_B="on")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "บริการแนะนำต้องแสดงบนตู้ด้วย: B" in page
    assert 'name="featured_B" style="width:1.3rem;height:1.3rem" checked' in page
    assert client.get("/api/v1/office").json["kiosk"]["featured"] == ["A"]


def test_board_sound_reaches_the_office_document_and_bad_values_are_refused(
    admin: Admin, db: Db, client: FlaskClient
) -> None:
    assert client.get("/api/v1/office").json["sound"] == {
        "chime": True,
        "languages": "th",
        "repeat": 1,
        "volume": 100,
        "quiet_from": "",
        "quiet_until": "",
    }
    sound = {"languages": "th,en", "repeat": "2", "volume": "60"}
    admin.ok("/admin/sound", **sound, quiet_from="12:00", quiet_until="13:00")
    assert client.get("/api/v1/office").json["sound"] == {
        "chime": False,
        "languages": "th,en",
        "repeat": 2,
        "volume": 60,
        "quiet_from": "12:00",
        "quiet_until": "13:00",
    }
    audit = {action: detail for _, action, _, detail in db.audit()}
    assert audit["office.sound"]["volume"] == [100, 60]
    before = db.snapshot()
    for bad, says in [
        ({**sound, "volume": "150"}, "ระดับเสียง"),
        ({**sound, "languages": "fr"}, "ภาษาเสียงเรียก"),
        ({**sound, "quiet_from": "12:00"}, "ช่วงเงียบ"),
        ({**sound, "quiet_from": "25:00", "quiet_until": "13:00"}, "ช่วงเงียบ"),
    ]:
        response = admin.post("/admin/sound", **bad)
        assert response.status_code == 422 and says in response.get_data(as_text=True)
    assert db.snapshot() == before


def test_audit_log_is_newest_first_paged_and_filtered(admin: Admin, db: Db) -> None:
    for i in range(60):
        admin.ok("/admin/notice", notice_th=f"ประกาศ {i}", notice_en=f"notice {i}")
    admin.ok("/admin/agencies", code="dlt", name_th="ขนส่ง", name_en="Transport")
    first = admin.page("/admin/audit")
    assert first.index("<td>เพิ่มหน่วยงาน dlt</td>") < first.index("<td>แก้ไขข้อความประกาศ</td>")
    assert first.count("<tr>") == 51  # the header and a page of 50
    older = first[first.index('id="older" href="') + 17 :]
    second = admin.page(older[: older.index('"')].replace("&amp;", "&"))
    assert "<td>เข้าสู่ระบบ</td>" in second and "<td>เพิ่มหน่วยงาน dlt</td>" not in second
    assert second.count("<tr>") == 13  # the header, 60 notices + sign-in + agency - 50
    only = admin.page("/admin/audit?action=agency")
    assert "<td>เพิ่มหน่วยงาน dlt</td>" in only and "<td>แก้ไขข้อความประกาศ</td>" not in only
    assert "<td>เข้าสู่ระบบ</td>" in admin.page(f"/admin/audit?actor={ADMIN}&action=login")
    assert "ไม่มีรายการ" in admin.page("/admin/audit?actor=nobody")
    assert "Added agency dlt" in admin.page("/admin/audit?lang=en")


BAD_INPUT = [
    (
        "/admin/office",
        {"name_th": "", "name_en": "x", "timezone": "Asia/Bangkok", "policy": "weighted"},
        "กรุณากรอกชื่อภาษาไทย",
    ),
    (
        "/admin/office",
        {
            "name_th": "ก",
            "name_en": "x",
            "hours": "16:30-08:30",
            "timezone": "Asia/Bangkok",
            "policy": "weighted",
        },
        "เวลาปิดต้องหลังเวลาเปิด",
    ),
    (
        "/admin/office",
        {
            "name_th": "ก",
            "name_en": "x",
            "hours": "8 to 5",
            "timezone": "Asia/Bangkok",
            "policy": "weighted",
        },
        "08:30-16:30",
    ),
    (
        "/admin/office",
        {"name_th": "ก", "name_en": "x", "timezone": "Mars/Olympus", "policy": "weighted"},
        "ไม่รู้จักเขตเวลา",
    ),
    (
        "/admin/office",
        {"name_th": "ก", "name_en": "x", "timezone": "Asia", "policy": "weighted"},
        "ไม่รู้จักเขตเวลา",
    ),
    (
        "/admin/office",
        {"name_th": "ก", "name_en": "x", "timezone": "Asia/Bangkok", "policy": "random"},
        "ไม่รู้จักนโยบาย",
    ),
    ("/admin/notice", {"notice_th": "ก" * 501, "notice_en": ""}, "ไม่เกิน 500"),
    ("/admin/agencies", {"code": "dopa", "name_th": "ก", "name_en": "x"}, "มีหน่วยงานรหัส dopa"),
    ("/admin/agencies", {"code": "a b", "name_th": "ก", "name_en": "x"}, "ใช้ได้เฉพาะ"),
    ("/admin/agencies/nope", {"name_th": "ก", "name_en": "x"}, "ไม่พบหน่วยงาน"),
    ("/admin/services", {**SERVICE_E, "code": "A"}, "มีบริการรหัส A"),
    ("/admin/services", {**SERVICE_E, "code": "E1"}, "อักษรภาษาอังกฤษตัวใหญ่"),
    ("/admin/services", {**SERVICE_E, "agency": "nasa"}, "ไม่พบหน่วยงาน nasa"),
    ("/admin/services", {**SERVICE_E, "target_wait_min": "0"}, "ต้องอยู่ระหว่าง 1"),
    ("/admin/services", {**SERVICE_E, "daily_quota": "ten"}, "ต้องเป็นจำนวนเต็ม"),
    ("/admin/services", {**SERVICE_E, "number_width": "9"}, "จำนวนหลัก"),
    ("/admin/services", {**SERVICE_E, "number_end": "5"}, "เลขสุดท้าย"),
    ("/admin/services", {**SERVICE_E, "daily_quota": "99999999999"}, "ต้องอยู่ระหว่าง"),
    ("/admin/services", {**SERVICE_E, "name_en": "x" * 201}, "ไม่เกิน 200"),
    ("/admin/services/Z", SERVICE_E, "ไม่พบบริการ Z"),
    ("/admin/services/Z/remove", {}, "ไม่พบบริการ Z"),
    ("/admin/counters", {"code": "9", "name_th": "ก", "name_en": "x"}, "อย่างน้อยหนึ่งรายการ"),
    (
        "/admin/counters",
        {"code": "1", "name_th": "ก", "name_en": "x", "weight_A": "1"},
        "มีช่องบริการรหัส 1",
    ),
    (
        "/admin/counters",
        {"code": "9", "name_th": "ก", "name_en": "x", "weight_A": "-1"},
        "ต้องอยู่ระหว่าง 0",
    ),
    (
        "/admin/counters",
        {"code": "9/1", "name_th": "ก", "name_en": "x", "weight_A": "1"},
        "ใช้ได้เฉพาะ",
    ),
    ("/admin/counters/1", {"name_th": "ก", "name_en": "x", "weight_A": "1.5"}, "จำนวนเต็ม"),
    (
        "/admin/priority",
        {"classes": "normal\nnormal", "max_priority_in_row": "2", "long_wait_guard_pct": "80"},
        "ไม่ซ้ำกัน",
    ),
    (
        "/admin/priority",
        {"classes": "", "max_priority_in_row": "2", "long_wait_guard_pct": "80"},
        "ไม่ว่าง",
    ),
    (
        "/admin/priority",
        {"classes": "normal\nVIP!", "max_priority_in_row": "2", "long_wait_guard_pct": "80"},
        "VIP!",
    ),
    (
        "/admin/priority",
        {"classes": "normal", "max_priority_in_row": "2", "long_wait_guard_pct": "0"},
        "ต้องอยู่ระหว่าง 1",
    ),
    (
        "/admin/users",
        {"username": "somchai", "password": "long-enough-1", "role": "officer", "counter": "1"},
        "มีบัญชี somchai",
    ),
    (
        "/admin/users",
        {"username": "new", "password": "short", "role": "officer", "counter": "1"},
        "รหัสผ่านต้องยาว",
    ),
    (
        "/admin/users",
        {"username": "new", "password": "long-enough-1", "role": "officer", "counter": ""},
        "เจ้าหน้าที่ต้องมีช่องบริการ",
    ),
    (
        "/admin/users",
        {"username": "new", "password": "long-enough-1", "role": "kiosk"},
        "กรุณาเลือกบทบาท",
    ),
    (
        "/admin/users",
        {"username": "ชื่อไทย", "password": "long-enough-1", "role": "admin"},
        "ชื่อผู้ใช้ใช้ได้เฉพาะ",
    ),
    ("/admin/users/somchai/role", {"role": "officer", "counter": "99"}, "ไม่พบช่องบริการ 99"),
    ("/admin/users/nobody/password", {"password": "long-enough-1"}, "ไม่พบบัญชี nobody"),
    ("/admin/devices/tokens", {"role": "kiosk", "name": " "}, "กรุณากรอกชื่ออุปกรณ์"),
    ("/admin/devices/tokens", {"role": "robot", "name": "r"}, "กรุณาเลือกประเภทโทเคน"),
    ("/admin/devices/tokens", {"role": "officer", "name": "r", "counter": "99"}, "ไม่พบช่องบริการ"),
    ("/admin/devices/tokens/999/revoke", {}, "ไม่พบโทเคน"),
    ("/admin/kiosk", {"ask_priority": "on"}, "อย่างน้อยหนึ่งบริการ"),
    ("/admin/kiosk", {"show_A": "on", "order_A": "first"}, "จำนวนเต็ม"),
]


@pytest.mark.parametrize(("url", "data", "says"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_says_why_and_changes_nothing(
    admin: Admin, db: Db, url: str, data: dict[str, str], says: str
) -> None:
    before = db.snapshot()
    response = admin.post(url, **data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="flash error"' in html and says in html, html[html.find("flash error") :][:300]
    assert db.snapshot() == before


def test_refused_form_keeps_what_was_typed(admin: Admin) -> None:
    response = admin.post("/admin/services", **{**SERVICE_E, "target_wait_min": "0"})
    html = response.get_data(as_text=True)
    assert 'value="ใบอนุญาตก่อสร้าง"' in html and 'value="E"' in html
    english = admin.client.post(
        "/admin/services?lang=en", data={"csrf_token": admin.csrf, **SERVICE_E, "code": "A"}
    )
    assert "Service A already exists." in english.get_data(as_text=True)


def _admin_routes(client: FlaskClient) -> list[tuple[str, str]]:
    """Every admin URL and method, with sample values for its parts."""
    samples = {
        "service_code": "A",
        "counter_code": "1",
        "agency_code": "dopa",
        "username": "somchai",
        "token_id": "1",
        "pack_id": "1",
    }
    routes = []
    for rule in client.application.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<{name}>", samples[name]).replace(
                    f"<int:{name}>", samples[name]
                )
            routes += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_officer_is_refused_every_admin_page(client: FlaskClient, office: Office, db: Db) -> None:
    csrf = sign_in(client, "somchai", "change-me")
    before = db.snapshot()
    routes = _admin_routes(client)
    assert len(routes) >= 30
    for method, url in routes:
        response = client.open(url, method=method, data={"csrf_token": csrf})
        assert response.status_code == 403, (method, url)
    assert db.snapshot() == before


def test_signed_out_visitor_is_sent_to_sign_in(client: FlaskClient, office: Office) -> None:
    for method, url in _admin_routes(client):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login?next=")


def test_post_without_the_csrf_token_is_refused(admin: Admin, db: Db) -> None:
    before = db.snapshot()
    for method, url in _admin_routes(admin.client):
        if method == "POST":
            wrong = admin.client.post(url, data={"csrf_token": "forged", "name_th": "x"})
            missing = admin.client.post(url, data={"name_th": "x"})
            assert (wrong.status_code, missing.status_code) == (400, 400), url
    assert db.snapshot() == before


def _phone_door(app: Flask, office: str) -> str:
    today = datetime.now(ZoneInfo("Asia/Bangkok")).date()
    return f"/phone/{office}/{day_token(str(app.secret_key), office, today)}"


def test_admin_switches_phone_tickets_off_and_the_office_file_keeps_it(
    app: Flask, admin: Admin, db: Db
) -> None:
    door = _phone_door(app, db.office)
    assert admin.client.get(door).status_code == 200
    poster = admin.page("/admin/phone/poster")
    assert "<svg" in poster and "สแกนเพื่อรับบัตรคิว" in poster

    page = admin.ok(
        "/admin/phone", notify_ahead="5", webhook_url="https://sms.example.org/hook?key=s3cret"
    )
    assert "บันทึกการตั้งค่าบัตรคิวทางโทรศัพท์แล้ว" in page
    stored = db.office_file().phone
    assert stored == PhoneSettings(False, 5, "https://sms.example.org/hook?key=s3cret")
    # The audit log says the address changed, never what it is (it may carry the gateway's key).
    assert "s3cret" not in str(db.audit())
    assert loads_office(dumps_office(db.office_file())).phone == stored

    refused = admin.client.get(door, headers={"Accept": "text/html"})
    assert refused.status_code == 403
    assert "ปิดการรับบัตรคิวทางโทรศัพท์" in refused.get_data(as_text=True)

    bad = admin.post("/admin/phone", tickets="on", notify_ahead="3", webhook_url="ftp://x")
    assert bad.status_code == 422
    assert "ต้องเป็นที่อยู่ http:// หรือ https://" in bad.get_data(as_text=True)
    assert db.office_file().phone == stored
