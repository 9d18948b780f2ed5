"""The kiosk's decisions without a window: fakes for the server and the printer."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from core.codec import CodecError
from core.office_file import MAX_FEATURED
from kiosk.api import Refused
from kiosk.home_pages import tiles_per_page
from kiosk.office import PriorityClass, office_from_json
from kiosk.presenter import (
    HEARTBEAT_S,
    IDLE_S,
    IDLE_WARNING_S,
    NOTE_NUMBER_S,
    RESULT_S,
    RETRY_S,
    PrintState,
    Screen,
)
from kiosk.printer import PrinterStatus
from kiosk.priority_pictograms import FOLDER, PICTOGRAMS
from kiosk.texts import Lang
from tests.kiosk.catalogue import catalogue
from tests.kiosk.fakes import CLASSES, Deferred, FakeApi, FakePrinter, office, presenter, service


def test_home_shows_services_by_agency_in_the_office_order() -> None:
    p, *_ = presenter()
    assert p.screen is Screen.HOME
    view = p.home_view()
    assert view.heading == "กรุณาเลือกบริการ"
    assert [t.code for t in view.tiles] == ["A", "B", "C", "D"]
    assert [t.agency for t in view.tiles] == ["หน่วยงาน dopa"] * 2 + ["หน่วยงาน rd"] * 2
    assert (view.pages, view.page_label, view.in_agency) == (1, "", False)
    a = view.tiles[0]
    # beside its agency's name, a tile leaves the other language out: room for the name
    assert (a.title, a.subtitle, a.enabled) == ("บริการ A", "", True)
    assert a.detail == "รอ 2 คน  ·  ประมาณ 10 นาที"
    assert view.tiles[2].detail == "รอ 0 คน  ·  ไม่ต้องรอ"
    closed = view.tiles[3]
    assert (closed.enabled, closed.detail) == (False, "ปิดรับคิว")


def test_a_large_office_shows_agencies_then_pages_of_services() -> None:
    api = FakeApi()
    api.services_list = [
        service(f"S{i:02d}", f"ag{i % 3}", waiting=i % 3, estimated_wait_s=0) for i in range(30)
    ]
    api.office_doc = office(kiosk_services=())
    p, *_ = presenter(api)
    p.page_size = 4
    view = p.home_view()
    assert (view.heading, [t.kind.value for t in view.tiles]) == (
        "กรุณาเลือกหน่วยงาน",
        ["agency"] * 3,
    )
    assert view.tiles[0].detail == "10 บริการ"
    p.open_agency("ag1")
    view = p.home_view()
    assert (view.heading, view.in_agency, view.pages) == ("หน่วยงาน ag1", True, 3)
    assert [t.code for t in view.tiles] == ["S01", "S04", "S07", "S10"]
    assert view.tiles[0].subtitle == "Service S01"
    p.toggle_large_text()
    assert p.home_view().tiles[0].subtitle == ""  # room for the name in large letters
    p.toggle_large_text()
    # people ahead with no estimate never reads "no wait"
    assert view.tiles[0].detail == "รอ 1 คน  ·  อีกไม่กี่นาที"
    p.next_page()
    p.next_page()
    p.next_page()  # no page 4: stays on the last
    view = p.home_view()
    assert (view.page, view.page_label, [t.code for t in view.tiles]) == (
        2,
        "หน้า 3 จาก 3",
        ["S25", "S28"],
    )
    p.choose_service("S28")
    assert p.screen is Screen.RESULT
    clock_now = p._clock()
    p._clock.now = clock_now + RESULT_S  # type: ignore[attr-defined]
    p.tick()
    assert (p.screen, p.agency, p.page) == (Screen.HOME, None, 0)  # the next citizen starts over
    p.open_agency("ag2")
    p.previous_page()
    p.all_agencies()
    assert p.home_view().tiles[0].kind.value == "agency"


def test_featured_services_come_first_with_a_way_to_every_service() -> None:
    api = FakeApi()
    api.services_list = [service(f"S{i:02d}", f"ag{i % 3}") for i in range(30)]
    api.office_doc = office(kiosk_services=(), featured=("S20", "S07", "GONE"))
    p, _, _, clock = presenter(api)
    p.page_size = 3  # two featured services and the catalogue tile per page
    view = p.home_view()
    assert [(t.kind.value, t.code) for t in view.tiles] == [
        ("service", "S20"),
        ("service", "S07"),
        ("catalogue", "*"),
    ]
    assert (view.heading, view.pages, view.in_catalogue) == ("กรุณาเลือกบริการ", 1, False)
    assert (view.tiles[0].agency, view.tiles[2].title) == ("หน่วยงาน ag2", "บริการทั้งหมด ▶")
    assert view.tiles[2].detail == "30 บริการ · 3 หน่วยงาน"
    p.open_catalogue()
    view = p.home_view()
    assert (view.heading, view.in_catalogue) == ("กรุณาเลือกหน่วยงาน", True)
    assert [t.kind.value for t in view.tiles] == ["agency"] * 3
    p.open_agency("ag1")
    assert p.home_view().in_agency
    p.go_up()  # to every agency
    assert [t.kind.value for t in p.home_view().tiles] == ["agency"] * 3
    p.go_up()  # to the featured services
    assert p.home_view().tiles[0].code == "S20"
    p.open_catalogue()
    clock.now += IDLE_S
    p.tick()
    assert p.idle_warning  # left in the catalogue: the next citizen must not start there
    p.page_size = 40  # everything fits one screen: the featured ones are simply first
    p.go_up()
    assert [t.code for t in p.home_view().tiles][:3] == ["S20", "S07", "S00"]


def test_an_older_server_without_featured_services_and_a_bad_list() -> None:
    doc, _ = catalogue(6, 3)
    assert "featured" not in doc["kiosk"]  # as servers from before featured services send it
    assert office_from_json(doc).featured == ()
    doc["kiosk"]["featured"] = "A"
    with pytest.raises(CodecError, match=r"office\.kiosk\.featured"):
        office_from_json(doc)


def test_the_featured_limit_is_what_the_smallest_screen_holds_beside_the_catalogue() -> None:
    cols, rows = tiles_per_page(1280, 800, large=False)
    assert cols * rows - 1 == MAX_FEATURED


def test_english_and_back_to_thai_when_idle() -> None:
    p, _, _, clock = presenter()
    p.toggle_language()
    assert p.lang is Lang.EN
    assert p.home_view().tiles[0].detail == "2 waiting  ·  about 10 min"
    p.toggle_large_text()
    clock.now += IDLE_S - 1
    p.tick()
    assert (p.lang, p.idle_warning) == (Lang.EN, False)
    clock.now += 1
    p.tick()
    assert (p.lang, p.idle_warning) == (Lang.EN, True)  # "still there?" first
    p.still_here()  # a touch anywhere
    assert (p.lang, p.idle_warning) == (Lang.EN, False)
    clock.now += IDLE_S
    p.tick()
    assert p.idle_warning
    clock.now += IDLE_WARNING_S
    p.tick()
    assert (p.screen, p.lang, p.large_text, p.idle_warning) == (
        Screen.HOME,
        Lang.TH,
        False,
        False,
    )


def test_a_tap_issues_prints_and_returns_home() -> None:
    p, api, printer, clock = presenter()
    p.choose_service("A")
    assert p.screen is Screen.RESULT
    assert api.issued == [("A", None, [], "key-0")]
    assert p.print_state is PrintState.PRINTED
    content, lang = printer.printed[0]
    assert (content.number, content.service_en, lang) == ("A001", "Service A", Lang.TH)
    assert content.priority_is_normal
    lines = p.result_lines()
    assert lines["number"] == "A001"
    assert lines["ahead"] == "ผู้ที่รออยู่ก่อนท่าน 2 คน"
    assert lines["printing"] == "กรุณารับบัตรคิว"
    clock.now += RESULT_S
    p.tick()
    assert p.screen is Screen.HOME


def test_the_result_says_printing_until_the_printer_answers_and_a_tap_then_finishes() -> None:
    printing = Deferred()
    p, *_ = presenter(run_printer=printing)
    p.choose_service("A")
    assert p.print_state is PrintState.PRINTING
    assert p.result_lines()["printing"] == "กำลังพิมพ์บัตรคิว..."
    p.tap_result()
    assert p.screen is Screen.RESULT  # not before the ticket is out
    printing.release()
    p.tap_result()
    assert p.screen is Screen.HOME


def test_closed_service_and_closed_office_do_nothing() -> None:
    p, api, *_ = presenter()
    p.choose_service("D")
    assert p.screen is Screen.HOME
    api.office_doc = office(open_now=False)
    p._load()
    assert all(not t.enabled for t in p.home_view().tiles)
    assert p.home_view().tiles[0].detail == "ปิดรับคิว"
    assert p.home_title() == "ขณะนี้นอกเวลาทำการ  เวลาทำการ 08:30-16:30"
    p.choose_service("A")
    p.choose_service("nonsense")
    assert (p.screen, api.issued) == (Screen.HOME, [])


def test_priority_and_extra_services_questions() -> None:
    api_office = office(ask_priority=True, ask_extra_services=True)
    p, api, printer, _ = presenter()
    api.office_doc = api_office
    p._load()
    p.choose_service("A")
    assert p.screen is Screen.PRIORITY
    assert [c.title for c in p.priority_choices()] == ["ทั่วไป", "ผู้สูงอายุ", "พระภิกษุสงฆ์"]
    p.choose_priority("nonsense")
    assert p.screen is Screen.PRIORITY
    p.choose_priority("elderly")
    assert p.screen is Screen.EXTRAS
    assert [c.code for c in p.extra_choices()] == ["B", "C"]  # open ones, not A itself
    p.toggle_extra("B")
    p.toggle_extra("C")
    p.toggle_extra("C")
    p.toggle_extra("D")  # closed: not offered, not taken
    assert [c.selected for c in p.extra_choices()] == [True, False]
    p.confirm_extras()
    assert api.issued == [("A", "elderly", ["B"], "key-0")]
    content, _ = printer.printed[0]
    assert (content.priority_th, content.priority_is_normal) == ("ผู้สูงอายุ", False)
    assert (content.agency_th, content.extras) == ("หน่วยงาน dopa", (("บริการ B", "Service B"),))


def test_every_priority_group_has_a_pictogram_and_an_unknown_one_a_neutral_figure() -> None:
    classes = (*CLASSES, PriorityClass("veteran", "ทหารผ่านศึก", "Veteran"))
    p, api, _, _ = presenter()
    api.office_doc = office(ask_priority=True, priority_classes=classes)
    p._load()
    p.choose_service("A")
    shown = {c.code: Path(c.pictogram) for c in p.priority_choices()}
    assert {code: path.name for code, path in shown.items()} == {
        "normal": "normal.png",
        "elderly": "elderly.png",
        "monk": "monk.png",
        "veteran": "other.png",
    }
    for path in shown.values():
        with Image.open(path) as image:  # a real picture the kiosk can tint: white on clear
            assert image.size == (192, 192) and image.mode == "RGBA"
            assert image.getextrema()[3] == (0, 255)
    assert {p.name for p in FOLDER.glob("*.png")} == {f"{n}.png" for n in PICTOGRAMS.values()} | {
        "other.png"
    }


def test_print_again_gives_the_same_ticket_on_paper_twice() -> None:
    p, api, printer, clock = presenter()
    p.choose_service("A")
    assert p.result_lines()["again"] == "พิมพ์บัตรคิวอีกครั้ง"
    clock.now += RESULT_S - 1
    p.print_again()
    assert api.reprinted == ["t1"]
    assert [c.number for c, _ in printer.printed] == ["A001", "A001"]
    clock.now += RESULT_S - 1
    p.tick()
    assert p.screen is Screen.RESULT  # the number stays its full time after the reprint
    api.refusal = Refused(409, "reprint_too_late", "too late", "พิมพ์ซ้ำไม่ได้แล้ว")
    p.print_again()
    assert (p.print_state, p.result_lines()["printing"]) == (PrintState.FAILED, "พิมพ์ซ้ำไม่ได้แล้ว")
    assert len(printer.printed) == 2


def test_back_and_idle_leave_the_questions() -> None:
    p, api, _, clock = presenter()
    api.office_doc = office(ask_priority=True)
    p._load()
    p.choose_service("A")
    p.back()
    assert p.screen is Screen.HOME
    p.choose_service("A")
    clock.now += IDLE_S
    p.tick()
    assert (p.screen, p.idle_warning) == (Screen.PRIORITY, True)
    clock.now += IDLE_WARNING_S
    p.tick()
    assert (p.screen, api.issued) == (Screen.HOME, [])


def test_server_down_retries_with_the_same_key_until_one_ticket() -> None:
    p, api, printer, clock = presenter()
    api.down = True
    p.choose_service("A")
    assert p.screen is Screen.OUT_OF_SERVICE
    for _ in range(3):
        clock.now += RETRY_S
        p.tick()
    assert p.screen is Screen.OUT_OF_SERVICE
    p.choose_service("B")  # taps on the out-of-service screen change nothing
    api.down = False
    clock.now += RETRY_S
    p.tick()
    assert p.screen is Screen.RESULT
    assert {key for *_, key in api.issued} == {"key-0"}
    assert len(api.issued) == 5
    assert len(api.tickets) == 1 and len(printer.printed) == 1


def test_a_lost_answer_is_retried_with_the_same_key() -> None:
    network = Deferred()
    p, api, *_ = presenter(run_network=network)
    network.release()
    p.choose_service("A")
    api.down = True
    network.release()
    assert p.screen is Screen.OUT_OF_SERVICE
    api.down = False
    p._clock.now += RETRY_S  # type: ignore[attr-defined]
    p.tick()
    network.release()
    assert p.screen is Screen.RESULT
    assert [key for *_, key in api.issued] == ["key-0", "key-0"]


def test_unreachable_at_start_shows_out_of_service_then_home() -> None:
    network = Deferred()
    p, api, _, clock = presenter(run_network=network)
    api.down = True
    network.release()
    assert p.screen is Screen.OUT_OF_SERVICE
    api.down = False
    clock.now += RETRY_S
    p.tick()
    network.release()
    assert p.screen is Screen.HOME


def test_a_refusal_is_shown_on_home_and_not_retried() -> None:
    p, api, _, clock = presenter()
    api.refusal = Refused(409, "quota_reached", "quota reached", "บัตรคิววันนี้หมดแล้ว")
    p.choose_service("A")
    assert (p.screen, p.message) == (Screen.HOME, "บัตรคิววันนี้หมดแล้ว")
    clock.now += 60
    p.tick()
    assert (len(api.issued), p.message) == (1, "")


def test_printer_offline_keeps_the_number_and_reports_it() -> None:
    p, api, printer, clock = presenter(printer=FakePrinter(PrinterStatus.OFFLINE))
    p.tick()
    assert api.heartbeats == [("ok", "")]
    p.choose_service("A")
    assert p.print_state is PrintState.FAILED
    assert p.result_lines()["printing"] == "เครื่องพิมพ์ขัดข้อง\nกรุณาจดหมายเลขของท่านไว้"
    assert api.heartbeats[-1] == ("offline", "broken")
    clock.now += RESULT_S
    p.tick()
    assert p.screen is Screen.RESULT  # the number stays longer when it must be noted
    clock.now += NOTE_NUMBER_S - RESULT_S
    p.tick()
    assert p.screen is Screen.HOME
    printer.status = PrinterStatus.OK
    p.choose_service("B")
    assert p.print_state is PrintState.PRINTED
    # at start, on the change, the periodic one while offline, on the change back
    assert api.heartbeats == [("ok", ""), ("offline", "broken"), ("offline", "broken"), ("ok", "")]


def test_heartbeat_every_period_and_an_older_server_is_fine() -> None:
    p, api, _, clock = presenter()
    api.heartbeat_known = False
    p.tick()
    clock.now += HEARTBEAT_S
    p.tick()
    assert len(api.heartbeats) == 2
    assert p.screen is Screen.HOME


def test_no_printer_says_note_your_number() -> None:
    printer = FakePrinter()
    printer.spec = None
    p, *_ = presenter(printer=printer)
    assert p.printer_status is PrinterStatus.NONE
    printer.status = PrinterStatus.NONE
    p.choose_service("A")
    assert p.print_state is PrintState.NO_PRINTER
    assert p.result_lines()["printing"] == "กรุณาจำหมายเลขของท่าน"


def test_taps_on_the_wrong_screen_are_ignored() -> None:
    p, api, *_ = presenter()
    p.choose_priority("elderly")
    p.toggle_extra("B")
    p.confirm_extras()
    p.tap_result()
    p.back()
    assert (p.screen, api.issued) == (Screen.HOME, [])
