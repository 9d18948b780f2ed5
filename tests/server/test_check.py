"""`swq check`: clean after a real day of API traffic; each kind of corruption, made with raw SQL,
is reported by name with the ticket or number it concerns, and exits 1."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from queue_server.cli import main
from queue_server.db import schema as t
from queue_server.db.check import find_problems
from queue_server.db.engine import make_engine
from queue_server.db.schema import metadata
from tests.server.conftest import Office, count_rows


def swq_check(url: str) -> Result:
    return CliRunner().invoke(main, ["check", "--db", url])


def post(client: FlaskClient, office: Office, who: str, path: str, **body: object) -> dict:
    response = client.post(f"/api/v1{path}", json=body, headers=office.auth(who))
    assert response.status_code in (200, 201), (path, response.json)
    return response.json


def call(client: FlaskClient, office: Office, counter: str) -> dict:
    return post(client, office, f"officer{counter}", f"/counters/{counter}/next")


@dataclass
class Day:
    """The database after `busy_day`, and the tickets the corruptions start from."""

    url: str
    office: Office
    waiting: dict  # a ticket still waiting at the end
    at_counter: dict  # a ticket still called at counter 1 at the end
    finished: dict  # a ticket issued, called, served and done


def busy_day(url: str, client: FlaskClient, office: Office) -> Day:
    """Every kind of ticket event and a counter pause, through the real API."""
    issued = [post(client, office, "kiosk", "/tickets", service=s) for s in "AAAABBC"]
    # Counter 1 (A and B): a visit with a recall and service, then a no-show.
    first = call(client, office, "1")
    post(client, office, "officer1", "/counters/1/recall")
    post(client, office, "officer1", f"/tickets/{first['id']}/serving")
    finished = post(client, office, "officer1", f"/tickets/{first['id']}/done", transactions=[])
    gone = call(client, office, "1")
    post(client, office, "officer1", f"/tickets/{gone['id']}/no-show")
    # Counter 1 sends one to service C; counter 2 (B and C) serves it, then sends it to counter 3.
    moved = call(client, office, "1")
    post(client, office, "officer1", f"/tickets/{moved['id']}/transfer", service="C")
    while (at_two := call(client, office, "2"))["id"] != moved["id"]:
        post(client, office, "officer2", f"/tickets/{at_two['id']}/done", transactions=[])
    post(client, office, "officer2", f"/tickets/{moved['id']}/serving")
    post(client, office, "officer2", f"/tickets/{moved['id']}/transfer", counter="3")
    post(client, office, "officer3", "/counters/3/pause", reason="พักเที่ยง")
    post(client, office, "officer3", "/counters/3/resume")
    assert call(client, office, "3")["id"] == moved["id"]
    post(client, office, "officer3", f"/tickets/{moved['id']}/done", transactions=["A", "C"])
    # A customer gives up while waiting; another is left at counter 1, one more still waits.
    late = post(client, office, "kiosk", "/tickets", service="B")
    post(client, office, "kiosk", f"/tickets/{late['id']}/cancel")
    at_counter = call(client, office, "1")
    waiting = post(client, office, "kiosk", "/tickets", service="A")
    assert len(issued) == 7 and at_counter["counter"] == "1"
    return Day(url, office, waiting, at_counter, finished)


@pytest.fixture
def day(database_url: str, client: FlaskClient, office: Office) -> Day:
    return busy_day(database_url, client, office)


def execute(url: str, sql: str, **params: object) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(sql), params)
    engine.dispose()


def add_event(url: str, office: str, kind: str, ticket_id: str, counter: str | None) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(t.events).values(
                office=office,
                type=kind,
                at=datetime.now(UTC) + timedelta(seconds=1),
                ticket_id=ticket_id,
                counter=counter,
                data="{}",
            )
        )
    engine.dispose()


UNIQUE_NUMBER = "uq_tickets_office_day_number"
ONE_PER_COUNTER = "uq_tickets_at_counter"


def _drop_unique_number(url: str) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER TABLE tickets DROP CONSTRAINT {UNIQUE_NUMBER}")
        engine.dispose()
        return
    # SQLite cannot drop a table constraint: rebuild the table without it. The engine's
    # connections begin transactions themselves, so drive this one by hand.
    raw = engine.raw_connection()
    cursor = raw.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.execute("BEGIN")
    sql = cursor.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tickets'"
    ).fetchone()[0]
    loose = re.sub(rf",\s*CONSTRAINT {UNIQUE_NUMBER} UNIQUE \([^)]*\)", "", sql)
    assert loose != sql, sql
    cursor.execute(loose.replace("CREATE TABLE tickets", "CREATE TABLE loose", 1))
    cursor.execute("INSERT INTO loose SELECT * FROM tickets")
    cursor.execute("DROP TABLE tickets")
    cursor.execute("ALTER TABLE loose RENAME TO tickets")
    cursor.execute("COMMIT")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    raw.close()
    engine.dispose()


@pytest.fixture
def drop_guard(database_url: str) -> Iterator[Callable[[str], None]]:
    """Drops one of the schema's guards for a test that must get past it. Each test has its own
    SQLite file, but the PostgreSQL schema is the session's: put the guard back afterwards."""
    dropped: list[str] = []

    def drop(name: str) -> None:
        if name == UNIQUE_NUMBER:
            _drop_unique_number(database_url)
        else:
            execute(database_url, f"DROP INDEX {name}")
        dropped.append(name)

    yield drop
    if not dropped or not database_url.startswith("postgresql"):
        return
    engine = make_engine(database_url)
    with engine.begin() as conn:
        tables = ", ".join(table.name for table in metadata.sorted_tables)
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        if UNIQUE_NUMBER in dropped:
            conn.exec_driver_sql(
                f"ALTER TABLE tickets ADD CONSTRAINT {UNIQUE_NUMBER} UNIQUE (office, day, number)"
            )
        for index in t.tickets.indexes:
            if index.name in dropped:
                index.create(conn)
        # The tests after this one rely on the guards: make sure they are really back.
        inspector = sa.inspect(conn)
        guards = {c["name"] for c in inspector.get_unique_constraints("tickets")}
        guards |= {i["name"] for i in inspector.get_indexes("tickets")}
        assert {UNIQUE_NUMBER, ONE_PER_COUNTER} <= guards, guards
    engine.dispose()


def assert_reported(result: Result, code: str, *names: str) -> str:
    """The check failed, and a line of its report has `code` and names every one of `names`."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if f"] {code}: " in line]
    assert lines, result.output
    assert any(all(name in line for name in names) for line in lines), result.output
    assert re.search(r" / \d+ problems? \(", result.output.splitlines()[-1]), result.output
    return result.output


def test_a_clean_day_passes(day: Day) -> None:
    result = swq_check(day.url)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [result.output.strip()]
    events = count_rows(day.url, "events")
    assert "ไม่พบปัญหา" in result.output
    assert f"clean: 9 tickets and {events} events checked" in result.output


def test_the_report_is_thai_first_then_english(day: Day) -> None:
    execute(day.url, "UPDATE tickets SET status = 'done' WHERE id = :id", id=day.waiting["id"])
    lines = swq_check(day.url).output.splitlines()
    assert len(lines) == 2
    thai, english = lines[0].split(" / ")
    assert "บัตรคิว A005" in thai and "ticket A005" in english
    assert lines[1].startswith("พบปัญหา 1 รายการ (status-mismatch 1)")
    events = count_rows(day.url, "events")
    assert lines[1].endswith(f"1 problem (status-mismatch 1) in 9 tickets and {events} events")


def test_a_number_given_twice(day: Day, drop_guard: Callable[[str], None]) -> None:
    drop_guard(UNIQUE_NUMBER)
    number = day.finished["number"]
    execute(
        day.url, "UPDATE tickets SET number = :n WHERE id = :id", n=number, id=day.waiting["id"]
    )
    output = assert_reported(
        swq_check(day.url), "duplicate-number", number, day.finished["id"], day.waiting["id"]
    )
    # The waiting ticket's own number is now free: a gap below the day's last A number.
    assert_reported(swq_check(day.url), "number-gap", "service A")
    assert f"หมายเลข {number}" in output


def test_a_status_its_events_deny(day: Day) -> None:
    execute(day.url, "UPDATE tickets SET status = 'done' WHERE id = :id", id=day.waiting["id"])
    assert_reported(swq_check(day.url), "status-mismatch", day.waiting["number"], "done", "waiting")


def test_a_second_call_of_a_ticket_at_a_counter(day: Day) -> None:
    ticket = day.at_counter
    add_event(day.url, day.office.code, "ticket.called", ticket["id"], "2")
    result = swq_check(day.url)
    assert_reported(result, "double-call", ticket["number"], "counter 2", "counter 1")
    # The row still says counter 1, where the events no longer put it.
    assert_reported(result, "counter-mismatch", ticket["number"])


def test_events_at_the_wrong_counter(day: Day) -> None:
    # The recall at counter 1, and the transfer that sent a ticket away from counter 1.
    execute(day.url, "UPDATE events SET counter = '2' WHERE type = 'ticket.recalled'")
    execute(
        day.url,
        'UPDATE events SET data = REPLACE(data, \'"from_counter":"1"\', \'"from_counter":"3"\')'
        " WHERE type = 'ticket.transferred'",
    )
    result = swq_check(day.url)
    assert_reported(result, "wrong-counter", "ticket.recalled", day.finished["number"], "counter 2")
    assert_reported(result, "wrong-counter", "ticket.transferred", "names counter 3")
    assert "2 problems (wrong-counter 2)" in result.output


def test_an_event_of_an_unknown_ticket(day: Day) -> None:
    add_event(day.url, day.office.code, "ticket.done", "no-such-ticket", "1")
    assert_reported(swq_check(day.url), "unknown-ticket", "no-such-ticket")


def test_numbering_behind_the_issued_numbers(day: Day) -> None:
    execute(
        day.url, "UPDATE ticket_numbers SET last = 3 WHERE service = 'A'"
    )  # A001..A005 were issued
    assert_reported(swq_check(day.url), "numbers-behind", "service A", "A005", "says 3")


def test_a_ticket_time_going_backwards(day: Day) -> None:
    engine = make_engine(day.url)
    c = t.events.c
    with engine.begin() as conn:
        issued_at, done_id = conn.execute(
            sa.select(sa.func.min(c.at), sa.func.max(c.id)).where(c.ticket_id == day.finished["id"])
        ).one()
        conn.execute(
            sa.update(t.events).where(c.id == done_id).values(at=issued_at - timedelta(minutes=5))
        )
    engine.dispose()
    assert_reported(
        swq_check(day.url), "time-backwards", f"event {done_id} ", day.finished["number"]
    )


def test_a_counter_holding_two_tickets(day: Day, drop_guard: Callable[[str], None]) -> None:
    drop_guard(ONE_PER_COUNTER)
    second = day.waiting
    execute(
        day.url,
        "UPDATE tickets SET status = 'called', counter = '1' WHERE id = :id",
        id=second["id"],
    )
    add_event(day.url, day.office.code, "ticket.called", second["id"], "1")
    result = swq_check(day.url)
    # The events show the second call onto an occupied counter; the rows show both there now.
    assert_reported(result, "counter-busy", second["number"], day.at_counter["number"])
    assert_reported(result, "counter-shared", "counter 1", second["id"], day.at_counter["id"])
    assert "status-mismatch" not in result.output


def test_find_problems_is_empty_on_a_clean_day(day: Day) -> None:
    engine = make_engine(day.url)
    with engine.connect() as conn:
        assert find_problems(conn) == []
    engine.dispose()


def test_an_unreachable_or_empty_database_is_a_clear_failure(tmp_path: Path) -> None:
    missing = swq_check(f"sqlite:///{tmp_path / 'nope.db'}")
    assert missing.exit_code == 1 and "no database file" in missing.output
    assert not (tmp_path / "nope.db").exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    unmigrated = swq_check(f"sqlite:///{empty}")
    assert unmigrated.exit_code == 1 and "swq db upgrade" in unmigrated.output
    refused = swq_check("postgresql://nobody@127.0.0.1:1/none")
    assert refused.exit_code == 1 and "cannot reach the database" in refused.output
