"""The officer console and the supervisor dashboard in a real browser (Debian's chromium), against
one `swq server` shared by the module: live updates that leave the officer's choices alone,
refusals in Thai, no-show undo, pauses with reasons, the dashboard following the hall.

The tests run in file order on one office and each leaves counter 1 free for the next."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from queue_server.db import schema as t
from queue_server.db.engine import make_engine
from tests.browser import SCREENSHOTS
from tests.server.conftest import Office, fresh_database, load_test_office
from tests.server.people import add_user
from tests.server.processes import ServerProcess

GRACE_S = 6  # the office's no-show grace period, short so a test can outlast it
LATE_TARGET_S = 2  # service D's target wait here, so a waiting ticket passes it within a test
DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 800, "height": 1280}
# What a refusal must never show people: field names, validation wording, internal ids.
RAW = re.compile(
    r"ticket_id|reason_code|transactions|body\b|Value error|validation|Field required"
    r"|\{|\[|[0-9a-f]{32}",
    re.IGNORECASE,
)
THAI = re.compile(r"[\u0e00-\u0e7f]")


@dataclass
class Hall:
    server: ServerProcess
    office: Office
    database_url: str

    @property
    def url(self) -> str:
        return self.server.url

    def post(self, who: str, path: str, **body: object) -> requests.Response:
        return requests.post(
            f"{self.url}/api/v1{path}", json=body, headers=self.office.auth(who), timeout=10
        )

    def issue(self, service: str, **body: object) -> dict:
        response = self.post("kiosk", "/tickets", service=service, **body)
        assert response.status_code == 201, response.text
        return response.json()

    def ticket_row(self, ticket_id: str) -> sa.RowMapping:
        engine = make_engine(self.database_url)
        with engine.connect() as conn:
            row = (
                conn.execute(sa.select(t.tickets).where(t.tickets.c.id == ticket_id))
                .mappings()
                .one()
            )
        engine.dispose()
        return row

    def last_event_id(self) -> int:
        return int(requests.get(f"{self.url}/api/v1/board", timeout=10).json()["last_event_id"])


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Hall]:
    folder = tmp_path_factory.mktemp("console")
    url = fresh_database("sqlite", folder, "", sqlite_template)
    office = load_test_office(url)
    add_user(url, office.code, "manee", "see-it-all", role="supervisor")
    add_user(url, office.code, "boss", "runs-the-place", role="admin")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.offices).values(no_show_grace_s=GRACE_S, version=t.offices.c.version + 1)
        )
        # D is closed at the kiosk in the test office; open it with a target a test can pass.
        conn.execute(
            sa.update(t.services)
            .where(t.services.c.code == "D")
            .values(target_wait_s=LATE_TARGET_S, open=True)
        )
    engine.dispose()
    # The hall issues more tickets a minute than one real kiosk may.
    server = ServerProcess(
        url, log_path=folder / "server.log", env={"SWQ_KIOSK_RATE_LIMIT": "10000"}
    ).start()
    yield Hall(server, office, url)
    server.stop()


def sign_in(page: Page, url: str, username: str = "somchai", password: str = "change-me") -> None:
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#sign-in")


def console(browser: Browser, hall: Hall, viewport: dict[str, int] = DESKTOP) -> Page:
    page = browser.new_page(viewport=viewport)
    sign_in(page, hall.url)
    expect(page.locator("#counter-name")).to_contain_text("ช่องบริการ 1")
    page.wait_for_selector("body[data-ready=console]", state="attached")
    return page


def drawn_up_to(page: Page, event_id: int) -> None:
    """Wait until the page shows the hall as of `event_id` (the server stamps each drawing)."""
    page.wait_for_function(
        "id => Number(document.querySelector('[data-event-id]').dataset.eventId) >= id",
        arg=event_id,
        timeout=20_000,
    )


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def refusal_shown(page: Page, locator: str) -> str:
    text = page.locator(locator).inner_text()
    assert THAI.search(text), text
    assert not RAW.search(text), text
    return text


class EventStream(threading.Thread):
    """Thirty events in about three seconds, as in a busy hall: kiosks issuing tickets and
    counter 2 calling and finishing them."""

    def __init__(self, hall: Hall, count: int = 30) -> None:
        super().__init__(daemon=True)
        self.hall, self.count, self.sent = hall, count, 0
        self.failure: str | None = None

    def run(self) -> None:
        while self.sent < self.count and self.failure is None:
            kind = self.sent % 3
            if kind == 0:
                response = self.hall.post("kiosk", "/tickets", service="B")
            elif kind == 1:
                response = self.hall.post("officer2", "/counters/2/next")
            else:
                desk = self.hall.post("officer2", "/counters/2/next")  # busy: 409, no event
                ticket = requests.get(
                    f"{self.hall.url}/api/v1/counters/2",
                    headers=self.hall.office.auth("officer2"),
                    timeout=10,
                ).json()["ticket"]
                assert desk.status_code == 409
                response = self.hall.post("officer2", f"/tickets/{ticket['id']}/done")
            if response.status_code not in (200, 201):
                self.failure = f"{response.status_code} {response.text}"
            self.sent += 1
            time.sleep(0.1)


def test_choices_focus_and_what_is_sent_survive_thirty_events(browser: Browser, hall: Hall) -> None:
    visit = hall.issue("A", extra_services=["B"])
    waiting = hall.issue("A")
    page = console(browser, hall)
    shot(page, "console-idle-1366x768")
    page.click("#next")
    expect(page.locator("#ticket-number")).to_have_text(visit["number"])
    shot(page, "console-called-1366x768")

    stream = EventStream(hall)
    stream.start()
    # While the hall goes on, the officer works: a waiting ticket to call out of turn, the
    # transfer opened with a service and a counter picked, B unticked, a reason being typed.
    page.select_option("#call-ticket", waiting["id"])
    page.click(".transfer-box summary")
    page.select_option("#transfer-service", "C")
    page.select_option("#transfer-counter", "3")
    page.uncheck(f"#tx-{visit['id']}-B")
    page.click("#call-reason")
    page.keyboard.type("ผู้สูงอายุ นั่งรถเข็น", delay=60)
    stream.join(timeout=30)
    assert stream.failure is None, stream.failure
    assert stream.sent == 30
    drawn_up_to(page, hall.last_event_id())
    expect(page.locator("#today-served")).to_have_text("0")
    assert page.locator("#queues").inner_text() != ""

    state = page.evaluate(
        """() => ({
            ticket: document.getElementById('call-ticket').value,
            reason: document.getElementById('call-reason').value,
            open: document.querySelector('.transfer-box').open,
            service: document.getElementById('transfer-service').value,
            counter: document.getElementById('transfer-counter').value,
            ticked: [...document.querySelectorAll('#ticket input[name=tx]:checked')]
                .map(b => b.value),
            focus: document.activeElement.id,
        })"""
    )
    assert state == {
        "ticket": waiting["id"],
        "reason": "ผู้สูงอายุ นั่งรถเข็น",
        "open": True,
        "service": "C",
        "counter": "3",
        "ticked": ["A"],
        "focus": "call-reason",
    }
    shot(page, "console-choices-kept-1366x768")

    # Each action sends exactly what was chosen: done with A only...
    page.click("#done")
    expect(page.locator("#message")).to_contain_text(f"ปิดงานแล้ว {visit['number']}")
    done = hall.ticket_row(visit["id"])
    assert (done["status"], done["transactions"]) == (
        "done",
        [{"service": "A", "done": True}, {"service": "B", "done": False}],
    )
    # ...the chosen waiting ticket with the typed reason (kept in the audit log)...
    page.click("#call-chosen")
    expect(page.locator("#ticket-number")).to_have_text(waiting["number"])
    assert hall.ticket_row(waiting["id"])["counter"] == "1"
    engine = make_engine(hall.database_url)
    with engine.connect() as conn:
        audit = conn.execute(
            sa.select(t.audit_log.c.detail, t.audit_log.c.ticket, t.audit_log.c.counter)
            .where(t.audit_log.c.action.like("%/call"))
            .order_by(t.audit_log.c.id.desc())
        ).first()
    engine.dispose()
    assert audit is not None
    assert "ผู้สูงอายุ นั่งรถเข็น" in audit.detail
    assert (audit.ticket, audit.counter) == (waiting["number"], "1")
    # ...and a transfer picked while more events arrive goes where it was sent.
    page.click(".transfer-box summary")
    page.select_option("#transfer-service", "C")
    page.select_option("#transfer-counter", "3")
    for _ in range(3):
        hall.issue("A")
    drawn_up_to(page, hall.last_event_id())
    page.click("#transfer")
    expect(page.locator("#message")).to_contain_text(f"โอนแล้ว {waiting['number']}")
    moved = hall.ticket_row(waiting["id"])
    assert (moved["status"], moved["service"], moved["target_counter"]) == ("waiting", "C", "3")
    expect(page.locator("#today-transfers")).to_have_text("1")
    expect(page.locator("#no-ticket")).to_be_visible()
    page.close()


def test_no_show_asks_after_no_recall_and_undo_works_only_within_the_grace_period(
    browser: Browser, hall: Hall
) -> None:
    hall.issue("A", priority="monk")
    page = console(browser, hall, TABLET)
    page.click("#next")
    expect(page.locator("#ticket")).to_be_visible()
    number = page.locator("#ticket-number").inner_text()
    ticket_id = page.locator("#ticket").get_attribute("data-ticket")
    assert ticket_id is not None

    # No recall yet: the server refuses, the console asks, the officer confirms.
    page.click("#no-show")
    expect(page.locator("#no-show-dialog")).to_be_visible()
    refusal_shown(page, "#no-show-text")
    shot(page, "console-no-show-question-800x1280")
    page.click("#no-show-confirm")
    expect(page.locator("#undo-box")).to_be_visible()
    shot(page, "console-no-show-undo-800x1280")
    citizen = browser.new_page(viewport={"width": 390, "height": 844})
    citizen.goto(f"{hall.url}/t/{ticket_id}?key={hall.ticket_row(ticket_id)['status_key']}")
    expect(citizen.locator("#state")).to_contain_text("โต๊ะประชาสัมพันธ์")  # what to do next
    shot(citizen, "status-no-show-390x844")

    # Within the grace period: back at the counter, called.
    page.click("#undo-no-show")
    expect(page.locator("#ticket-number")).to_have_text(number)
    assert hall.ticket_row(ticket_id)["status"] == "called"
    expect(citizen.locator("#state")).to_contain_text("ช่องบริการ 1")  # live: go to counter 1
    citizen.close()

    # A recall first, then no-show needs no question; after the grace period undo is refused.
    page.click("#recall")
    expect(page.locator("#message")).to_contain_text(f"เรียกซ้ำ {number}")
    page.click("#no-show")
    expect(page.locator("#undo-box")).to_be_visible()
    expect(page.locator("#no-show-dialog")).to_be_hidden()
    time.sleep(GRACE_S + 1)
    page.click("#undo-no-show")
    expect(page.locator("#message")).to_have_class("flash error")
    text = refusal_shown(page, "#message")
    assert "เลยเวลา" in text
    assert hall.ticket_row(ticket_id)["status"] == "no_show"
    page.close()


def test_pause_with_a_listed_reason_after_the_current_ticket(browser: Browser, hall: Hall) -> None:
    hall.issue("A")
    page = console(browser, hall)
    page.click("#next")
    expect(page.locator("#ticket")).to_be_visible()
    number = page.locator("#ticket-number").inner_text()

    # The citizen lost the paper: the same number printed again here, and recorded.
    with page.context.expect_page() as opened:
        page.click("#reprint")
    expect(page.locator("#message")).to_contain_text(f"พิมพ์บัตรคิวซ้ำแล้ว {number}")
    sheet = opened.value
    expect(sheet.locator("#number")).to_have_text(number)
    shot(sheet, "console-reprint-sheet")
    sheet.close()
    engine = make_engine(hall.database_url)
    with engine.connect() as conn:
        reprinted = conn.execute(
            sa.select(t.audit_log.c.actor).where(t.audit_log.c.action == "reprint")
        ).scalars()
        assert list(reprinted) == ["somchai"]
    engine.dispose()

    page.click("#pause")
    expect(page.locator("#pause-dialog")).to_be_visible()
    page.click("#pause-confirm")  # no reason chosen: the dialog says so and stays
    refusal_shown(page, "#pause-error")
    page.check("#pause-other")
    page.click("#pause-confirm")  # "other" without words: the server's refusal, in the dialog
    expect(page.locator("#pause-error")).to_contain_text("เหตุผล")
    refusal_shown(page, "#pause-error")
    page.check("#pause-lunch")
    page.check("#pause-after")
    shot(page, "console-pause-dialog-1366x768")
    page.click("#pause-confirm")
    expect(page.locator("#pause-dialog")).to_be_hidden()
    expect(page.locator("#counter-state")).to_have_text("จะพักหลังคิวนี้ · พักกลางวัน")
    expect(page.locator("#done-next")).to_have_count(0)  # nobody is to be called after it
    shot(page, "console-pausing-after-ticket-1366x768")

    page.keyboard.press("F4")
    expect(page.locator("#counter-state")).to_have_text("พัก · พักกลางวัน")
    expect(page.locator("#next")).to_be_disabled()
    shot(page, "console-paused-1366x768")
    page.click("#resume")
    expect(page.locator("#counter-state")).to_have_text("เปิด")
    page.close()


def test_done_and_call_next_is_one_press(browser: Browser, hall: Hall) -> None:
    hall.issue("A")
    hall.issue("A")
    page = console(browser, hall)
    page.click("#next")
    expect(page.locator("#ticket")).to_be_visible()
    first_id = page.locator("#ticket").get_attribute("data-ticket")
    first = page.locator("#ticket-number").inner_text()
    page.keyboard.press("F6")
    expect(page.locator("#message")).to_contain_text(f"ปิดงานแล้ว {first} · เรียก ")
    expect(page.locator("#ticket-number")).not_to_have_text(first)
    called = page.locator("#ticket-number").inner_text()
    expect(page.locator("#message")).to_have_text(f"ปิดงานแล้ว {first} · เรียก {called}")
    assert first_id is not None and hall.ticket_row(first_id)["status"] == "done"
    shot(page, "console-done-and-next-1366x768")
    page.click("#done")  # counter 1 left free for the next test
    expect(page.locator("#no-ticket")).to_be_visible()
    page.close()


def test_refusals_from_the_api_read_as_thai_sentences(browser: Browser, hall: Hall) -> None:
    page = console(browser, hall)
    target = hall.issue("A")
    hall.issue("A")
    page.click("#next")
    expect(page.locator("#ticket")).to_be_visible()
    drawn_up_to(page, hall.last_event_id())

    # A ticket chosen here, called meanwhile at counter 3.
    chosen = page.locator("#call-ticket option").nth(1).get_attribute("value")
    assert chosen is not None
    page.select_option("#call-ticket", chosen)
    page.fill("#call-reason", "นัดหมายไว้")
    taken = hall.post("officer3", "/counters/3/call", ticket_id=chosen, reason="ทดสอบ").json()
    page.click("#call-chosen")
    expect(page.locator("#message")).to_have_class("flash error")
    refusal_shown(page, "#message")

    # A transfer to a counter that closed meanwhile.
    hall.post("officer2", "/counters/2/close")
    page.click(".transfer-box summary")
    page.select_option("#transfer-counter", "2")
    page.click("#transfer")
    expect(page.locator("#message")).to_contain_text("ช่องบริการ 2")
    refusal_shown(page, "#message")
    shot(page, "console-refusal-1366x768")

    # What the page sends, bent the ways a stale page or a hand-made request bends it.
    current = page.locator("#ticket").get_attribute("data-ticket")
    bodies = [
        ("/counters/1/call", {"ticket_id": "", "reason": "x"}),
        ("/counters/1/call", {"ticket_id": target["id"]}),
        ("/counters/1/call", {"ticket_id": target["id"], "reason": "x" * 201}),
        (f"/tickets/{current}/transfer", {}),
        (f"/tickets/{current}/transfer", {"service": "zz"}),
        (f"/tickets/{current}/done", {"transactions": ["A"] * 21}),
        (f"/tickets/{current}/no-show", {"confirm": "maybe"}),
        ("/counters/1/pause", {"reason_code": "nap"}),
        ("/counters/1/pause", {"reason": "x", "extra": 1}),
        ("/tickets/0123456789abcdef0123456789abcdef/done", {}),
    ]
    messages = page.evaluate(
        """async bodies => {
            const csrf = document.querySelector('meta[name="csrf-token"]').content;
            const out = [];
            for (const [path, body] of bodies) {
                const r = await fetch('/api/v1' + path, {method: 'POST', body: JSON.stringify(body),
                    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}});
                out.push([r.status, (await r.json()).error.message_th]);
            }
            return out;
        }""",
        bodies,
    )
    for (path, _), (status, message) in zip(bodies, messages, strict=True):
        assert 400 <= status < 500, (path, status)
        assert THAI.search(message), (path, message)
        assert not RAW.search(message), (path, message)
    hall.post("officer2", "/counters/2/open")
    hall.post("officer3", f"/tickets/{taken['id']}/done")

    # In English, the server's refusals come in English, as sentences too.
    page.goto(f"{hall.url}/console?lang=en")
    page.wait_for_selector("body[data-ready=console]", state="attached")
    expect(page.locator("#next")).to_contain_text("Call next")
    page.click("#no-show")
    expect(page.locator("#no-show-text")).to_contain_text("recall")
    assert not RAW.search(page.locator("#no-show-text").inner_text())
    shot(page, "console-english-1366x768")
    page.click("#no-show-cancel")
    page.click("#done")
    expect(page.locator("#no-ticket")).to_be_visible()
    page.goto(f"{hall.url}/console?lang=th")
    page.close()


def test_the_dashboard_follows_the_hall(browser: Browser, hall: Hall) -> None:
    for viewport, name in ((DESKTOP, "1366x768"), (TABLET, "800x1280")):
        page = browser.new_page(viewport=viewport)
        sign_in(page, hall.url, "manee", "see-it-all")
        expect(page.locator("#counters")).to_contain_text("ช่องบริการ 3")
        if name == "1366x768":
            row = page.locator("#counter-2")
            hall.post("officer2", "/counters/2/pause", reason_code="meeting")
            expect(row).to_contain_text("พัก")
            expect(row).to_contain_text("ประชุม")
            late = hall.issue("D")
            expect(page.locator("#service-D")).not_to_have_class(re.compile("late"))
            time.sleep(LATE_TARGET_S + 1)
            hall.issue("A")  # anything happening in the hall redraws the dashboard
            expect(page.locator("#service-D")).to_have_class(re.compile("late"))
            expect(page.locator("#alerts")).to_contain_text("D ")
            hall.post("officer3", "/counters/3/next")
            expect(page.locator("#counter-3")).to_contain_text("เรียกคิวแล้ว")
            assert late["number"].startswith("D")
        shot(page, f"supervisor-{name}")
        if name == "800x1280":
            # Signed out meanwhile: the next drawing leads to the sign-in page, not into this one.
            page.context.clear_cookies()
            hall.issue("A")
            expect(page).to_have_url(re.compile(r"/login\?next="))
        page.close()
    hall.post("officer2", "/counters/2/resume")


def test_the_audit_log_reads_as_sentences(browser: Browser, hall: Hall) -> None:
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, hall.url, "boss", "runs-the-place")
    page.goto(f"{hall.url}/admin/audit")
    page.select_option("#counter", "1")
    page.select_option("#action", "no-show")
    page.click("#audit-filter button[type=submit]")
    rows = page.locator("#audit tbody tr")
    expect(rows.first).to_contain_text("ไม่มาแสดงตน ที่ช่อง 1")
    for text in rows.all_inner_texts():
        assert re.search(r"บันทึก [A-Z]\d{3} ไม่มาแสดงตน ที่ช่อง 1", text), text
        assert not RAW.search(text), text
    shot(page, "admin-audit-1366x768")
    page.select_option("#action", "done-and-next")  # one row names both tickets
    page.click("#audit-filter button[type=submit]")
    expect(rows.first).to_contain_text("แล้วเรียก")
    for text in rows.all_inner_texts():
        assert re.search(r"ปิดงาน [A-Z]\d{3} ที่ช่อง 1 แล้วเรียก [A-Z]\d{3}", text), text
    page.goto(f"{hall.url}/admin/console")
    expect(page.locator("#reasons")).to_contain_text("lunch | พักกลางวัน | Lunch break")
    shot(page, "admin-console-settings-1366x768")
    page.close()
