"""check-in with the Thai national ID card: a keyed digest of the booking's citizen ID

Revision ID: 0014_idcard
Revises: 0013_branding
Create Date: 2026-11-30 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_idcard"
down_revision = "0013_branding"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("citizen_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_bookings_citizen", "bookings", ["office", "day", "citizen_hash"])


def downgrade() -> None:
    op.drop_index("ix_bookings_citizen", table_name="bookings")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("citizen_hash")
