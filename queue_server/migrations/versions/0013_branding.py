"""branding and board layouts: the office's colours and logo, each board's layout

Revision ID: 0013_branding
Revises: 0009
Create Date: 2026-11-30 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import queue_server.db.schema

revision = "0013_branding"
down_revision = "0012_voice_packs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("offices", sa.Column("branding", sa.JSON(), nullable=True))
    op.add_column("tokens", sa.Column("board_layout", sa.JSON(), nullable=True))
    op.create_table(
        "office_logos",
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("updated_at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f("fk_office_logos_office_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("office", name=op.f("pk_office_logos")),
    )


def downgrade() -> None:
    op.drop_table("office_logos")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("board_layout")
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("branding")
