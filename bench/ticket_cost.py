"""What one ticket costs, and what it cannot cost less than with this design: in one process,
through the Flask app (no sockets, no load generator), on a fresh SQLite database with the bench
office of `bench/api.py`.

    python bench/ticket_cost.py [--waiting 200] [--ops 100] [--rounds 5] [--services 4]

Per operation (issue; next + done; the same cycle as one `done-and-next` request): process CPU
(the least of `--rounds` rounds: the machine's other work only ever adds), SQL statements and
commits. Then the floors the operations stand
on: a request Flask answers with a 404 (routing, request guard, headers, no database), a one-row
SELECT through SQLAlchemy Core and the same through the driver alone. "Design floor" is the
request floor plus each statement at the Core floor: what the operation would cost if all of
the app's own work (routing decisions, estimates, JSON) took no time at all.

`--waiting` tickets wait before anything is measured, and the issues and calls measured keep
their number about even, as in an office at a steady pace.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import ascii_uppercase

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api import SERVICES, Config, fresh_database, load_bench_office
from queue_server.app import create_app
from queue_server.extension import swq

# Service codes are one or two capital letters: A-Z, then AA, AB, ...
SERVICE_CODES = [*ascii_uppercase, *(a + b for a in ascii_uppercase for b in ascii_uppercase)]


@dataclass
class Counts:
    statements: int = 0
    commits: int = 0


def least_cpu_ms(
    run: Callable[[int], None], ops: int, rounds: int, between: Callable[[int], None] | None = None
) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        run(ops)
        best = min(best, (time.process_time() - start) / ops * 1000)
        if between is not None:
            between(ops)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=200, help="tickets waiting throughout")
    parser.add_argument("--ops", type=int, default=100, help="operations per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--services",
        type=int,
        default=len(SERVICES),
        choices=range(1, len(SERVICE_CODES) + 1),
        metavar="N",
        help="services in the bench office, every counter serving all (a real catalogue: 60)",
    )
    args = parser.parse_args()
    # A kiosk's stuck-button guard has no place here.
    os.environ["SWQ_KIOSK_RATE_LIMIT"] = "1000000"
    folder = Path(tempfile.mkdtemp(prefix="swq-cost-"))
    url = fresh_database(Config("sqlite", 1), folder, "", "cost")
    services = SERVICE_CODES[: args.services]
    tokens = load_bench_office(url, kiosks=1, officers=8, services=services)
    app = create_app({"DATABASE_URL": url})
    client = app.test_client()
    counts = Counts()
    with app.app_context():
        engine = swq().db.engine

    def on_statement(*_args: object) -> None:
        counts.statements += 1

    def on_commit(*_args: object) -> None:
        counts.commits += 1

    sa.event.listen(engine, "before_cursor_execute", on_statement)
    sa.event.listen(engine, "commit", on_commit)
    kiosk = {"Authorization": f"Bearer {tokens.kiosks[0]}"}
    officers = [(code, {"Authorization": f"Bearer {token}"}) for code, token in tokens.officers]
    issued = [0]

    def issue(n: int) -> None:
        for _ in range(n):
            service = services[issued[0] % len(services)]
            issued[0] += 1
            answer = client.post("/api/v1/tickets", json={"service": service}, headers=kiosk)
            assert answer.status_code == 201, answer.text

    def next_and_done(n: int) -> None:
        for i in range(n):
            code, auth = officers[i % len(officers)]
            called = client.post(f"/api/v1/counters/{code}/next", headers=auth)
            assert called.status_code == 200, called.text
            ticket = called.get_json()["id"]
            done = client.post(
                f"/api/v1/tickets/{ticket}/done", json={"transactions": []}, headers=auth
            )
            assert done.status_code == 200, done.text

    at_counter: dict[str, str] = {}

    def done_and_next(n: int) -> None:
        """The same cycle in one request, at counters that each hold a ticket."""
        for i in range(n):
            code, auth = officers[i % len(officers)]
            if code not in at_counter:
                called = client.post(f"/api/v1/counters/{code}/next", headers=auth)
                assert called.status_code == 200, called.text
                at_counter[code] = called.get_json()["id"]
            path = f"/api/v1/tickets/{at_counter[code]}/done-and-next"
            answer = client.post(path, json={"transactions": []}, headers=auth)
            assert answer.status_code == 200, answer.text
            at_counter[code] = answer.get_json()["id"]

    issue(args.waiting + len(officers) * 4)
    next_and_done(len(officers) * 2)  # every statement compiled and cached once
    rows = []
    # Each round of one kind is followed by as many of the other, unmeasured. The one-request
    # cycle comes last: its counters keep their tickets.
    for name, run, undo in (
        ("issue", issue, next_and_done),
        ("next + done", next_and_done, issue),
        ("done-and-next", done_and_next, issue),
    ):
        if run is done_and_next:
            done_and_next(len(officers))  # every counter holds a ticket before it is measured
        if run is not issue:
            issue(args.ops)
        before = Counts(counts.statements, counts.commits)
        run(args.ops)
        statements = (counts.statements - before.statements) / args.ops
        commits = (counts.commits - before.commits) / args.ops
        undo(args.ops)
        cpu = least_cpu_ms(run, args.ops, args.rounds, between=undo)
        rows.append((name, cpu, statements, commits))

    def not_found(n: int) -> None:
        for _ in range(n):
            client.get("/no-such-page")

    one_row = sa.select(sa.literal(1))
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        request_ms = least_cpu_ms(not_found, 500, args.rounds)
        core_ms = least_cpu_ms(lambda n: [conn.execute(one_row) for _ in range(n)], 2000, 3)
        driver_ms = least_cpu_ms(
            lambda n: [driver.execute("SELECT 1").fetchone() for _ in range(n)], 2000, 3
        )
    print(f"command: {shlex.join(['python', *sys.argv])}")
    print(
        f"{len(services)} services, {args.waiting} waiting; least of {args.rounds} rounds of"
        f" {args.ops} operations\n"
    )
    print(f"{'operation':<13} {'CPU ms':>7} {'statements':>10} {'commits':>7} {'design floor':>12}")
    for name, cpu, statements, commits in rows:
        floor = request_ms * (2 if name.startswith("next") else 1) + statements * core_ms
        print(f"{name:<13} {cpu:7.2f} {statements:10.1f} {commits:7.1f} {floor:12.2f}")
    print(
        f"\nfloors: a 404 through Flask {request_ms:.3f} ms; a one-row SELECT through SQLAlchemy"
        f" Core {core_ms * 1000:.0f} us, through the driver alone {driver_ms * 1000:.0f} us"
    )


if __name__ == "__main__":
    main()
