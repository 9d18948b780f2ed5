"""An office's look: its logo and two colours, on the boards, the kiosk and the printed ticket.

The colours are stored as JSON in `offices.branding` (null: the defaults); the logo, normalised to
a PNG, in `office_logos`, so every server node on the same database serves it. Text is white on
the primary colour and the accent colour is used for numbers on it (and as a background under
primary-coloured text while a call blinks): both pairs must reach WCAG 2.x AA for normal text,
a contrast ratio of 4.5:1.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

TEXT_COLOUR = "#ffffff"
AA_NORMAL_TEXT = 4.5
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SOURCE_PX = 4096  # a bigger picture is refused before it is decoded
LOGO_BOX_PX = (600, 300)  # stored no bigger than this: a board header, a ticket's top
LOGO_FORMATS = ("PNG", "JPEG")


class BrandingError(ValueError):
    def __init__(self, en: str, th: str) -> None:
        super().__init__(en)
        self.th = th


@dataclass(frozen=True)
class Branding:
    primary: str = "#0a1a33"  # background of the boards and the kiosk
    accent: str = "#ffcc33"  # numbers and highlights

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of '#rrggbb'."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def checked_branding(values: Mapping[str, Any]) -> Branding:
    """Branding from a form or stored JSON, or a BrandingError saying which pair fails."""
    found = {}
    for name, th in (("primary", "สีหลัก"), ("accent", "สีเน้น")):
        value = str(values.get(name, "")).strip()
        if not COLOUR.fullmatch(value):
            raise BrandingError(
                f"{name} colour: #rrggbb, e.g. #0a1a33", f"{th}: รูปแบบ #rrggbb เช่น #0a1a33"
            )
        found[name] = value.lower()
    for other, en, th in (
        (TEXT_COLOUR, "white text", "ตัวอักษรสีขาว"),
        (found["accent"], "the accent colour", "สีเน้น"),
    ):
        ratio = contrast(found["primary"], other)
        if ratio < AA_NORMAL_TEXT:
            raise BrandingError(
                f"the primary colour {found['primary']} and {en} contrast {ratio:.1f}:1, below "
                f"the {AA_NORMAL_TEXT}:1 WCAG AA needs for text: choose a darker primary colour",
                f"สีหลัก {found['primary']} กับ{th} ต่างกันเพียง {ratio:.1f}:1 ต่ำกว่า "
                f"{AA_NORMAL_TEXT}:1 ตามเกณฑ์ WCAG AA ทำให้อ่านยาก กรุณาเลือกสีหลักที่เข้มขึ้น",
            )
    return Branding(**found)


def stored_branding(stored: Mapping[str, Any] | None) -> Branding:
    if not stored:
        return Branding()
    try:
        return checked_branding(stored)
    except BrandingError:
        return Branding()


@dataclass(frozen=True)
class Logo:
    png: bytes
    width: int
    height: int

    @property
    def version(self) -> str:
        return hashlib.sha256(self.png).hexdigest()[:16]


def checked_logo(data: bytes) -> Logo:
    """A PNG or JPEG upload checked and normalised to a PNG no bigger than LOGO_BOX_PX (kept
    transparent), or a BrandingError saying what is wrong with it."""
    if not data:
        raise BrandingError("choose a logo file (PNG or JPEG)", "กรุณาเลือกไฟล์โลโก้ (PNG หรือ JPEG)")
    if len(data) > LOGO_MAX_BYTES:
        raise BrandingError(
            f"the logo is {len(data) // 1024} KiB; at most {LOGO_MAX_BYTES // 1024} KiB",
            f"ไฟล์โลโก้ขนาด {len(data) // 1024} KiB ใหญ่เกิน {LOGO_MAX_BYTES // 1024} KiB",
        )
    not_a_picture = BrandingError(
        "the logo must be a PNG or JPEG picture", "โลโก้ต้องเป็นไฟล์ภาพ PNG หรือ JPEG"
    )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in LOGO_FORMATS:
                raise not_a_picture
            if max(image.size) > LOGO_MAX_SOURCE_PX:
                raise BrandingError(
                    f"the logo is {image.width}x{image.height} px; at most "
                    f"{LOGO_MAX_SOURCE_PX} px a side",
                    f"โลโก้ขนาด {image.width}x{image.height} พิกเซล ใหญ่เกิน "
                    f"{LOGO_MAX_SOURCE_PX} พิกเซลต่อด้าน",
                )
            image.load()
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise not_a_picture from None
    picture.thumbnail(LOGO_BOX_PX)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return Logo(out.getvalue(), picture.width, picture.height)
