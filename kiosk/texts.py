"""What the kiosk says, in Thai and English. Labels wrap Thai between words themselves
(kiosk.thai_words); a line break here is one the text wants whatever the width."""

from __future__ import annotations

from enum import StrEnum


class Lang(StrEnum):
    TH = "th"
    EN = "en"


TEXTS: dict[str, tuple[str, str]] = {
    "title": ("กรุณาเลือกบริการ", "Please choose a service"),
    "choose_agency": ("กรุณาเลือกหน่วยงาน", "Please choose an office"),
    "all_services": ("บริการทั้งหมด ▶", "All services ▶"),
    "catalogue_count": ("{n} บริการ · {agencies} หน่วยงาน", "{n} services · {agencies} offices"),
    "first_screen": ("◀ หน้าแรก", "◀ First screen"),
    "services_count": ("{n} บริการ", "{n} services"),
    "page_of": ("หน้า {n} จาก {of}", "Page {n} of {of}"),
    "next_page": ("หน้าถัดไป ▶", "Next page ▶"),
    "previous_page": ("◀ หน้าก่อน", "◀ Previous page"),
    "all_agencies": ("◀ ทุกหน่วยงาน", "◀ All offices"),
    "toggle_lang": ("English", "ภาษาไทย"),
    "large_text": ("ตัวอักษรใหญ่", "Large text"),
    "normal_text": ("ตัวอักษรปกติ", "Normal text"),
    "still_there": (
        "ยังใช้งานอยู่หรือไม่\nแตะหน้าจอเพื่อทำรายการต่อ",
        "Are you still there?\nTouch the screen to carry on",
    ),
    "waiting": ("รอ {n} คน", "{n} waiting"),
    "wait_about": ("ประมาณ {m} นาที", "about {m} min"),
    "wait_range": ("ประมาณ {lo}-{hi} นาที", "about {lo}-{hi} min"),
    "wait_none": ("ไม่ต้องรอ", "no wait"),
    "wait_soon": ("อีกไม่กี่นาที", "a few minutes"),
    "wait_unknown": ("", ""),
    "service_closed": ("ปิดรับคิว", "Closed"),
    "office_closed": ("ขณะนี้นอกเวลาทำการ", "The office is closed now"),
    "hours": ("เวลาทำการ {hours}", "Opening hours {hours}"),
    "priority_question": ("ท่านเป็นผู้รับบริการกลุ่มใด", "Which group are you in?"),
    "extras_question": (
        "ต้องการติดต่อบริการอื่น\nในครั้งนี้ด้วยหรือไม่",
        "Anything else on this visit?",
    ),
    "extras_done": ("รับบัตรคิว", "Get my ticket"),
    "back": ("ย้อนกลับ", "Back"),
    "your_number": ("หมายเลขของท่าน", "Your number"),
    "people_ahead": ("ผู้ที่รออยู่ก่อนท่าน {n} คน", "{n} people ahead of you"),
    "wait_line": ("เวลารอ {wait}", "Wait: {wait}"),
    "print_again": ("พิมพ์บัตรคิวอีกครั้ง", "Print my ticket again"),
    "reprint_unreachable": (
        "พิมพ์ซ้ำไม่ได้ในขณะนี้ กรุณาจดหมายเลขของท่าน",
        "Cannot print again now: please note your number",
    ),
    "printing": ("กำลังพิมพ์บัตรคิว...", "Printing your ticket..."),
    "printed": ("กรุณารับบัตรคิว", "Please take your ticket"),
    "no_printer": ("กรุณาจำหมายเลขของท่าน", "Please note your number"),
    "printer_failed": (
        "เครื่องพิมพ์ขัดข้อง\nกรุณาจดหมายเลขของท่านไว้",
        "The printer is not working:\nplease note your number",
    ),
    "tap_to_finish": ("แตะหน้าจอเพื่อกลับหน้าแรก", "Tap the screen to finish"),
    "issuing": ("กรุณารอสักครู่", "One moment please"),
    "out_of_service": ("ตู้บริการขัดข้องชั่วคราว", "Out of service"),
    "ask_staff": (
        "กรุณาติดต่อเจ้าหน้าที่\nระบบกำลังเชื่อมต่อใหม่ กรุณารอสักครู่",
        "Please ask a member of staff.\nReconnecting, one moment please.",
    ),
    "have_booking": ("มีนัดหมาย", "I have a booking"),
    "check_in_question": (
        "พิมพ์รหัสการจอง หรือสแกน QR ที่เครื่องสแกน",
        "Type your booking code or scan its QR",
    ),
    "check_in_go": ("รับบัตรคิว", "Get my ticket"),
    "card_unreadable": (
        "อ่านบัตรประชาชนไม่ได้ กรุณาถอดแล้วเสียบบัตรใหม่ หรือพิมพ์รหัสการจอง",
        "Cannot read the ID card: take it out and insert it again, or type your booking code",
    ),
    "erase": ("ลบ", "Delete"),
    "code_incomplete": ("รหัสการจองมี 6 ตัว", "A booking code has 6 characters"),
    "check_in_unreachable": (
        "ติดต่อระบบไม่ได้ กรุณาลองอีกครั้ง",
        "Cannot reach the system; please try again",
    ),
    "ticket_priority": ("ประเภท: {name}", "Group: {name}"),
    "ticket_ahead": ("รอก่อนหน้า {n} คน", "{n} ahead of you"),
    "ticket_extras": ("บริการเพิ่มเติม:", "Also:"),
    "ticket_scan": ("สแกนเพื่อดูสถานะคิว", "Scan to follow your queue"),
    "ticket_footer": ("ขอบคุณที่ใช้บริการ", "Thank you for visiting"),
}


def text(key: str, lang: Lang, **values: object) -> str:
    th, en = TEXTS[key]
    template = th if lang is Lang.TH else en
    return template.format(**values) if values else template


def minutes(seconds: int) -> int:
    """Whole minutes for people: never "0 min" for a wait that exists."""
    return max(1, round(seconds / 60))


def wait_text(
    ahead: int,
    estimated_wait_s: int | None,
    lang: Lang,
    range_s: tuple[int, int] | None = None,
) -> str:
    """The expected wait in words, agreeing with the people ahead: "no wait" only when nobody
    is; a range when the server gives one; nothing when the server has no estimate."""
    if range_s is not None and range_s[1] > 0:
        low, high = (minutes(s) if s > 0 else 0 for s in range_s)
        if low < high:
            return text("wait_range", lang, lo=low, hi=high)
        return text("wait_about", lang, m=high)
    if estimated_wait_s is None:
        return text("wait_unknown", lang)
    if estimated_wait_s <= 0:
        return text("wait_none" if ahead <= 0 else "wait_soon", lang)
    return text("wait_about", lang, m=minutes(estimated_wait_s))


def wait_line(
    ahead: int, estimated_wait_s: int | None, range_s: tuple[int, int] | None, lang: Lang
) -> str:
    """The wait as the result screen and the ticket say it: "Wait: about 5 min"."""
    words = wait_text(ahead, estimated_wait_s, lang, range_s)
    if not words or words == text("wait_none", lang):
        return words
    return text("wait_line", lang, wait=words)
