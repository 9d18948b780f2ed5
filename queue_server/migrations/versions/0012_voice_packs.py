"""voice packs: recorded clips kept by their hash, packs of them, and each office's pack

Revision ID: 0012_voice_packs
Revises: 0009
Create Date: 2026-11-30 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import queue_server.db.schema

revision = "0012_voice_packs"
down_revision = "0011_phone_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_clips",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_voice_clips")),
    )
    op.create_table(
        "voice_packs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("languages", sa.String(length=16), nullable=False),
        sa.Column("clips", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f("fk_voice_packs_office_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_packs")),
        sa.UniqueConstraint("office", "version", name=op.f("uq_voice_packs_office_version")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "office_voice_packs",
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("activated_at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.Column("activated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f("fk_office_voice_packs_office_offices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pack_id"],
            ["voice_packs.id"],
            name=op.f("fk_office_voice_packs_pack_id_voice_packs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("office", name=op.f("pk_office_voice_packs")),
    )


def downgrade() -> None:
    op.drop_table("office_voice_packs")
    op.drop_table("voice_packs")
    op.drop_table("voice_clips")
