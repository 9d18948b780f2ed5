"""An office's phone settings: tickets taken on a phone from the QR at the door, and the notices
sent when a ticket nears its turn (on the status page, and to the office's webhook).

Stored as JSON in `offices.phone`, written in the office file's `[phone]` table, set on the admin
home page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from core.errors import InvalidRequest

MAX_NOTIFY_AHEAD = 50
MAX_URL = 500


class PhoneSettingError(InvalidRequest):
    """A refused value; `key` is the setting's name (`notify_ahead`)."""

    def __init__(self, key: str, en: str, th: str) -> None:
        super().__init__(f"{key}: {en}", f"{key}: {th}")
        self.key = key
        self.en = en
        self.th = th


@dataclass(frozen=True)
class PhoneSettings:
    # Citizens may take a walk-in ticket on their phone from the QR at the door or on the board.
    tickets: bool = True
    # A ticket is told "your turn is near" when this many people or fewer are ahead of it.
    notify_ahead: int = 3
    # Where notices are POSTed as JSON (the office's SMS gateway or messaging account); None: none.
    webhook_url: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.notify_ahead, bool) or not isinstance(self.notify_ahead, int):
            raise PhoneSettingError("notify_ahead", "must be a whole number", "ต้องเป็นจำนวนเต็ม")
        if not 0 <= self.notify_ahead <= MAX_NOTIFY_AHEAD:
            raise PhoneSettingError(
                "notify_ahead",
                f"must be 0 to {MAX_NOTIFY_AHEAD}, got {self.notify_ahead}",
                f"ต้องอยู่ระหว่าง 0 ถึง {MAX_NOTIFY_AHEAD} แต่ได้ {self.notify_ahead}",
            )
        if self.webhook_url is not None:
            check_webhook_url(self.webhook_url)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise PhoneSettingError(
            "webhook_url",
            f"an http:// or https:// address of at most {MAX_URL} characters",
            f"ต้องเป็นที่อยู่ http:// หรือ https:// ยาวไม่เกิน {MAX_URL} ตัวอักษร",
        )


def stored_phone(stored: Any) -> PhoneSettings:
    """The settings kept in `offices.phone` (null, or a value from an older version: defaults)."""
    if not isinstance(stored, Mapping):
        return PhoneSettings()
    try:
        return PhoneSettings(
            tickets=bool(stored.get("tickets", True)),
            notify_ahead=int(stored.get("notify_ahead", 3)),
            webhook_url=stored.get("webhook_url") or None,
        )
    except (InvalidRequest, TypeError, ValueError):
        return PhoneSettings()
