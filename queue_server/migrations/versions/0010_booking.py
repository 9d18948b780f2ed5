"""booking: appointments, their slots per service and the office's booking settings

Revision ID: 0010_booking
Revises: 0009
Create Date: 2026-11-30 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from queue_server.db.schema import UTCDateTime

revision = "0010_booking"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("offices", sa.Column("booking", sa.JSON(), nullable=True))
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("office", sa.String(32), nullable=False),
        sa.Column("service", sa.String(2), nullable=False),
        sa.Column("slot_start", UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("manage_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("phone", sa.String(32)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime()),
        sa.Column("checked_in_at", UTCDateTime()),
        sa.Column("arrival", sa.String(16)),
        sa.Column("ticket_id", sa.String(36)),
        sa.Column("erased_at", UTCDateTime()),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name="fk_bookings_office_offices",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.UniqueConstraint("office", "code", name="uq_bookings_office_code"),
        sa.UniqueConstraint("manage_hash", name="uq_bookings_manage_hash"),
    )
    op.create_index("ix_bookings_slot", "bookings", ["office", "service", "slot_start", "status"])
    op.create_index("ix_bookings_office_day", "bookings", ["office", "day"])


def downgrade() -> None:
    op.drop_table("bookings")
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("booking")
