"""The audit log in words: each recorded action as a Thai and an English sentence that names
ticket numbers and counters ("เรียกคิว A012 ที่ช่อง 3"), never routes or internal ids."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

API = "POST /api/v1"

# Action code -> (Thai, English) templates; {ticket}, {counter}, {target} and {detail.*} fill in.
ACTIONS: dict[str, tuple[str, str]] = {
    f"{API}/counters/<code>/next": (
        "เรียกคิว {ticket} ที่ช่อง {counter}",
        "Called {ticket} at counter {counter}",
    ),
    f"{API}/counters/<code>/call": (
        "เรียกคิว {ticket} ก่อนลำดับที่ช่อง {counter} เหตุผล: {reason}",
        "Called {ticket} out of turn at counter {counter}, because: {reason}",
    ),
    f"{API}/counters/<code>/recall": (
        "เรียกซ้ำ {ticket} ที่ช่อง {counter}",
        "Recalled {ticket} at counter {counter}",
    ),
    f"{API}/counters/<code>/pause": ("พักช่อง {counter} {pause}", "Paused counter {counter} {pause}"),
    f"{API}/counters/<code>/resume": ("เปิดให้บริการต่อที่ช่อง {counter}", "Resumed counter {counter}"),
    f"{API}/counters/<code>/open": ("เปิดช่อง {counter}", "Opened counter {counter}"),
    f"{API}/counters/<code>/close": ("ปิดช่อง {counter}", "Closed counter {counter}"),
    f"{API}/tickets/<ticket_id>/serving": (
        "เริ่มให้บริการ {ticket} ที่ช่อง {counter}",
        "Started serving {ticket} at counter {counter}",
    ),
    f"{API}/tickets/<ticket_id>/done": (
        "ปิดงาน {ticket} ที่ช่อง {counter}",
        "Finished {ticket} at counter {counter}",
    ),
    f"{API}/tickets/<ticket_id>/done-and-next": (
        "ปิดงาน {ticket} ที่ช่อง {counter} {then}",
        "Finished {ticket} at counter {counter} {then_en}",
    ),
    f"{API}/tickets/<ticket_id>/no-show": (
        "บันทึก {ticket} ไม่มาแสดงตน ที่ช่อง {counter}",
        "Marked {ticket} as a no-show at counter {counter}",
    ),
    f"{API}/tickets/<ticket_id>/undo-no-show": (
        "ยกเลิกการบันทึกไม่มาแสดงตนของ {ticket} ที่ช่อง {counter}",
        "Undid the no-show of {ticket} at counter {counter}",
    ),
    f"{API}/tickets/<ticket_id>/transfer": (
        "โอน {ticket} {where}",
        "Transferred {ticket} {where_en}",
    ),
    f"{API}/tickets/<ticket_id>/cancel": ("ยกเลิกคิว {ticket}", "Cancelled {ticket}"),
    f"{API}/tickets/<ticket_id>/reprint": ("พิมพ์บัตรคิว {ticket} ซ้ำ", "Reprinted ticket {ticket}"),
    "reprint": ("พิมพ์บัตรคิว {ticket} ซ้ำ", "Reprinted ticket {ticket}"),
    "login": ("เข้าสู่ระบบ", "Signed in"),
    "logout": ("ออกจากระบบ", "Signed out"),
    "login.failed": ("เข้าสู่ระบบไม่สำเร็จ", "Failed sign-in"),
    "console.counter": ("เลือกนั่งช่อง {target}", "Chose to work at counter {target}"),
    "agency.add": ("เพิ่มหน่วยงาน {target}", "Added agency {target}"),
    "agency.edit": ("แก้ไขหน่วยงาน {target}", "Changed agency {target}"),
    "agency.remove": ("ลบหน่วยงาน {target}", "Removed agency {target}"),
    "counter.add": ("เพิ่มช่องบริการ {target}", "Added counter {target}"),
    "counter.edit": ("แก้ไขช่องบริการ {target}", "Changed counter {target}"),
    "counter.remove": ("ลบช่องบริการ {target}", "Removed counter {target}"),
    "service.add": ("เพิ่มบริการ {target}", "Added service {target}"),
    "service.edit": ("แก้ไขบริการ {target}", "Changed service {target}"),
    "service.remove": ("ลบบริการ {target}", "Removed service {target}"),
    "user.add": ("เพิ่มผู้ใช้ {target}", "Added user {target}"),
    "user.password": ("เปลี่ยนรหัสผ่านของ {target}", "Changed the password of {target}"),
    "user.role": ("เปลี่ยนบทบาทของ {target}", "Changed the role of {target}"),
    "user.remove": ("ลบผู้ใช้ {target}", "Removed user {target}"),
    "token.create": ("สร้างโทเคนอุปกรณ์ {target}", "Created device token {target}"),
    "token.revoke": ("ยกเลิกโทเคนอุปกรณ์ {target}", "Revoked device token {target}"),
    "kiosk.layout": ("แก้ไขหน้าจอตู้กดบัตรคิว", "Changed the kiosk layout"),
    "office.settings": ("แก้ไขการตั้งค่าสำนักงาน", "Changed the office settings"),
    "office.notice": ("แก้ไขข้อความประกาศ", "Changed the board notice"),
    "voice.upload": ("อัปโหลดชุดเสียงเรียกคิว {target}", "Uploaded the voice pack {target}"),
    "voice.activate": (
        "เปลี่ยนชุดเสียงเรียกคิวของสำนักงานเป็น {target}",
        "Made {target} the office's voice pack",
    ),
    "office.branding": ("แก้ไขสีของสำนักงาน", "Changed the office colours"),
    "office.logo": ("เปลี่ยนโลโก้สำนักงาน", "Changed the office logo"),
    "office.logo_remove": ("ลบโลโก้สำนักงาน", "Removed the office logo"),
    "board.layout": ("แก้ไขรูปแบบจอแสดงผล {target}", "Changed the layout of board {target}"),
    "office.console": (
        "แก้ไขการตั้งค่าช่องบริการ (เวลายกเลิกไม่มาแสดงตน เหตุผลการพัก)",
        "Changed the console settings (no-show grace, pause reasons)",
    ),
    "priority.edit": ("แก้ไขลำดับความสำคัญ", "Changed the priority classes"),
}


# Short names for the filter, by the key the filter uses (a route's last word, or the code).
SHORT: dict[str, tuple[str, str]] = {
    "next": ("เรียกคิวถัดไป", "Call next"),
    "call": ("เรียกคิวก่อนลำดับ", "Call out of turn"),
    "recall": ("เรียกซ้ำ", "Recall"),
    "pause": ("พักช่องบริการ", "Pause"),
    "resume": ("เปิดให้บริการต่อ", "Resume"),
    "open": ("เปิดช่องบริการ", "Open a counter"),
    "close": ("ปิดช่องบริการ", "Close a counter"),
    "serving": ("เริ่มให้บริการ", "Start serving"),
    "done": ("ปิดงาน", "Finish"),
    "done-and-next": ("ปิดงานและเรียกคิวถัดไป", "Finish and call next"),
    "no-show": ("ไม่มาแสดงตน", "No-show"),
    "undo-no-show": ("ยกเลิกการบันทึกไม่มาแสดงตน", "Undo a no-show"),
    "transfer": ("โอน", "Transfer"),
    "cancel": ("ยกเลิกคิว", "Cancel a ticket"),
    "reprint": ("พิมพ์บัตรคิวซ้ำ", "Reprint"),
}


def filter_key(action: str) -> str:
    """What the audit page's action filter calls an action."""
    return action.rsplit("/", 1)[-1] if action.startswith(API) else action


def filter_name(action: str) -> tuple[str, str]:
    key = filter_key(action)
    if key in SHORT:
        return SHORT[key]
    th, en = ACTIONS.get(action, (action, action))
    return th.replace("{target}", "").strip(), en.replace("{target}", "").strip()


def _text(value: Any) -> str:
    return str(value) if value not in (None, "") else "-"


def describe(row: Mapping[str, Any], ticket_numbers: Mapping[str, str]) -> tuple[str, str]:
    """(Thai, English) sentence for one audit row. `ticket_numbers` names tickets of rows
    written before rows kept the number themselves."""
    try:
        detail = json.loads(row["detail"] or "{}")
    except json.JSONDecodeError:
        detail = {}
    detail = detail if isinstance(detail, dict) else {}
    target = row["target"] or ""
    ticket = row.get("ticket") or detail.get("number") or ticket_numbers.get(target, "")
    service, to_counter = detail.get("service"), detail.get("counter")
    reason = detail.get("reason") or ""
    called = detail.get("called")
    values = {
        "ticket": _text(ticket),
        "counter": _text(row.get("counter") or (target if "/counters/" in row["action"] else "")),
        "target": _text(target),
        "reason": _text(reason),
        "pause": f"({reason})" if reason else "",
        "then": f"แล้วเรียก {called}" if called else "ไม่มีคิวเรียกต่อ",
        "then_en": f"and called {called}" if called else "and called nobody",
        "where": " ".join(
            part
            for part in (
                f"ไปบริการ {service}" if service else "",
                f"ไปช่อง {to_counter}" if to_counter else "",
            )
            if part
        ),
        "where_en": " ".join(
            part
            for part in (
                f"to service {service}" if service else "",
                f"to counter {to_counter}" if to_counter else "",
            )
            if part
        ),
    }
    th, en = ACTIONS.get(row["action"], (row["action"], row["action"]))
    return th.format(**values).strip(), en.format(**values).strip()
