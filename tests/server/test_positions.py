"""Where a ticket stands, computed by the SQL adapter, agrees with the in-memory one that the
simulator measures: same people ahead (by the policy's order), same estimate and range."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core import services
from core.memory import MemoryStore, MemoryUnitOfWork
from core.model import APPOINTMENT
from queue_server.db.uow import SqlUnitOfWork
from tests.server.conftest import Office
from tests.server.test_reports import app_with_clock

DAY = date(2026, 11, 26)
WEEK_BEFORE = DAY - timedelta(weeks=1)
# (time, service, class): a normal A, a monk just after it, more of both and of B (which
# shares counters with A), and an elderly A after the second normal one has waited ten minutes.
ARRIVALS = [
    ("09:00", "A", "normal"),
    ("09:01", "A", "monk"),
    ("09:02", "B", "normal"),
    ("09:03", "A", "normal"),
    ("09:04", "B", "elderly"),
    ("09:13", "A", "elderly"),
    ("09:14", "C", "normal"),
]


def test_sql_and_memory_positions_agree(database_url: str, office: Office) -> None:
    with app_with_clock(database_url, office) as day:
        kiosk = office.auth("kiosk")
        # A week earlier, the same weekday: one A ticket took half an hour at counter 1.
        day.clock.set("09:00", WEEK_BEFORE)
        earlier = day.client.post(
            "/api/v1/tickets", json={"service": "A", "priority": "normal"}, headers=kiosk
        ).json["id"]
        day.client.post("/api/v1/counters/1/next", headers=office.auth("officer1"))
        day.clock.set("09:30", WEEK_BEFORE)
        day.client.post(f"/api/v1/tickets/{earlier}/done", json={}, headers=office.auth("officer1"))
        ids = []
        for n, (hhmm, service, klass) in enumerate(ARRIVALS):
            day.clock.set(hhmm, DAY)
            response = day.client.post(
                "/api/v1/tickets", json={"service": service, "priority": klass}, headers=kiosk
            )
            assert response.status_code == 201, response.json
            ids.append(response.json["id"])
            if n == 0:  # one ticket served, so A has a measured service time
                day.clock.set("09:00", DAY)
                day.client.post("/api/v1/counters/1/next", headers=office.auth("officer1"))
                day.clock.set("09:01", DAY)
                day.client.post(
                    f"/api/v1/tickets/{ids[0]}/done", json={}, headers=office.auth("officer1")
                )
        # Two booked visitors check in at 09:14, for 09:20 and for 10:00: appointments queued
        # at their slots, the second too far ahead to go before a walk-in issued now.
        for slot in ("09:20", "10:00"):
            hours, minutes = (int(x) for x in slot.split(":"))
            booked, _ = services.check_in_appointment(
                SqlUnitOfWork(day.db, office.code),
                office=office.code,
                service="A",
                now=day.clock.now,
                ticket_id=uuid.uuid4().hex,
                status_key=uuid.uuid4().hex,
                slot_start=day.clock.now.replace(hour=hours, minute=minutes),
                grace_s=600,
            )
            ids.append(booked.id)
        with SqlUnitOfWork(day.db, office.code, write=False) as sql:
            config = sql.config(office.code)
            tickets = [sql.tickets.get(i) for i in ids]
            counters = sql.counters.list(office.code)
            from_sql = [services.position(sql, config, t, day.clock.now) for t in tickets]
            kiosk_sql = services.newcomer_positions(sql, config, day.clock.now)
            weekdays = services.same_weekdays(config, DAY)
            history = sql.tickets.service_times_between(office.code, "A", weekdays, 40)
            waiting_a = sql.tickets.waiting_counts(office.code)["A"]

    store = MemoryStore()
    store.install(config, counters)
    memory = MemoryUnitOfWork(store)
    for ticket in tickets:
        store.tickets[ticket.id] = ticket
        store.reindex(ticket)
        memory.store.issued[ticket.office].append(
            (ticket.issued_at, ticket.service, ticket.priority)
        )
    memory.store.service_times[(office.code, "A")].extend([("1", 1800.0), ("1", 60.0)])
    finished = datetime(2026, 11, 19, 9, 30, tzinfo=ZoneInfo("Asia/Bangkok"))
    memory.store.done_log[(office.code, "A")].append((finished, "1", 1800.0))
    assert history == [("1", 1800.0)]
    assert memory.tickets.service_times_between(office.code, "A", weekdays, 40) == history
    now = tickets[-1].issued_at
    from_memory = [services.position(memory, config, t, now) for t in tickets]

    assert from_sql == from_memory
    assert kiosk_sql == services.newcomer_positions(memory, config, now)
    assert kiosk_sql["A"].people_ahead == waiting_a - 1  # not the 10:00 appointment
    # The 10:00 appointment's estimate runs at least to its slot, 46 minutes on.
    assert tickets[-1].priority == APPOINTMENT
    assert (from_sql[-1].estimated_wait_s or 0) >= 46 * 60
    ahead = {ids[i]: from_sql[i].people_ahead for i in range(len(ids))}
    # A's aim is its 15 minutes plus 9 for a 5-minute service; a priority ticket is due after
    # 1/2.2 of that (10.9 min). The monk is called before the normal A that came a minute
    # earlier, and the elderly ticket of 09:13 (due 09:23.9) and the 09:20 appointment (due
    # 09:25) before the normal one of 09:03 (due 09:27); the 10:00 appointment before nobody.
    assert ahead[ids[1]] == 0
    assert ahead[ids[3]] == 3
    assert ahead[ids[5]] == 1
    assert all(p.wait_range_s is not None for p in from_sql[1:])


def test_a_rush_counts_only_the_latest_arrivals_alike_in_sql_and_memory(
    database_url: str, office: Office
) -> None:
    """The arrival rates come from the window's latest tickets, so a busy day's estimate reads
    no more rows than a quiet one's; both stores agree on which and from when."""
    times = ["09:00", "09:05", "09:10", "09:15", "09:20"]
    ids = []
    with app_with_clock(database_url, office) as day:
        for n, hhmm in enumerate(times):
            day.clock.set(hhmm, DAY)
            response = day.client.post(
                "/api/v1/tickets",
                json={"service": "AB"[n % 2], "priority": "normal"},
                headers=office.auth("kiosk"),
            )
            assert response.status_code == 201, response.json
            ids.append(response.json["id"])
        day.clock.set("09:30", DAY)
        end = day.clock.now
        start = end - services.ARRIVAL_WINDOW
        with SqlUnitOfWork(day.db, office.code, write=False) as sql:
            config = sql.config(office.code)
            counters = sql.counters.list(office.code)
            tickets = [sql.tickets.get(i) for i in ids]
            from_sql = [sql.tickets.arrivals(office.code, start, end, n) for n in (3, 10)]

    store = MemoryStore()
    store.install(config, counters)
    for ticket in tickets:
        store.issued[office.code].append((ticket.issued_at, ticket.service, ticket.priority))
    memory = MemoryUnitOfWork(store)
    from_memory = [memory.tickets.arrivals(office.code, start, end, n) for n in (3, 10)]

    assert from_sql == from_memory
    latest, everyone = from_sql
    # The latest three: 09:10 A, 09:15 B, 09:20 A, counted from 09:10 on.
    assert dict(latest.counts) == {("A", "normal"): 2, ("B", "normal"): 1}
    assert latest.since == end.replace(minute=10)
    assert dict(everyone.counts) == {("A", "normal"): 3, ("B", "normal"): 2}
    assert everyone.since == start
