"""Display tests run against a real `swq server` on a SQLite file, like the server tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from queue_server.db.engine import make_engine
from tests.server.conftest import Office, load_test_office, sqlite_template, sqlite_url
from tests.server.processes import ServerProcess

__all__ = ["sqlite_template", "sqlite_url"]
NOTICE_TH = "กรุณาเตรียมบัตรประจำตัวประชาชนให้พร้อมก่อนถึงช่องบริการ"
NOTICE_EN = "Please have your ID card ready before you reach the counter"


def set_notice(database_url: str, code: str) -> None:
    """What the admin page's notice form stores."""
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE offices SET notice_th = :th, notice_en = :en WHERE code = :code"),
            {"th": NOTICE_TH, "en": NOTICE_EN, "code": code},
        )
    engine.dispose()


class Hall:
    """A running server with the test office, and what a kiosk and officers do to it."""

    def __init__(self, server: ServerProcess, office: Office) -> None:
        self.server = server
        self.office = office

    @property
    def url(self) -> str:
        return self.server.url

    def issue(self, service: str = "A") -> dict:
        response = requests.post(
            f"{self.url}/api/v1/tickets",
            json={"service": service},
            headers=self.office.auth("kiosk"),
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def call_next(self, counter: str) -> dict:
        response = requests.post(
            f"{self.url}/api/v1/counters/{counter}/next",
            headers=self.office.auth(f"officer{counter}"),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def act(self, ticket_id: str, action: str, counter: str, body: dict | None = None) -> dict:
        response = requests.post(
            f"{self.url}/api/v1/tickets/{ticket_id}/{action}",
            json=body or {},
            headers=self.office.auth(f"officer{counter}"),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def recall(self, counter: str) -> dict:
        response = requests.post(
            f"{self.url}/api/v1/counters/{counter}/recall",
            headers=self.office.auth(f"officer{counter}"),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def hall(sqlite_url: str, tmp_path: Path) -> Iterator[Hall]:
    office = load_test_office(sqlite_url)
    set_notice(sqlite_url, office.code)
    server = ServerProcess(sqlite_url, log_path=tmp_path / "server.log").start()
    yield Hall(server, office)
    server.stop()
