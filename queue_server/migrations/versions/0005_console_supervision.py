"""console and supervision: no-show grace, pause reasons, pause after a ticket, audit by counter

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-29 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offices") as batch:
        batch.add_column(
            sa.Column("no_show_grace_s", sa.Integer(), nullable=False, server_default="120")
        )
        batch.add_column(sa.Column("pause_reasons", sa.JSON(), nullable=True))
    with op.batch_alter_table("counters") as batch:
        batch.add_column(
            sa.Column("pause_code", sa.String(length=32), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("pause_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(
            sa.Column("counter", sa.String(length=32), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("ticket", sa.String(length=16), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("ticket")
        batch.drop_column("counter")
    with op.batch_alter_table("counters") as batch:
        batch.drop_column("pause_pending")
        batch.drop_column("pause_code")
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("pause_reasons")
        batch.drop_column("no_show_grace_s")
