"""Configuration: defaults, then an optional TOML file (`SWQ_CONFIG_FILE`), then `SWQ_*`
environment variables, then what the caller of `create_app` passes (tests)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "sqlite:///swq.db",
    # Base of the status_url printed as a QR code; default: the URL the request came in on.
    "PUBLIC_URL": None,
    # With several offices, the one a request without ?office= (and without a token) means.
    "DEFAULT_OFFICE": None,
    # A stuck kiosk button gets at most this many tickets per window, then 429.
    "KIOSK_RATE_LIMIT": 30,
    "KIOSK_RATE_WINDOW_S": 60,
    # Bookings one address (and one phone number, when the office asks for it) may make per
    # window on the public booking page; then the page refuses (cancelling gives none back).
    "BOOKINGS_PER_ADDRESS": 5,
    "BOOKINGS_PER_PHONE": 3,
    "BOOKING_LIMIT_WINDOW_S": 86400,
    # Booking codes a kiosk may try per window (right or wrong), so codes cannot be guessed.
    "CHECKIN_RATE_LIMIT": 20,
    "CHECKIN_RATE_WINDOW_S": 60,
    # Tickets taken on phones (the QR at the door), per address (a hall's Wi-Fi is one address
    # behind its router: leave room for a queue of citizens).
    "PHONE_RATE_LIMIT": 20,
    "PHONE_RATE_WINDOW_S": 600,
    # The webhook sender (queue_server.notify): it runs in every server process and looks for due
    # notices every NOTICE_POLL_S; a notice is tried NOTICE_MAX_ATTEMPTS times, waiting
    # NOTICE_RETRY_S, then twice as long each time (at most NOTICE_RETRY_MAX_S), each POST given
    # NOTICE_TIMEOUT_S; a claimed notice whose sender died is taken over after NOTICE_LEASE_S.
    "NOTICE_SENDER": True,
    "NOTICE_POLL_S": 1.0,
    "NOTICE_MAX_ATTEMPTS": 6,
    "NOTICE_RETRY_S": 5.0,
    "NOTICE_RETRY_MAX_S": 600.0,
    "NOTICE_TIMEOUT_S": 5.0,
    "NOTICE_LEASE_S": 60.0,
    # A kiosk may print its own ticket again (paper jam, torn slip) this long after issuing it.
    "KIOSK_REPRINT_WINDOW_S": 600,
    # Streams hold a thread each; past this many per process a new one gets 503 + Retry-After,
    # so kiosks and officers always find a free thread.
    "MAX_STREAMS": 400,
    # Of those, one device token (or signed-in person) may hold STREAMS_PER_TOKEN; readers
    # without a token share STREAMS_PUBLIC_SHARE of them, STREAMS_PER_ADDRESS per address; the
    # rest is kept for boards with a display token.
    "STREAMS_PER_TOKEN": 4,
    "STREAMS_PER_ADDRESS": 8,
    "STREAMS_PUBLIC_SHARE": 0.75,
    "KEEPALIVE_S": 15.0,
    # How often a process looks for events written by other processes when it cannot be told
    # (SQLite; PostgreSQL NOTIFY wakes it at once and this is only the safety net).
    "POLL_INTERVAL_S": 0.1,
    "BOARD_CALLS": 10,
    # The folder of voice clips boards say calls with when their office has uploaded no pack in
    # admin (display/voice/README.md gives the layout). None: the stand-in pack that ships with
    # the server, the Kivy board's default too.
    "VOICE_PACK_DIR": None,
    # The largest voice pack upload (a zip of every clip, or one clip) an admin may send.
    "VOICE_PACK_MAX_BYTES": 20 * 1024 * 1024,
    # Database connections per server process (PostgreSQL): workers x (size + overflow) + 2 per
    # worker for the event feed must stay below the server's max_connections (100 by default).
    "DB_POOL_SIZE": 10,
    "DB_MAX_OVERFLOW": 10,
    # A revoked token keeps working this long in a process that has just seen it.
    "TOKEN_CACHE_S": 5.0,
    # Signs the browsers' session cookies. Unset: the key in SECRET_KEY_FILE, made on first start
    # (mode 0600); unset too: `secret_key` in the app's instance folder. Never in the database.
    "SECRET_KEY": None,
    "SECRET_KEY_FILE": None,
    # The session cookie: never sent by other sites' forms; Secure: None means "when PUBLIC_URL
    # is https".
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,
    # Bodies larger than this are refused with 413 before they are read.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Sign-in throttling (checked before any password is hashed): wrong passwords for one account
    # from one address before that pair pauses for LOGIN_PAUSE_S; wrong passwords from one
    # address for any accounts; and past LOGIN_MAX_FAILURES from anywhere, one attempt on the
    # account per LOGIN_ACCOUNT_DELAY_S (slowed, never locked).
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_ADDRESS_MAX_FAILURES": 30,
    "LOGIN_ACCOUNT_DELAY_S": 10,
    "LOGIN_PAUSE_S": 900,
    # Browsers stay signed in this long after their last page load (an officer's working day).
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    # Reverse proxies in front of the server whose X-Forwarded-For/-Proto are believed (nginx in
    # deploy/nginx/swq.conf: 1). 0 believes no forwarded header: a client could forge its address.
    "TRUSTED_PROXY_COUNT": 0,
}


def load_settings(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    path = os.environ.get("SWQ_CONFIG_FILE")
    if path:
        app.config.from_file(path, load=tomllib.load, text=False)
    app.config.from_prefixed_env("SWQ")
    if overrides:
        app.config.from_mapping(overrides)


def current_settings() -> Mapping[str, Any]:
    """The settings `create_app()` would use, for commands that start no app."""
    app = Flask(__name__)
    load_settings(app, None)
    return app.config


def trusted_proxy_count(settings: Mapping[str, Any]) -> int:
    """TRUSTED_PROXY_COUNT as a number, or a ValueError that says what is wrong."""
    count = settings["TRUSTED_PROXY_COUNT"]
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(
            "TRUSTED_PROXY_COUNT (SWQ_TRUSTED_PROXY_COUNT) ต้องเป็นจำนวนพร็อกซีตั้งแต่ 0 / must be "
            f"the number of proxies in front of the server, 0 or more, not {count!r}"
        )
    return count
