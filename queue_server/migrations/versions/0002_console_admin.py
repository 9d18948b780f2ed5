"""console and administration: board notice, kiosk layout, devices, audit log, secrets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import queue_server.db.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offices") as batch:
        batch.add_column(sa.Column("notice_th", sa.String(500), nullable=False, server_default=""))
        batch.add_column(sa.Column("notice_en", sa.String(500), nullable=False, server_default=""))
        batch.add_column(sa.Column("kiosk", sa.JSON(), nullable=True))
    op.create_table(
        "devices",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("last_seen", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.Column("printer", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=200), server_default="", nullable=False),
        sa.Column("version", sa.String(length=64), server_default="", nullable=False),
        sa.Column("address", sa.String(length=64), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_devices_office_offices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["token_id"], ["tokens.id"], name=op.f("fk_devices_token_id_tokens"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_devices")),
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("at", queue_server.db.schema.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), server_default="", nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.Column("address", sa.String(length=64), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.code"],
            name=op.f("fk_audit_log_office_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_office_id", "audit_log", ["office", "id"], unique=False)
    op.create_table(
        "secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_secrets")),
    )


def downgrade() -> None:
    op.drop_table("secrets")
    op.drop_index("ix_audit_log_office_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("devices")
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("kiosk")
        batch.drop_column("notice_en")
        batch.drop_column("notice_th")
