"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 01:04:33.732762
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import queue_server.db.schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offices",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("hours", sa.String(length=16), nullable=True),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("transfer_keeps_place", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_offices")),
    )
    op.create_table(
        "agencies",
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f("fk_agencies_office_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("office", "code", name=op.f("pk_agencies")),
    )
    op.create_table(
        "counters",
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("pause_reason", sa.String(length=500), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f("fk_counters_office_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("office", "code", name=op.f("pk_counters")),
    )
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=True),
        sa.Column("counter", sa.String(length=32), nullable=True),
        sa.Column("service", sa.String(length=2), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_events_office_offices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_counter", ["office", "type", "counter", "id"], unique=False
        )
        batch_op.create_index("ix_events_office_id", ["office", "id"], unique=False)
        batch_op.create_index(
            "ix_events_service", ["office", "type", "service", "id"], unique=False
        )

    op.create_table(
        "services",
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("target_wait_s", sa.Integer(), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=True),
        sa.Column("number_width", sa.Integer(), nullable=False),
        sa.Column("number_start", sa.Integer(), nullable=False),
        sa.Column("number_end", sa.Integer(), nullable=True),
        sa.Column("default_service_s", sa.Integer(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f("fk_services_office_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("office", "code", name=op.f("pk_services")),
    )
    op.create_table(
        "ticket_numbers",
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=2), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f("fk_ticket_numbers_office_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("office", "service", "day", name=op.f("pk_ticket_numbers")),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("counter", sa.String(length=32), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", queue_server.db.schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_tokens_office_offices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    op.create_table(
        "users",
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("counter", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_users_office_offices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("office", "username", name=op.f("pk_users")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=2), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=32), nullable=False),
        sa.Column("issued_at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status_key", sa.String(length=64), nullable=False),
        sa.Column("queued_at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("transactions", sa.JSON(), nullable=False),
        sa.Column("counter", sa.String(length=32), nullable=True),
        sa.Column("target_counter", sa.String(length=32), nullable=True),
        sa.Column("called_at", queue_server.db.schema.UTCDateTime(), nullable=True),
        sa.Column("serving_at", queue_server.db.schema.UTCDateTime(), nullable=True),
        sa.Column("finished_at", queue_server.db.schema.UTCDateTime(), nullable=True),
        sa.Column("recalls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["tokens.id"],
            name=op.f("fk_tickets_issued_by_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_tickets_office_offices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("office", "day", "number", name=op.f("uq_tickets_office_day_number")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_issued_by", ["issued_by", "issued_at"], unique=False)
        batch_op.create_index(
            "ix_tickets_queue",
            [
                "office",
                "status",
                "service",
                "priority",
                "target_counter",
                "queued_at",
                "number",
                "id",
            ],
            unique=False,
        )
        batch_op.create_index(
            "uq_tickets_at_counter",
            ["office", "counter"],
            unique=True,
            sqlite_where=sa.text("status IN ('called', 'serving')"),
            postgresql_where=sa.text("status IN ('called', 'serving')"),
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_idempotency_keys_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["tokens.id"],
            name=op.f("fk_idempotency_keys_token_id_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", "key", name=op.f("pk_idempotency_keys")),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_tickets_at_counter",
            sqlite_where=sa.text("status IN ('called', 'serving')"),
            postgresql_where=sa.text("status IN ('called', 'serving')"),
        )
        batch_op.drop_index("ix_tickets_queue")
        batch_op.drop_index("ix_tickets_issued_by")

    op.drop_table("tickets")
    op.drop_table("users")
    op.drop_table("tokens")
    op.drop_table("ticket_numbers")
    op.drop_table("services")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_service")
        batch_op.drop_index("ix_events_office_id")
        batch_op.drop_index("ix_events_counter")

    op.drop_table("events")
    op.drop_table("counters")
    op.drop_table("agencies")
    op.drop_table("offices")
