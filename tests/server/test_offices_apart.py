"""Offices on one server never disturb each other: kiosks and boards started without --office
find their office through their token, and keep working when the server gains an office."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests

from display.feed import BoardFeed
from kiosk.api import KioskApi
from tests.display.test_feed import ModelListener, numbers
from tests.server.conftest import SECOND_OFFICE_FILE, Office, load_test_office
from tests.server.processes import ServerProcess


def third_office_file(tmp_path: Path) -> Path:
    """The Khon Kaen office again as a new office, "lpg"."""
    path = tmp_path / "office_lpg.toml"
    text = SECOND_OFFICE_FILE.read_text(encoding="utf-8")
    path.write_text(
        text.replace('code = "kkn"', 'code = "lpg"').replace("ขอนแก่น", "ลำปาง"),
        encoding="utf-8",
    )
    return path


def call_next(url: str, office: Office, counter: str) -> dict:
    response = requests.post(
        f"{url}/api/v1/counters/{counter}/next",
        headers=office.auth(f"officer{counter}"),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_devices_without_office_keep_their_office_when_a_third_is_added(
    database_url: str, tmp_path: Path
) -> None:
    udn = load_test_office(database_url)
    kkn = load_test_office(database_url, SECOND_OFFICE_FILE)
    server = ServerProcess(database_url, log_path=tmp_path / "server.log").start()
    feeds: list[BoardFeed] = []
    try:
        kiosks = {o.code: KioskApi(server.url, o.tokens["kiosk"]) for o in (udn, kkn)}
        boards = {}
        for o in (udn, kkn):
            listener = ModelListener()
            feed = BoardFeed(server.url, listener, token=o.tokens["display"])
            feed.start()
            feeds.append(feed)
            boards[o.code] = listener
        for o in (udn, kkn):
            assert kiosks[o.code].office().code == o.code
            assert boards[o.code].wait(lambda s: s.connected == [True])
            assert boards[o.code].office["code"] == o.code

        def one_visit(o: Office, number: str, counter: str) -> None:
            ticket = kiosks[o.code].issue("A", None, [], str(uuid.uuid4()))
            assert ticket.number == number
            assert call_next(server.url, o, counter)["number"] == number
            assert boards[o.code].wait(lambda s: numbers(s)[counter] == number)

        one_visit(udn, "A001", "1")
        one_visit(kkn, "A001", "1")

        lpg = load_test_office(database_url, third_office_file(tmp_path))

        one_visit(udn, "A002", "3")
        one_visit(kkn, "A002", "3")
        for o in (udn, kkn):
            assert [c.number for c in boards[o.code].calls] == ["A001", "A002"]
            assert "A" in {s.code for s in kiosks[o.code].services()}
            assert kiosks[o.code].office().code == o.code
        # A board restarted now, still without --office, comes back on its own office.
        again = ModelListener()
        feed = BoardFeed(server.url, again, token=kkn.tokens["display"])
        feed.start()
        feeds.append(feed)
        assert again.wait(lambda s: s.connected == [True])
        assert again.office["code"] == "kkn" and numbers(again)["3"] == "A002"
        assert KioskApi(server.url, lpg.tokens["kiosk"]).office().code == "lpg"

        # Nobody's token: the API asks which office; the web board offers the choice.
        anonymous = requests.get(f"{server.url}/api/v1/board", timeout=10)
        assert anonymous.status_code == 400
        assert anonymous.json()["error"]["code"] == "office_required"
        choice = requests.get(f"{server.url}/board", timeout=10)
        assert choice.status_code == 200
        for code in ("udn", "kkn", "lpg"):
            assert f"/board?office={code}" in choice.text
        assert "ศูนย์บริการร่วม จังหวัดลำปาง" in choice.text
        chosen = requests.get(f"{server.url}/api/v1/board?office=lpg", timeout=10)
        assert chosen.status_code == 200
        assert chosen.json()["office_name_th"] == "ศูนย์บริการร่วม จังหวัดลำปาง"
    finally:
        for feed in feeds:
            feed.stop()
        server.stop()
