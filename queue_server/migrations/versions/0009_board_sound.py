"""board sound: the office's chime, voice languages, repeats, volume and quiet hours

Revision ID: 0009
Revises: 0004
Create Date: 2026-11-29 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("offices", sa.Column("sound", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("sound")
