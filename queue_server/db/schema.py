"""The tables. Offices are keyed by their code so every row says which office it belongs to.

Times are stored as naive UTC (SQLite has no timezone type) and come back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only autoincrements an INTEGER PRIMARY KEY; elsewhere event ids need 64 bits.
EventId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OfficeCode = sa.String(32)


def _office_fk() -> sa.Column[str]:
    return sa.Column(
        "office", OfficeCode, sa.ForeignKey("offices.code", ondelete="CASCADE"), nullable=False
    )


offices = sa.Table(
    "offices",
    metadata,
    sa.Column("code", OfficeCode, primary_key=True),
    sa.Column("name_th", sa.String(200), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("hours", sa.String(16)),
    sa.Column("policy", sa.String(32), nullable=False),
    sa.Column("transfer_keeps_place", sa.Boolean, nullable=False),
    sa.Column("priority", sa.JSON, nullable=False),
    # Bumped on every configuration change so workers can cache an office's configuration.
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    # The scrolling line of the hall boards, set by the office's admins.
    sa.Column("notice_th", sa.String(500), nullable=False, server_default=""),
    sa.Column("notice_en", sa.String(500), nullable=False, server_default=""),
    # The kiosk's buttons: {"services": [codes in order], "ask_priority", "ask_extra_services"};
    # null shows every service in configured order.
    sa.Column("kiosk", sa.JSON),
    # Seconds after a no-show during which its officer may undo it.
    sa.Column("no_show_grace_s", sa.Integer, nullable=False, server_default="120"),
    # [{"code", "name_th", "name_en"}] the officers pick from when pausing; null: the defaults.
    sa.Column("pause_reasons", sa.JSON),
    # The province (or region) grouping this office with others; a code in `provinces`.
    sa.Column("province", sa.String(32), index=True),
    # How the hall boards sound (queue_server.board_sound); null: the defaults.
    sa.Column("sound", sa.JSON),
    # The office's colours (queue_server.branding); null: the defaults.
    sa.Column("branding", sa.JSON),
    # Appointments (queue_server.db.bookings): settings and each bookable service's slots;
    # null: the office takes no bookings.
    sa.Column("booking", sa.JSON),
    # Phone tickets and notices (core.phone_settings); null: the defaults.
    sa.Column("phone", sa.JSON),
)

# The office's logo, normalised to a PNG (queue_server.branding), in the database so that every
# server node on it serves the same picture.
office_logos = sa.Table(
    "office_logos",
    metadata,
    sa.Column(
        "office", OfficeCode, sa.ForeignKey("offices.code", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("png", sa.LargeBinary, nullable=False),
    sa.Column("version", sa.String(16), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

provinces = sa.Table(
    "provinces",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("name_th", sa.String(200), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
)

agencies = sa.Table(
    "agencies",
    metadata,
    _office_fk(),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("name_th", sa.String(200), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("office", "code"),
)

services = sa.Table(
    "services",
    metadata,
    _office_fk(),
    sa.Column("code", sa.String(2), nullable=False),
    sa.Column("agency", sa.String(32), nullable=False),
    sa.Column("name_th", sa.String(200), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("target_wait_s", sa.Integer, nullable=False),
    sa.Column("daily_quota", sa.Integer),
    sa.Column("number_width", sa.Integer, nullable=False),
    sa.Column("number_start", sa.Integer, nullable=False),
    sa.Column("number_end", sa.Integer),
    sa.Column("default_service_s", sa.Integer, nullable=False),
    sa.Column("open", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("office", "code"),
)

counters = sa.Table(
    "counters",
    metadata,
    _office_fk(),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("name_th", sa.String(200), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("profile", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("pause_reason", sa.String(500), nullable=False, server_default=""),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("pause_code", sa.String(32), nullable=False, server_default=""),
    # "Pause after this ticket" asked: pause_reason/pause_code apply once the ticket leaves.
    sa.Column("pause_pending", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.PrimaryKeyConstraint("office", "code"),
)

users = sa.Table(
    "users",
    metadata,
    _office_fk(),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("counter", sa.String(32)),
    # An admin of every office in this office's province, not only this one.
    sa.Column("province_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.PrimaryKeyConstraint("office", "username"),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _office_fk(),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("counter", sa.String(32)),
    # SHA-256 of the bearer token: tokens are 256-bit random, so a fast hash is enough.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    # A display token's board layout (queue_server.board_layout); null: the defaults.
    sa.Column("board_layout", sa.JSON),
)

WAITING = "waiting"
AT_COUNTER = ("called", "serving")

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    _office_fk(),
    sa.Column("service", sa.String(2), nullable=False),
    sa.Column("number", sa.String(16), nullable=False),
    sa.Column("priority", sa.String(32), nullable=False),
    sa.Column("issued_at", UTCDateTime, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("status_key", sa.String(64), nullable=False),
    sa.Column("queued_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("transactions", sa.JSON, nullable=False),
    sa.Column("counter", sa.String(32)),
    sa.Column("target_counter", sa.String(32)),
    sa.Column("called_at", UTCDateTime),
    sa.Column("serving_at", UTCDateTime),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("recalls", sa.Integer, nullable=False, server_default="0"),
    sa.Column("issued_by", sa.Integer, sa.ForeignKey("tokens.id", ondelete="SET NULL")),
    sa.UniqueConstraint("office", "day", "number"),
    # The queue order of core.model.Ticket.queue_key, so each queue's head is one index seek.
    sa.Index(
        "ix_tickets_queue",
        "office",
        "status",
        "service",
        "priority",
        "target_counter",
        "queued_at",
        "number",
        "id",
    ),
    # A counter holds at most one ticket; the database refuses a second even if code erred.
    sa.Index(
        "uq_tickets_at_counter",
        "office",
        "counter",
        unique=True,
        sqlite_where=sa.text("status IN ('called', 'serving')"),
        postgresql_where=sa.text("status IN ('called', 'serving')"),
    ),
    sa.Index("ix_tickets_issued_by", "issued_by", "issued_at"),
    # The arrivals of the last half hour, which every estimate counts: without it each read
    # went through all of the day's tickets.
    sa.Index("ix_tickets_issued", "office", "day", "issued_at"),
)

ticket_numbers = sa.Table(
    "ticket_numbers",
    metadata,
    _office_fk(),
    sa.Column("service", sa.String(2), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("last", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("office", "service", "day"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", EventId, primary_key=True, autoincrement=True),
    _office_fk(),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("ticket_id", sa.String(36)),
    sa.Column("counter", sa.String(32)),
    sa.Column("service", sa.String(2)),
    # The event-stream `data:` exactly as sent, times in the office's own offset.
    sa.Column("data", sa.Text, nullable=False),
    sa.Index("ix_events_office_id", "office", "id"),
    sa.Index("ix_events_counter", "office", "type", "counter", "id"),
    sa.Index("ix_events_service", "office", "type", "service", "id"),
    sqlite_autoincrement=True,
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("token_id", sa.Integer, sa.ForeignKey("tokens.id", ondelete="CASCADE")),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("token_id", "key"),
)

devices = sa.Table(
    "devices",
    metadata,
    # One row per device token: what the kiosk or board last said about itself.
    sa.Column(
        "token_id", sa.Integer, sa.ForeignKey("tokens.id", ondelete="CASCADE"), primary_key=True
    ),
    _office_fk(),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("printer", sa.String(16), nullable=False),
    sa.Column("detail", sa.String(200), nullable=False, server_default=""),
    sa.Column("version", sa.String(64), nullable=False, server_default=""),
    sa.Column("address", sa.String(64), nullable=False, server_default=""),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", EventId, primary_key=True, autoincrement=True),
    _office_fk(),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("address", sa.String(64), nullable=False, server_default=""),
    # The counter and ticket number an action was about, so people can read and filter by them.
    sa.Column("counter", sa.String(32), nullable=False, server_default=""),
    sa.Column("ticket", sa.String(16), nullable=False, server_default=""),
    sa.Index("ix_audit_log_office_id", "office", "id"),
    sqlite_autoincrement=True,
)

# Signed-in browsers: the cookie carries a random session id, only its SHA-256 is kept here. Signing
# out deletes the row, so a copied cookie stops working; removing the user ends their sessions too.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("office", sa.String(32), nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(
        ["office", "username"], ["users.office", "users.username"], ondelete="CASCADE"
    ),
    sa.Index("ix_sessions_created_at", "created_at"),
)

# Fixed-window counters (kiosk tickets, sign-in attempts) that every worker shares: one row per
# key, bumped by one atomic upsert, so a burst arriving at once is counted exactly.
rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("window_start", sa.Float, nullable=False),  # seconds since the epoch
    sa.Column("hits", sa.Integer, nullable=False),
)

# A report reads a day's events by ticket: without this it would scan the office's whole history.
sa.Index("ix_events_ticket_id", events.c.ticket_id)

# One citizen's rating of a finished visit, from the ticket's status page or the counter's tablet.
# One per ticket (a second is refused); service and counter are the visit's at the time it ended.
feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column(
        "ticket_id",
        sa.String(36),
        sa.ForeignKey("tickets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _office_fk(),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("day", sa.Date, nullable=False),  # the ticket's day: reports count it with its visit
    sa.Column("rating", sa.SmallInteger, nullable=False),
    sa.Column("comment", sa.String(500), nullable=False, server_default=""),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("service", sa.String(2), nullable=False),
    sa.Column("counter", sa.String(32)),
    sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    sa.Index("ix_feedback_office_day", "office", "day"),
)

# Each run of `swq day close`: what it found still open on that local day and how it ended it.
# Nothing is deleted; the ticket ids let a report tell these endings from the officers' own.
day_closes = sa.Table(
    "day_closes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _office_fk(),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=False),
    sa.Column("closed_by", sa.String(200), nullable=False),
    sa.Column("cancelled", sa.Integer, nullable=False),
    sa.Column("finished", sa.Integer, nullable=False),
    sa.Column("ticket_ids", sa.JSON, nullable=False),
    sa.Index("ix_day_closes_office_day", "office", "day"),
)

# Voice packs (queue_server.voice_packs): clips are kept once by their SHA-256, whatever pack or
# office holds them; a pack is a list of clip paths and hashes. Every server node on the database
# serves the same pack, and a pack that failed its checks is never written.
voice_clips = sa.Table(
    "voice_clips",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

voice_packs = sa.Table(
    "voice_packs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _office_fk(),
    # SHA-256 of the pack's paths and clip hashes: its version, which boards compare.
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("languages", sa.String(16), nullable=False),  # "th" or "th,en"
    sa.Column("clips", sa.JSON, nullable=False),  # {"th/3.wav": sha256, ...}
    sa.Column("source", sa.String(200), nullable=False),  # the uploaded file, or the clip replaced
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("uploaded_by", sa.String(64), nullable=False),
    sa.UniqueConstraint("office", "version"),
    sqlite_autoincrement=True,
)

# The pack an office's boards say calls with; no row: the stand-in pack. One row per office,
# replaced in the transaction that writes the `office.voice_pack` event.
office_voice_packs = sa.Table(
    "office_voice_packs",
    metadata,
    sa.Column(
        "office",
        OfficeCode,
        sa.ForeignKey("offices.code", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "pack_id", sa.Integer, sa.ForeignKey("voice_packs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("activated_at", UTCDateTime, nullable=False),
    sa.Column("activated_by", sa.String(64), nullable=False),
)

# One citizen's booked slot. The code (printed as a QR, typed at the kiosk) only checks in; the
# manage link's token (kept as its SHA-256) cancels or moves. Name and phone, asked only if the
# office wants them, are erased `retention_days` after the slot by the daily close.
bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    _office_fk(),
    sa.Column("service", sa.String(2), nullable=False),
    sa.Column("slot_start", UTCDateTime, nullable=False),
    sa.Column("day", sa.Date, nullable=False),  # the slot's local day
    sa.Column("code", sa.String(8), nullable=False),
    sa.Column("manage_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),  # booked, cancelled, checked_in
    sa.Column("name", sa.String(200)),
    sa.Column("phone", sa.String(32)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("cancelled_at", UTCDateTime),
    sa.Column("checked_in_at", UTCDateTime),
    sa.Column("arrival", sa.String(16)),  # early, on_time, late (core.booking.Arrival)
    sa.Column("ticket_id", sa.String(36)),
    sa.Column("erased_at", UTCDateTime),  # when name, phone and citizen digest were deleted
    # HMAC-SHA256 of the national ID number under the server's secret key (never the number):
    # finds today's booking when the citizen inserts the ID card at the kiosk.
    sa.Column("citizen_hash", sa.String(64)),
    sa.UniqueConstraint("office", "code"),
    sa.Index("ix_bookings_slot", "office", "service", "slot_start", "status"),
    sa.Index("ix_bookings_office_day", "office", "day"),
    sa.Index("ix_bookings_citizen", "office", "day", "citizen_hash"),
)

# The ticket a browser took on a phone (queue_server.phone): the browser's cookie holds a random
# id, only its SHA-256 is kept, so a second ticket is refused while the first still waits.
phone_tickets = sa.Table(
    "phone_tickets",
    metadata,
    sa.Column("browser_hash", sa.String(64), primary_key=True),
    _office_fk(),
    sa.Column(
        "ticket_id", sa.String(36), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("taken_at", UTCDateTime, nullable=False),
)

# A citizen asked to be told (on the status page or the phone-ticket page): the contact they gave
# the office's webhook (a phone number for its SMS gateway), how many ahead counts as near, and
# which notices were already written to the outbox, so each goes out once.
notice_subscriptions = sa.Table(
    "notice_subscriptions",
    metadata,
    sa.Column(
        "ticket_id",
        sa.String(36),
        sa.ForeignKey("tickets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _office_fk(),
    sa.Column("service", sa.String(2), nullable=False),
    sa.Column("contact", sa.String(100), nullable=False),
    sa.Column("ahead", sa.Integer, nullable=False),
    sa.Column("near_sent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("called_sent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_notice_subscriptions_office_service", "office", "service"),
)

# Notices for the office's webhook, written in the transaction of the change that causes them and
# delivered by the sender (queue_server.notify.sender). A row is its own delivery log: tries, the
# last answer, and how it ended. The contact is erased once the row is sent or given up.
notice_outbox = sa.Table(
    "notice_outbox",
    metadata,
    sa.Column("id", EventId, primary_key=True, autoincrement=True),
    _office_fk(),
    sa.Column("ticket_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # "near" or "called"
    # The JSON body without the contact, which is kept apart so it can be erased.
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("contact", sa.String(100)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # pending, sent, failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    # The next try may start then; a claimed row is pushed ahead by the claim's lease, so a
    # sender that dies mid-delivery leaves it to another after the lease.
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_attempt_at", UTCDateTime),
    sa.Column("last_result", sa.String(200), nullable=False, server_default=""),
    sa.Index("ix_notice_outbox_due", "state", "next_attempt_at"),
    sa.Index("ix_notice_outbox_office_id", "office", "id"),
    sqlite_autoincrement=True,
)
