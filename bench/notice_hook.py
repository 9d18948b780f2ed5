"""What the webhook notices cost a call: process CPU per call + finish on SQLite with the notice
hook switched off, on with no subscription, and on with `--subscribed` tickets waiting for a
"near" notice, the three interleaved in each of `--rounds` rounds (medians shown).

    python bench/notice_hook.py [--calls 60] [--subscribed 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core import services
from core.office_file import load_office
from core.phone_settings import PhoneSettings
from queue_server.db import schema as t
from queue_server.db import uow as uow_module
from queue_server.db.database import Database
from queue_server.db.engine import make_engine
from queue_server.db.migrate import upgrade
from queue_server.offices import store_office, write_phone

OFFICE_FILE = Path(__file__).resolve().parents[1] / "tests" / "server" / "office.toml"


def _database(folder: Path) -> Database:
    url = f"sqlite:///{folder}/bench.db"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        store_office(conn, load_office(OFFICE_FILE))
        write_phone(conn, "udn", PhoneSettings(webhook_url="http://127.0.0.1:9/unused"))
    engine.dispose()
    return Database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--subscribed", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    db = _database(Path(tempfile.mkdtemp()))
    clock = [datetime.now(UTC) - timedelta(hours=3)]
    hook = uow_module.write_notices

    def unit() -> uow_module.SqlUnitOfWork:
        return uow_module.SqlUnitOfWork(db, "udn")

    def issue(n: int) -> None:
        for _ in range(n):
            clock[0] += timedelta(seconds=1)
            services.issue_ticket(
                unit(),
                office="udn",
                service="A",
                now=clock[0],
                ticket_id=uuid.uuid4().hex,
                status_key=secrets.token_urlsafe(18),
            )

    def subscribe(n: int) -> None:
        with db.writing() as conn:
            last = conn.execute(
                sa.text(
                    "SELECT id FROM tickets WHERE status = 'waiting'"
                    " ORDER BY queued_at DESC LIMIT :n"
                ),
                {"n": n},
            ).scalars()
            for ticket_id in list(last):
                conn.execute(
                    sa.insert(t.notice_subscriptions).values(
                        ticket_id=ticket_id, office="udn", service="A", contact="x", ahead=0
                    )
                )

    def calls(n: int) -> float:
        start = time.process_time()
        for _ in range(n):
            ticket = services.call_next(unit(), office="udn", counter="1", now=clock[0])
            assert ticket is not None
            services.finish(unit(), office="udn", ticket_id=ticket.id, now=clock[0], counter="1")
        return (time.process_time() - start) / n * 1000

    off: Callable[..., Any] = lambda *args, **kwargs: None  # noqa: E731
    variants = {"hook off": (off, 0), "hook on, none subscribed": (hook, 0)}
    variants[f"hook on, {args.subscribed} subscribed"] = (hook, args.subscribed)
    results: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (write_notices, subscribed) in variants.items():
            with db.writing() as conn:
                conn.execute(
                    sa.text("UPDATE tickets SET status = 'cancelled' WHERE status = 'waiting'")
                )
                conn.execute(sa.delete(t.notice_subscriptions))
            issue(args.calls + subscribed)
            subscribe(subscribed)
            uow_module.write_notices = write_notices  # type: ignore[assignment]
            results[name].append(calls(args.calls))
    uow_module.write_notices = hook
    print(f"# bench/notice_hook.py --calls {args.calls} --subscribed {args.subscribed}")
    print("| variant | CPU ms per call + finish (median) |\n|---|---|")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):.2f} |")


if __name__ == "__main__":
    main()
