"""A server process's copy of an office (`queue_server/db/office_mirror.py`) answers estimates,
service lists and "call next" as the tables would, however the office changed: by this process
or by another one (a second app on the same database), ticket by ticket and counter by counter;
and a fault of the copy never fails a request."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from core import services
from core.routing import get_policy
from core.services import ARRIVAL_WINDOW
from queue_server.app import create_app
from queue_server.db import office_mirror
from queue_server.db.office_mirror import OfficeMirror, last_event_id
from queue_server.db.uow import SqlUnitOfWork
from tests.server.conftest import Office
from tests.server.test_reports import Clock

CLASSES = ["normal", "normal", "normal", "elderly", "monk", "pregnant"]
COUNTERS = ["1", "2", "3"]


@contextmanager
def two_processes(database_url: str, clock: Clock) -> Iterator[list[Flask]]:
    """Two apps on one database, each with its own copies, as two server processes have."""
    apps = [
        create_app({"DATABASE_URL": database_url, "TESTING": True, "CLOCK": clock})
        for _ in range(2)
    ]
    try:
        yield apps
    finally:
        for app in apps:
            ext = app.extensions["swq"]
            ext.hub.stop()
            ext.hub.join()
            ext.db.dispose()


def position_from_sql(app: Flask, office: str, ticket_id: str, now: datetime) -> Any:
    with SqlUnitOfWork(app.extensions["swq"].db, office, write=False) as uow:
        return services.position(uow, uow.config(office), uow.tickets.get(ticket_id), now)


def mirror_state(mirror: OfficeMirror, since: datetime) -> tuple[Any, ...]:
    store = mirror.store
    issued = [entry for entry in store.issued[mirror.office] if entry[0] >= since]
    return (
        mirror.event_id,
        sorted((i, key) for i, (_, key) in store.queued.items()),
        sorted(store.at_counter.items()),
        sorted(store.counters.items()),
        issued,
        {s: list(store.service_times[(mirror.office, s)]) for s in sorted(mirror.timed)},
    )


def mirror_matches_database(app: Flask, office: str) -> bool:
    """Whether the app's copy is the database's as of now; False when it has none or is behind
    (another app wrote since it last wrote): it catches up at its next write."""
    db = app.extensions["swq"].db
    mirror = db.mirrors.get(office)
    if mirror is None:
        return False
    with SqlUnitOfWork(db, office, write=False) as uow:
        conn = uow.connection
        fresh = OfficeMirror.read(conn, office, mirror.version, mirror.day, mirror.issued_since)
        if fresh.event_id != mirror.event_id:
            return False
        for service in mirror.timed:
            samples = uow.tickets.recent_service_times(office, service, 50)
            assert fresh.set_times(service, samples, fresh.event_id)
    assert mirror_state(mirror, mirror.issued_since) == mirror_state(fresh, mirror.issued_since)
    return True


def reads_agree(app: Flask, office: Office, waiting: list[str], now: datetime) -> None:
    """What a kiosk's service list and a waiting ticket's page show (read from the copy) is
    what the tables give."""
    client = app.test_client()
    listed = client.get("/api/v1/services", headers=office.auth("kiosk")).json
    with SqlUnitOfWork(app.extensions["swq"].db, office.code, write=False) as uow:
        config = uow.config(office.code)
        counts = uow.tickets.waiting_counts(office.code)
        newcomers = services.newcomer_positions(uow, config, now)
    assert [(s["code"], s["waiting"], s["estimated_wait_s"]) for s in listed] == [
        (code, counts.get(code, 0), newcomers[code].estimated_wait_s) for code in config.services
    ]
    for ticket_id in waiting[-2:]:
        shown = client.get(f"/api/v1/tickets/{ticket_id}", headers=office.auth("kiosk")).json
        expected = position_from_sql(app, office.code, ticket_id, now)
        assert (shown["people_ahead"], shown["estimated_wait_s"]) == (
            expected.people_ahead,
            expected.estimated_wait_s,
        )


def choice_from_sql(app: Flask, office: str, counter: str, now: datetime) -> str | None:
    """The ticket the office's policy calls to `counter` now, from the tables alone."""
    with SqlUnitOfWork(app.extensions["swq"].db, office, write=False) as uow:
        config = uow.config(office)
        desk = uow.counters.get(office, counter)
        head = get_policy(config.policy).choose(services.routing_context(uow, config, desk, now))
    return None if head is None else head.ticket_id


class Officers:
    """Random officers' and kiosks' actions through the API of either app."""

    def __init__(self, apps: list[Flask], office: Office, rng: random.Random, clock: Clock) -> None:
        self.apps, self.office, self.rng, self.clock = apps, office, rng, clock
        self.clients = [app.test_client() for app in apps]
        self.calls = 0
        self.waiting: list[str] = []
        self.at: dict[str, str] = {}  # counter -> ticket id
        self.paused: set[str] = set()

    def step(self, which: int) -> dict[str, Any] | None:
        """One action through app `which`; the new ticket when it was an issue."""
        client = self.clients[which]
        rng, counter = self.rng, self.rng.choice(COUNTERS)
        officer = self.office.auth(f"officer{counter}")
        roll = rng.random()
        if roll < 0.4:
            body = {"service": rng.choice("ABBC"), "priority": rng.choice(CLASSES)}
            answer = client.post("/api/v1/tickets", json=body, headers=self.office.auth("kiosk"))
            if body["service"] == "C" and answer.status_code != 201:
                return None  # C's daily quota is three
            assert answer.status_code == 201, answer.json
            self.waiting.append(answer.json["id"])
            return dict(answer.json)
        if counter in self.paused:
            self._ok(client.post(f"/api/v1/counters/{counter}/resume", headers=officer))
            self.paused.discard(counter)
        elif counter not in self.at:
            if roll > 0.95:
                body = {"reason": "พักเที่ยง"}
                self._ok(
                    client.post(f"/api/v1/counters/{counter}/pause", json=body, headers=officer)
                )
                self.paused.add(counter)
                return None
            expected = choice_from_sql(self.apps[which], self.office.code, counter, self.clock.now)
            answer = client.post(f"/api/v1/counters/{counter}/next", headers=officer)
            assert answer.status_code in (200, 204), answer.json
            assert (answer.json or {}).get("id") == expected
            if answer.status_code == 200:
                self.calls += 1
                self.at[counter] = answer.json["id"]
                self.waiting.remove(answer.json["id"])
        else:
            ticket = self.at.pop(counter)
            elsewhere = rng.choice([c for c in COUNTERS if c != counter])
            action, body = rng.choice(
                [
                    ("done", {}),
                    ("done", {}),
                    ("no-show", {}),
                    ("transfer", {"service": "B"}),
                    ("transfer", {"counter": elsewhere}),
                ]
            )
            self._ok(client.post(f"/api/v1/tickets/{ticket}/{action}", json=body, headers=officer))
            if action == "transfer":
                self.waiting.append(ticket)
        return None

    def cancel_one(self, which: int) -> None:
        client = self.clients[which]
        if self.waiting:
            ticket = self.waiting.pop(self.rng.randrange(len(self.waiting)))
            auth = self.office.auth("kiosk")
            self._ok(client.post(f"/api/v1/tickets/{ticket}/cancel", json={}, headers=auth))

    @staticmethod
    def _ok(answer: Any) -> None:
        assert answer.status_code == 200, answer.json


@pytest.mark.parametrize("seed", [7, 8])
def test_the_copy_answers_estimates_as_the_database_does(
    database_url: str, office: Office, seed: int
) -> None:
    clock = Clock()
    clock.set("08:30")
    with two_processes(database_url, clock) as apps:
        people = Officers(apps, office, random.Random(seed), clock)
        issued = compared = 0
        for step in range(160):
            clock.now += timedelta(seconds=people.rng.randrange(10, 120))
            # Most requests reach the first process; the second one's changes are news to it.
            which = 0 if people.rng.random() < 0.7 else 1
            if step % 25 == 24:
                people.cancel_one(which)
            ticket = people.step(which)
            if ticket is not None:
                issued += 1
                expected = position_from_sql(apps[which], office.code, ticket["id"], clock.now)
                assert (ticket["people_ahead"], ticket["estimated_wait_s"]) == (
                    expected.people_ahead,
                    expected.estimated_wait_s,
                ), f"step {step}"
            compared += mirror_matches_database(apps[which], office.code)
            reads_agree(apps[which], office, people.waiting, clock.now)
        assert issued > 40 and compared > 100 and people.calls > 30
        for app in apps:
            assert app.extensions["swq"].db.mirrors.get(office.code) is not None


def test_a_pause_waiting_for_the_ticket_reaches_the_other_process(
    database_url: str, office: Office
) -> None:
    clock = Clock()
    clock.set("08:30")
    with two_processes(database_url, clock) as apps:
        one, other = (app.test_client() for app in apps)
        officer, kiosk = office.auth("officer1"), office.auth("kiosk")

        def serve_one(pause: dict[str, Any], then: str | None) -> str:
            """A ticket issued, called and finished by the other process (which so keeps a copy
            of the office), while this one pauses the counter after it (and, with `then`, acts
            again): the counter's state after."""
            other.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
            ticket = other.post("/api/v1/counters/1/next", headers=officer).json["id"]
            paused = one.post("/api/v1/counters/1/pause", json=pause, headers=officer)
            assert paused.json["pause_pending"] is True
            if then is not None:
                assert one.post(then, headers=officer).status_code == 200
            # The other process's writer reads the counter from its copy of the office.
            done = other.post(f"/api/v1/tickets/{ticket}/done", json={}, headers=officer)
            assert done.status_code == 200
            return str(one.get("/api/v1/counters/1", headers=officer).json["counter"]["state"])

        after = {"reason_code": "lunch", "after_ticket": True}
        assert serve_one(after, None) == "paused"
        assert other.post("/api/v1/counters/1/resume", headers=officer).status_code == 200
        assert serve_one(after, "/api/v1/counters/1/resume") == "open"
        assert mirror_matches_database(apps[1], office.code)


def test_a_new_configuration_or_day_reads_the_copy_again(database_url: str, office: Office) -> None:
    clock = Clock()
    clock.set("08:30")
    with two_processes(database_url, clock) as apps:
        client = apps[0].test_client()
        kiosk = office.auth("kiosk")
        first = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk).json
        db = apps[0].extensions["swq"].db
        mirror = db.mirrors.get(office.code)
        assert mirror is not None and first["people_ahead"] == 0
        # An admin closes counter 3 in the other process: a new configuration version.
        admin = apps[1].test_client()
        closed = admin.post(
            "/api/v1/counters/3/pause", json={"reason": "x"}, headers=office.auth("officer3")
        )
        assert closed.status_code == 200
        with db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE offices SET version = version + 1")
        clock.now += timedelta(minutes=1)
        second = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk).json
        again = db.mirrors.get(office.code)
        assert again is not mirror and again.version == mirror.version + 1
        assert second["people_ahead"] == 1
        assert again.store.counters[(office.code, "3")].state.value == "paused"
        # The next morning: yesterday's arrivals are not today's.
        clock.now += timedelta(days=1)
        third = client.post("/api/v1/tickets", json={"service": "B"}, headers=kiosk).json
        today = db.mirrors.get(office.code)
        assert today.day == again.day + timedelta(days=1)
        assert today.issued_since == clock.now - ARRIVAL_WINDOW
        expected = position_from_sql(apps[0], office.code, third["id"], clock.now)
        assert third["estimated_wait_s"] == expected.estimated_wait_s


def test_a_copy_that_fails_is_read_again_and_no_request_fails(
    database_url: str, office: Office, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    clock = Clock()
    clock.set("08:30")
    with two_processes(database_url, clock) as apps:
        client, kiosk = apps[0].test_client(), office.auth("kiosk")
        db = apps[0].extensions["swq"].db
        assert (
            client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk).status_code == 201
        )

        def broken(*_args: object) -> None:
            raise KeyError("a fault of the copy's own")

        for method in ("apply", "catch_up"):
            monkeypatch.setattr(OfficeMirror, method, broken)
            clock.now += timedelta(minutes=1)
            answer = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk)
            monkeypatch.undo()
            assert answer.status_code == 201, answer.json
            expected = position_from_sql(apps[0], office.code, answer.json["id"], clock.now)
            assert answer.json["estimated_wait_s"] == expected.estimated_wait_s
        assert "could not take a change" in caplog.text
        assert "could not catch up" in caplog.text
        clock.now += timedelta(minutes=1)
        last = client.post("/api/v1/tickets", json={"service": "A"}, headers=kiosk).json
        assert last["people_ahead"] == 3
        assert db.mirrors.get(office.code).event_id == last_event_of(db, office.code)


def last_event_of(db: Any, office: str) -> int:
    with db.engine.connect() as conn:
        return last_event_id(conn, office)


def test_a_long_day_keeps_the_latest_arrivals_and_asks_the_tables_for_older_ones(
    database_url: str, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(office_mirror, "ISSUED_KEPT", 6)
    clock = Clock()
    clock.set("08:00")
    with two_processes(database_url, clock) as apps:
        client, kiosk = apps[0].test_client(), office.auth("kiosk")
        for n in range(14):
            clock.now += timedelta(minutes=2)
            body = {"service": "AB"[n % 2], "priority": CLASSES[n % len(CLASSES)]}
            answer = client.post("/api/v1/tickets", json=body, headers=kiosk)
            expected = position_from_sql(apps[0], office.code, answer.json["id"], clock.now)
            assert answer.json["estimated_wait_s"] == expected.estimated_wait_s
        mirror = apps[0].extensions["swq"].db.mirrors.get(office.code)
        kept = mirror.store.issued[office.code]
        assert len(kept) <= 6 and len(mirror.arrivals) == len(kept)
        assert mirror.issued_since == kept[0][0] > clock.now - ARRIVAL_WINDOW
