"""Date and time as the header shows them: Thai with the Buddhist-era year, and English."""

from __future__ import annotations

from datetime import datetime

BUDDHIST_ERA_OFFSET = 543
DAYS_TH = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")
MONTHS_TH = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def date_th(at: datetime) -> str:
    """`วันพฤหัสบดีที่ 26 พฤศจิกายน พ.ศ. 2569`."""
    day = DAYS_TH[at.weekday()]
    month = MONTHS_TH[at.month - 1]
    return f"วัน{day}ที่ {at.day} {month} พ.ศ. {at.year + BUDDHIST_ERA_OFFSET}"


def date_en(at: datetime) -> str:
    return f"{DAYS_EN[at.weekday()]} {at.day} {MONTHS_EN[at.month - 1]} {at.year}"


def clock(at: datetime) -> str:
    return at.strftime("%H:%M:%S")
