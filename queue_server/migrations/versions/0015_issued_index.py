"""an index for the arrivals of the last half hour that every wait estimate counts

Revision ID: 0015_issued_index
Revises: 0014_idcard
Create Date: 2026-11-30 04:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0015_issued_index"
down_revision = "0014_idcard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_issued", "tickets", ["office", "day", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_issued", table_name="tickets")
