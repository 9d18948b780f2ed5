"""Citizens' ratings through the API and the counter tablet (SQLite and PostgreSQL): stored once,
only for a finished visit, only with the ticket's key or from its own counter's tablet in time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from queue_server.db import schema as t
from queue_server.db.engine import make_engine
from queue_server.reports.feedback import FEEDBACK_WINDOW_S
from tests.server.conftest import Office
from tests.server.test_reports import DAY, Day, app_with_clock


@pytest.fixture
def day(database_url: str, office: Office) -> Iterator[Day]:
    with app_with_clock(database_url, office) as d:
        yield d


def rate(d: Day, name: str, body: dict[str, Any], key: str | None = None) -> Any:
    key = d.keys[name] if key is None else key
    return d.client.post(f"/api/v1/tickets/{d.ids[name]}/feedback?key={key}", json=body)


def served(d: Day, name: str, counter: str = "1") -> None:
    d.issue(name, "A")
    d.next(counter)
    d.ticket(name, "done", f"officer{counter}")


def test_a_rating_is_stored_once_for_a_done_ticket(day: Day) -> None:
    day.at("09:00")
    served(day, "one")
    stored = rate(day, "one", {"rating": 4, "comment": "  รวดเร็ว ดีมาก "})
    assert stored.status_code == 201, stored.json
    assert stored.json["rating"] == 4 and stored.json["comment"] == "รวดเร็ว ดีมาก"
    assert stored.json["at"] == "2026-11-26T09:00:00+07:00"
    again = rate(day, "one", {"rating": 1})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_rated"
    engine = make_engine(day.db.url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.feedback)).mappings().all()
    engine.dispose()
    assert [(r["rating"], r["source"], r["service"], r["counter"], r["day"]) for r in rows] == [
        (4, "status", "A", "1", DAY)
    ]


def test_wrong_key_and_unfinished_tickets_are_refused(day: Day) -> None:
    day.at("09:00")
    served(day, "done")
    day.issue("waiting", "B")
    wrong = rate(day, "done", {"rating": 5}, key="guess")
    assert wrong.status_code == 404 and wrong.json["error"]["code"] == "not_found"
    other_key = rate(day, "done", {"rating": 5}, key=day.keys["waiting"])
    assert other_key.status_code == 404
    waiting = rate(day, "waiting", {"rating": 5})
    assert waiting.status_code == 409 and waiting.json["error"]["code"] == "not_done"
    for bad in (
        {},
        {"rating": 0},
        {"rating": 6},
        {"rating": 4.5},
        {"rating": 3, "comment": "x" * 501},
        {"rating": 3, "stars": 3},
    ):
        response = rate(day, "done", bad)
        assert response.status_code == 422, bad
    assert rate(day, "done", {"rating": 2}).status_code == 201


def test_the_tablet_rates_only_its_counters_last_visit_in_time(day: Day) -> None:
    day.at("09:00")
    served(day, "first")
    day.at("09:05")
    served(day, "second")
    assert day.client.get("/feedback/1").status_code == 401  # not set up: a stranger
    token = day.office.tokens["display"]
    set_up = day.client.get(f"/feedback/1?token={token}")
    assert set_up.status_code == 302 and "token" not in set_up.headers["Location"]
    tablet = day.client.get("/feedback/1")
    assert "A002" in tablet.text and "A001" not in tablet.text
    # An older ticket of the counter, or another counter's, cannot be rated from here.
    old = day.client.post("/feedback/1", data={"ticket_id": day.ids["first"], "rating": "1"})
    assert old.status_code == 409
    assert "A002" not in day.client.get("/feedback/2").text
    assert day.client.post("/feedback/1", data={"ticket_id": "", "rating": "9"}).status_code == 422
    # Too late: the window has passed, nothing is offered and nothing is taken.
    day.clock.now += timedelta(seconds=FEEDBACK_WINDOW_S + 1)
    assert "A002" not in day.client.get("/feedback/1").text
    late = day.client.post("/feedback/1", data={"ticket_id": day.ids["second"], "rating": "5"})
    assert late.status_code == 409
    day.clock.now -= timedelta(seconds=2)
    taken = day.client.post("/feedback/1", data={"ticket_id": day.ids["second"], "rating": "5"})
    assert taken.status_code == 302
    assert "ขอบคุณ" in day.client.get(taken.headers["Location"]).text
    # Rated: the tablet goes back to its welcome, and the same ticket is not taken twice.
    assert "A002" not in day.client.get("/feedback/1").text
    twice = day.client.post("/feedback/1", data={"ticket_id": day.ids["second"], "rating": "1"})
    assert twice.status_code == 409
    assert day.client.get("/feedback/9").status_code == 404


def test_ratings_count_in_the_report(day: Day) -> None:
    day.at("09:00")
    served(day, "one")
    served(day, "two", counter="3")
    assert rate(day, "one", {"rating": 5}).status_code == 201
    assert rate(day, "two", {"rating": 2}).status_code == 201
    doc = day.report(f"date={DAY}").json
    assert doc["totals"]["feedback"] == {"count": 2, "mean": 3.5, "ratings": [0, 1, 0, 0, 1]}
    counters = {c["code"]: c["figures"]["feedback"] for c in doc["counters"]}
    assert counters["1"]["ratings"] == [0, 0, 0, 0, 1] and counters["3"]["mean"] == 2.0
    services = {s["code"]: s["figures"]["feedback"] for s in doc["services"]}
    assert services["A"]["count"] == 2


def test_the_status_page_offers_the_form_until_rated(day: Day) -> None:
    day.at("09:00")
    served(day, "one")
    path = f"/t/{day.ids['one']}?key={day.keys['one']}"
    page = day.client.get(path).text
    assert 'id="feedback"' in page and '"rated": false' in page
    assert rate(day, "one", {"rating": 3}).status_code == 201
    assert '"rated": true' in day.client.get(path).text
