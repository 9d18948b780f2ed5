"""What the kiosk says, in Thai and English.

Kivy breaks lines only at spaces and Thai has none, so every Thai text that can be longer than a
screen line carries its own line breaks here.
"""

from __future__ import annotations

from enum import StrEnum


class Lang(StrEnum):
    TH = "th"
    EN = "en"


TEXTS: dict[str, tuple[str, str]] = {
    "title": ("กรุณาเลือกบริการ", "Please choose a service"),
    "toggle_lang": ("English", "ภาษาไทย"),
    "waiting": ("รอ {n} คน", "{n} waiting"),
    "wait_about": ("ประมาณ {m} นาที", "about {m} min"),
    "wait_none": ("ไม่ต้องรอ", "no wait"),
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
    "est_wait": ("เวลารอโดยประมาณ {m} นาที", "Estimated wait {m} min"),
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
    "ticket_priority": ("ประเภท: {name}", "Group: {name}"),
    "ticket_ahead": ("รอก่อนหน้า {n} คน", "{n} ahead of you"),
    "ticket_wait": ("เวลารอโดยประมาณ {m} นาที", "Estimated wait {m} min"),
    "ticket_wait_none": ("ไม่ต้องรอ", "No wait expected"),
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


def wait_text(estimated_wait_s: int | None, lang: Lang) -> str:
    if estimated_wait_s is None:
        return text("wait_unknown", lang)
    if estimated_wait_s <= 0:
        return text("wait_none", lang)
    return text("wait_about", lang, m=minutes(estimated_wait_s))
