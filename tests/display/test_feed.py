"""The board's feed against a real server: live calls, and a server restart mid-stream."""

from __future__ import annotations

import threading
from typing import Any

from display.board_model import BoardModel, Call
from display.feed import Backoff, BoardFeed
from tests.display.conftest import NOTICE_TH, Hall


class ModelListener:
    """Applies what the feed hears to a board model, as the Kivy app does on its thread."""

    def __init__(self) -> None:
        self.model = BoardModel()
        self.calls: list[Call] = []
        self.office: dict[str, Any] = {}
        self.connected: list[bool] = []
        self.layouts: list[dict[str, Any]] = []
        self.logos: list[bytes | None] = []
        self.services: list[dict[str, Any]] = []
        self.changed = threading.Condition()

    def on_event(self, event_id: int, event_type: str, data: dict[str, Any]) -> None:
        with self.changed:
            call = self.model.apply(event_id, event_type, data)
            if call is not None:
                self.calls.append(call)
            self.changed.notify_all()

    def on_board(self, doc: dict[str, Any]) -> None:
        with self.changed:
            self.model.resync(doc)
            self.changed.notify_all()

    def on_office(self, doc: dict[str, Any]) -> None:
        self.office = doc

    def on_layout(self, doc: dict[str, Any]) -> None:
        self.layouts.append(doc)

    def on_logo(self, png: bytes | None) -> None:
        self.logos.append(png)

    def on_services(self, services: list[dict[str, Any]]) -> None:
        self.services = services

    def on_connection(self, connected: bool, detail: str) -> None:
        with self.changed:
            self.connected.append(connected)
            self.changed.notify_all()

    def wait(self, what: Any, timeout_s: float = 30.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: what(self), timeout_s)


def numbers(listener: ModelListener) -> dict[str, str | None]:
    return {c.code: c.number for c in listener.model.state().counters}


def test_calls_reach_the_board_and_the_office_and_notice_are_read(hall: Hall) -> None:
    hall.issue("A")
    listener = ModelListener()
    feed = BoardFeed(hall.url, listener)
    feed.start()
    try:
        assert listener.wait(lambda s: s.connected == [True])
        assert listener.office["notice_th"] == NOTICE_TH
        hall.call_next("1")
        assert listener.wait(lambda s: numbers(s)["1"] == "A001")
        assert [c.number for c in listener.calls] == ["A001"]
        assert listener.model.state().office_name_th == "ศูนย์บริการร่วม จังหวัดอุดรธานี"
    finally:
        feed.stop()


def test_a_server_restart_mid_stream_misses_no_call(hall: Hall) -> None:
    for service in "ABA":
        hall.issue(service)
    listener = ModelListener()
    # A slow first retry, so the calls below happen while the board is surely disconnected: a
    # server restart and three calls took over 4 s with the suite's other worker busy.
    feed = BoardFeed(hall.url, listener, backoff=Backoff(first_s=12.0, cap_s=12.0, jitter=0.0))
    feed.start()
    try:
        assert listener.wait(lambda s: s.connected == [True])
        first = hall.call_next("1")
        assert listener.wait(lambda s: len(s.calls) == 1)

        hall.server.stop()
        assert listener.wait(lambda s: s.connected[-1] is False)
        hall.server.start()
        hall.act(first["id"], "done", "1")
        second = hall.call_next("2")
        third = hall.call_next("3")
        assert listener.connected[-1] is False  # these happened while the board was away

        assert listener.wait(lambda s: len(s.calls) == 3 and s.connected[-1] is True)
        assert [c.number for c in listener.calls] == ["A001", second["number"], third["number"]]
        assert [c.event_id for c in listener.calls] == sorted(c.event_id for c in listener.calls)
        assert numbers(listener) == {"1": None, "2": second["number"], "3": third["number"]}
        assert feed.connects == 2

        hall.recall("3")  # and the stream is live again after the replay
        assert listener.wait(lambda s: len(s.calls) == 4)
        assert listener.calls[-1].recall and listener.calls[-1].number == third["number"]
    finally:
        feed.stop()


def test_a_board_for_an_unknown_office_says_why_and_keeps_trying(hall: Hall) -> None:
    listener = ModelListener()
    feed = BoardFeed(hall.url, listener, office="nowhere", backoff=Backoff(first_s=0.1))
    feed.start()
    try:
        assert listener.wait(lambda s: len(s.connected) >= 2)
        assert set(listener.connected) == {False}
    finally:
        feed.stop()


def test_a_board_goes_on_without_what_it_may_not_read(hall: Hall) -> None:
    """Started with a kiosk's token by mistake, the board is refused its layout (403): it shows
    the default layout and the calls, never reconnecting over it."""
    hall.issue("A")
    listener = ModelListener()
    feed = BoardFeed(hall.url, listener, token=hall.office.tokens["kiosk"])
    feed.start()
    try:
        assert listener.wait(lambda s: s.connected == [True])
        hall.call_next("1")
        assert listener.wait(lambda s: numbers(s)["1"] == "A001")
        assert listener.layouts == [] and listener.connected == [True]
    finally:
        feed.stop()
