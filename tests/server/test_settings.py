"""Settings: defaults < a TOML file (SWQ_CONFIG_FILE) < SWQ_* variables < create_app's argument."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from queue_server import create_app
from tests.server.conftest import load_test_office


def make(config: dict[str, object] | None = None) -> Flask:
    app = create_app(config)
    app.extensions["swq"].db.dispose()
    return app


def test_defaults_file_environment_and_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    defaults = make().config
    assert defaults["DATABASE_URL"] == "sqlite:///swq.db"
    assert defaults["KIOSK_RATE_LIMIT"] == 30
    settings = tmp_path / "swq.toml"
    settings.write_text(
        'PUBLIC_URL = "https://q.udn.go.th"\nKIOSK_RATE_LIMIT = 10\nKEEPALIVE_S = 5.0\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SWQ_CONFIG_FILE", str(settings))
    monkeypatch.setenv("SWQ_KIOSK_RATE_LIMIT", "12")
    config = make().config
    assert config["PUBLIC_URL"] == "https://q.udn.go.th"
    assert config["KEEPALIVE_S"] == 5.0
    assert config["KIOSK_RATE_LIMIT"] == 12  # the environment beats the file
    assert make({"KIOSK_RATE_LIMIT": 3}).config["KIOSK_RATE_LIMIT"] == 3


def test_public_url_is_the_base_of_status_links(sqlite_url: str) -> None:
    office = load_test_office(sqlite_url)
    app = create_app({"DATABASE_URL": sqlite_url, "PUBLIC_URL": "https://q.udn.go.th/"})
    ticket = app.test_client().post(
        "/api/v1/tickets", json={"service": "A"}, headers=office.auth("kiosk")
    )
    assert ticket.json["status_url"].startswith(f"https://q.udn.go.th/t/{ticket.json['id']}?key=")
    app.extensions["swq"].db.dispose()
