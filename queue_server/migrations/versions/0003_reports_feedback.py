"""reports and feedback: citizens' ratings, the record of day closes, events by ticket

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import queue_server.db.schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_ticket_id", "events", ["ticket_id"], unique=False)
    op.create_table(
        "feedback",
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.String(length=500), server_default="", nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("service", sa.String(length=2), nullable=False),
        sa.Column("counter", sa.String(length=32), nullable=True),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_feedback_rating")),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f("fk_feedback_office_offices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_feedback_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_feedback")),
    )
    op.create_index("ix_feedback_office_day", "feedback", ["office", "day"], unique=False)
    op.create_table(
        "day_closes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed_at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.Column("closed_by", sa.String(length=200), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Integer(), nullable=False),
        sa.Column("ticket_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f("fk_day_closes_office_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_closes")),
    )
    op.create_index("ix_day_closes_office_day", "day_closes", ["office", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_day_closes_office_day", table_name="day_closes")
    op.drop_table("day_closes")
    op.drop_index("ix_feedback_office_day", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_events_ticket_id", table_name="events")
