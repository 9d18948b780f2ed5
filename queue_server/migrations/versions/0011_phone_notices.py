"""phone tickets and notices: offices.phone, phone_tickets, notice_subscriptions, notice_outbox

Revision ID: 0011_phone_notices
Revises: 0009
Create Date: 2026-11-30 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import queue_server.db.schema

revision = "0011_phone_notices"
down_revision = "0010_booking"
branch_labels = None
depends_on = None


def _keys(table: str, *, ticket: bool) -> list[sa.ForeignKeyConstraint]:
    keys = [
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f(f"fk_{table}_office_offices"),
            ondelete="CASCADE",
        )
    ]
    if ticket:
        keys.append(
            sa.ForeignKeyConstraint(
                ["ticket_id"],
                ["tickets.id"],
                name=op.f(f"fk_{table}_ticket_id_tickets"),
                ondelete="CASCADE",
            )
        )
    return keys


def upgrade() -> None:
    utc = queue_server.db.schema.UTCDateTime
    op.add_column("offices", sa.Column("phone", sa.JSON(), nullable=True))
    op.create_table(
        "phone_tickets",
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("taken_at", utc(), nullable=False),
        *_keys("phone_tickets", ticket=True),
        sa.PrimaryKeyConstraint("browser_hash", name=op.f("pk_phone_tickets")),
    )
    op.create_table(
        "notice_subscriptions",
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=2), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("ahead", sa.Integer(), nullable=False),
        sa.Column("near_sent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("called_sent", sa.Boolean(), server_default=sa.false(), nullable=False),
        *_keys("notice_subscriptions", ticket=True),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_notice_subscriptions")),
    )
    op.create_index(
        "ix_notice_subscriptions_office_service",
        "notice_subscriptions",
        ["office", "service"],
        unique=False,
    )
    op.create_table(
        "notice_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=True),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", utc(), nullable=False),
        sa.Column("last_attempt_at", utc(), nullable=True),
        sa.Column("last_result", sa.String(length=200), server_default="", nullable=False),
        *_keys("notice_outbox", ticket=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_outbox")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_notice_outbox_due", "notice_outbox", ["state", "next_attempt_at"], unique=False
    )
    op.create_index("ix_notice_outbox_office_id", "notice_outbox", ["office", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("notice_outbox")
    op.drop_table("notice_subscriptions")
    op.drop_table("phone_tickets")
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("phone")
