"""Schema migrations with Alembic, driven from code so `swq db upgrade` needs no alembic.ini."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory


def alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", "queue_server:migrations")
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def revisions(engine: sa.Engine) -> tuple[set[str], set[str]]:
    """(the revisions the database is at, the newest this code knows); a new database is at
    none."""
    with engine.connect() as conn:
        heads = set(ScriptDirectory.from_config(alembic_config(conn)).get_heads())
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current, heads


def is_current(engine: sa.Engine) -> bool:
    """Whether the database is at the newest revision this code knows."""
    current, heads = revisions(engine)
    return current == heads
