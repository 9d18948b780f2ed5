"""provinces: offices grouped by province, and admins of a whole province

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-29 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provinces",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_provinces")),
    )
    op.add_column("offices", sa.Column("province", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_offices_province"), "offices", ["province"], unique=False)
    op.add_column(
        "users",
        sa.Column("province_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("users", "province_admin")
    op.drop_index(op.f("ix_offices_province"), table_name="offices")
    op.drop_column("offices", "province")
    op.drop_table("provinces")
