"""Server tests run against real databases: a SQLite file and the PostgreSQL on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from core.office_file import load_office
from queue_server import create_app
from queue_server.auth import Role, create_token
from queue_server.db.engine import make_engine
from queue_server.db.migrate import upgrade
from queue_server.db.schema import metadata
from queue_server.offices import store_office
from tests.server.processes import ServerProcess

HERE = Path(__file__).parent
OFFICE_FILE = HERE / "office.toml"
SECOND_OFFICE_FILE = HERE / "office_kkn.toml"
PG_SERVER = os.environ.get("SWQ_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DATABASE = "swq_test"


def new_pg_database(server: str, name: str) -> str:
    """Database `name` on the PostgreSQL at `server`, made anew with the current schema."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    url = f"{server}/{name}".replace("postgresql://", "postgresql+psycopg://")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def own_pg_database(name: str) -> Iterator[str]:
    """A database of its own on the local PostgreSQL, with the current schema; dropped at the
    end, so test runs side by side never see each other's tables."""
    yield new_pg_database(PG_SERVER, name)
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """This test session's own PostgreSQL database."""
    yield from own_pg_database(f"{PG_DATABASE}_{os.getpid()}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "swq.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def fresh_database(backend: str, tmp_path: Path, pg_url: str, sqlite_template: Path) -> str:
    if backend == "sqlite":
        path = tmp_path / "swq.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        tables = ", ".join(t.name for t in metadata.sorted_tables)
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()
    return pg_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else ""
    return fresh_database(request.param, tmp_path, pg, sqlite_template)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    return fresh_database("sqlite", tmp_path, "", sqlite_template)


@dataclass
class Office:
    """A loaded office and a bearer token for each device and officer."""

    code: str
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


TOKENS = {
    "kiosk": (Role.KIOSK, None),
    "kiosk2": (Role.KIOSK, None),
    "display": (Role.DISPLAY, None),
    "officer1": (Role.OFFICER, "1"),
    "officer2": (Role.OFFICER, "2"),
    "officer3": (Role.OFFICER, "3"),
    "admin": (Role.ADMIN, None),
}


def load_test_office(database_url: str, path: Path = OFFICE_FILE) -> Office:
    spec = load_office(path)
    engine = make_engine(database_url)
    office = Office(spec.config.office.code)
    with engine.begin() as conn:
        store_office(conn, spec)
        for name, (role, counter) in TOKENS.items():
            office.tokens[name] = create_token(
                conn,
                office=office.code,
                role=role,
                name=name,
                counter=counter,
                now=datetime.now(UTC),
            )
    engine.dispose()
    return office


@pytest.fixture
def office(database_url: str) -> Office:
    return load_test_office(database_url)


@pytest.fixture
def app(database_url: str, office: Office) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    yield app
    ext = app.extensions["swq"]
    ext.hub.stop()
    ext.hub.join()
    ext.db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    """Servers a test starts go in this list; whatever happens, they are stopped."""
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


def count_rows(database_url: str, table: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return int(n)


def this_morning() -> datetime:
    """09:00 today in Bangkok, the test offices' time zone: a clock that starts here and moves
    on by minutes stays in one office day, whenever the suite runs (after 23:00 there, a clock
    started at the real time crossed midnight and a day's figures started again)."""
    bangkok = ZoneInfo("Asia/Bangkok")
    return datetime.combine(datetime.now(bangkok).date(), time(9), tzinfo=bangkok).astimezone(UTC)
