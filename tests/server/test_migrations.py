"""The Alembic revisions build exactly the tables the code declares, on both databases, and a
database made by the first revision upgrades with its data kept."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from queue_server.db.engine import make_engine
from queue_server.db.migrate import is_current, upgrade
from queue_server.db.schema import metadata
from tests.server.conftest import load_test_office


def test_migrations_match_the_declared_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert is_current(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()


def test_first_revision_upgrades_with_its_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    upgrade(engine, "0001")
    assert not is_current(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO offices (code, name_th, name_en, timezone, policy,"
                " transfer_keeps_place, priority) VALUES ('old', 'เก่า', 'Old', 'Asia/Bangkok',"
                " 'weighted', 1, '{}')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT name_th, notice_th FROM offices")).one()
    engine.dispose()
    assert tuple(row) == ("เก่า", "")
    load_test_office(url)  # the upgraded database takes a whole office
