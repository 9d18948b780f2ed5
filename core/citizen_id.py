"""Thai national ID numbers (เลขประจำตัวประชาชน): 13 digits, the last a check digit.

The check digit is (11 - sum(digit_i * (13 - i)) mod 11) mod 10 over the first twelve digits
(i = 0..11), the rule of the Department of Provincial Administration. The number itself is never
stored or logged: the server keeps only a keyed digest of it (queue_server.db.bookings).
"""

from __future__ import annotations

LENGTH = 13


def normal_citizen_id(text: str) -> str:
    """What a citizen typed (with the usual dashes and spaces: 1-2345-67890-12-1) as digits."""
    return "".join(ch for ch in text if ch not in " -\t\r\n")


def check_digit(first_twelve: str) -> int:
    total = sum(int(d) * (LENGTH - i) for i, d in enumerate(first_twelve))
    return (11 - total % 11) % 10


def is_citizen_id(text: str) -> bool:
    """13 ASCII digits whose last is the check digit of the others."""
    return (
        len(text) == LENGTH
        and text.isascii()
        and text.isdigit()
        and check_digit(text[:12]) == int(text[12])
    )
