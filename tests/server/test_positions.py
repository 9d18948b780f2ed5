"""Where a ticket stands, computed by the SQL adapter, agrees with the in-memory one that the
simulator measures: same people ahead (by the policy's order), same estimate and range."""

from __future__ import annotations

from datetime import date

from core import services
from core.memory import MemoryStore, MemoryUnitOfWork
from queue_server.db.uow import SqlUnitOfWork
from tests.server.conftest import Office
from tests.server.test_reports import app_with_clock

DAY = date(2026, 11, 26)
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
        with SqlUnitOfWork(day.db, office.code, write=False) as sql:
            config = sql.config(office.code)
            tickets = [sql.tickets.get(i) for i in ids]
            counters = sql.counters.list(office.code)
            from_sql = [services.position(sql, config, t) for t in tickets]

    store = MemoryStore()
    store.install(config, counters)
    memory = MemoryUnitOfWork(store)
    for ticket in tickets:
        store.tickets[ticket.id] = ticket
        store.reindex(ticket)
        memory.store.issued[ticket.office].append(
            (ticket.issued_at, ticket.service, ticket.priority)
        )
    memory.store.service_times[(office.code, "A")].append(("1", 60.0))
    from_memory = [services.position(memory, config, t) for t in tickets]

    assert from_sql == from_memory
    ahead = {ids[i]: from_sql[i].people_ahead for i in range(len(ids))}
    # A's aim is its 15 minutes plus 9 for a 5-minute service; a priority ticket is due after
    # 40% of that (9.6 min). The monk is called before the normal A that came a minute earlier,
    # and the elderly ticket of 09:13 (due 09:22.6) before the normal one of 09:03 (due 09:27).
    assert ahead[ids[1]] == 0
    assert ahead[ids[3]] == 2
    assert ahead[ids[5]] == 1
    assert all(p.wait_range_s is not None for p in from_sql[1:])
