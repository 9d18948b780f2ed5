"""Featured services, end to end: an admin of a 60-service office (loaded by `swq office load`
from a file whose `[kiosk]` names no service, so every one is shown) picks them in a real
browser, is refused a sixth, and a citizen at the real kiosk window then reaches one that lies
on page 3 of its agency in 4 taps instead of 7 (tests/kiosk/test_kiosk_large_office.py), its
ticket printed through a TCP byte sink with the agency and the extra service on the paper.
Left alone afterwards, the kiosk draws no frame."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from core.office_file import MAX_FEATURED
from tests.kiosk.catalogue import AGENCIES, catalogue, office_toml
from tests.kiosk.escpos_decode import decode
from tests.kiosk.links import TcpPrinter
from tests.kiosk.test_kiosk_window import rows
from tests.kiosk.test_ticket import SCREENSHOTS
from tests.kiosk.window import KioskProcess
from tests.server.conftest import Office, load_test_office
from tests.server.people import add_user
from tests.server.processes import ServerProcess

pytestmark = pytest.mark.faults
ADMIN, PASSWORD = "boss", "boss-secret-77"
KIOSK = "\n[kiosk]\nask_priority = true\nask_extra_services = true\n"
# the service test_kiosk_large_office.py reaches on page 3 of agency ag1 in 7 taps
PAGE_3 = "AH"


@pytest.fixture
def office(sqlite_url: str, tmp_path: Path) -> Office:
    path = tmp_path / "office60.toml"
    path.write_text(office_toml(60, 3) + KIOSK)
    loaded = load_test_office(sqlite_url, path)
    add_user(sqlite_url, loaded.code, ADMIN, PASSWORD, role="admin")
    return loaded


@pytest.fixture
def server(sqlite_url: str, office: Office, tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    yield server
    server.stop()


def test_the_admin_features_a_service_and_a_citizen_reaches_it_in_fewer_taps(
    browser: Browser, server: ServerProcess, office: Office, sqlite_url: str, tmp_path: Path
) -> None:
    _, services = catalogue(60, 3)
    codes = [s["code"] for s in services]
    chosen = [PAGE_3, *(c for c in codes[::11] if c != PAGE_3)][: MAX_FEATURED + 1]

    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{server.url}/login")
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.goto(f"{server.url}/admin/kiosk")
    for code in chosen:
        page.check(f"#featured_{code}")
    page.get_by_role("button", name="บันทึก").click()
    expect(page.locator(".flash.error")).to_contain_text(
        f"หน้าแรกของตู้แสดงบริการแนะนำได้ไม่เกิน {MAX_FEATURED} บริการ (เลือกไว้ {MAX_FEATURED + 1})"
    )
    expect(page.locator(f"#featured_{chosen[-1]}")).to_be_checked()  # what was typed stays
    page.screenshot(path=SCREENSHOTS / "admin-kiosk-featured-refused.png")
    page.uncheck(f"#featured_{chosen[-1]}")
    page.get_by_role("button", name="บันทึก").click()
    expect(page.locator(".flash.ok")).to_contain_text("บันทึกปุ่มตู้กดบัตรคิวแล้ว")
    expect(page.locator(f"#featured_{PAGE_3}")).to_be_checked()
    page.close()

    printer = TcpPrinter()
    window = KioskProcess(
        server.url, office.tokens["kiosk"], printer.uri + "?mode=text&profile=TM-T88II", tmp_path
    )
    try:
        window.send("wait home")
        state = window.state()
        # the first screen: the featured services in the kiosk's order, then every service
        featured = [c for c in codes if c in chosen[:MAX_FEATURED]]
        assert list(state["buttons"]) == [*featured, "*"]
        assert state["buttons"]["*"]["title"] == "บริการทั้งหมด ▶"
        assert state["buttons"]["*"]["detail"] == "60 บริการ · 3 หน่วยงาน"
        window.send(f"screenshot {SCREENSHOTS / 'kiosk-60-featured.png'}")
        taps = 0

        def tap(command: str) -> None:
            nonlocal taps
            window.send(command)
            taps += 1

        tap(f"tap_service {PAGE_3}")
        window.send("wait priority")
        tap("tap_choice elderly")
        window.send("wait extras")
        extra = next(
            s for s in services if s["agency"] == "ag1" and s["code"] != PAGE_3 and s["open"]
        )
        tap(f"tap_choice {extra['code']}")
        tap("tap_widget extras done")
        window.send("wait result")
        window.send("wait_print")
        assert taps == 4  # 7 through the agencies and pages

        (job,) = printer.wait_jobs(1)
        paper = bytes(decode(job).text)
        name = next(s["name_th"] for s in services if s["code"] == PAGE_3)
        number = window.state()["texts"]["number"]
        for words in (AGENCIES[1][0], name, extra["name_th"], number):
            assert words.encode("cp874") in paper, words
        assert rows(sqlite_url, "SELECT number, service FROM tickets") == [(number, PAGE_3)]

        window.send("tap_result")
        window.send("wait home")
        window.send("tap_tile *")  # the way to every service, and back
        state = window.state()
        assert (state["texts"]["title"], sorted(state["buttons"])) == (
            "กรุณาเลือกหน่วยงาน",
            ["ag0", "ag1", "ag2"],
        )
        assert state["texts"]["up"] == "◀ หน้าแรก"
        window.send("tap_widget home up")
        assert list(window.state()["buttons"])[-1] == "*"
        # left alone on its first screen the kiosk draws nothing (idle CPU near zero)
        window.send("redraws 1")  # the last tap's frames
        assert window.send("redraws 4")["frames"] == 0
    finally:
        alive = window.alive
        window.close()
        printer.close()
    assert alive, f"the kiosk died:\n{window.log()}"
    assert "Traceback" not in window.log()
