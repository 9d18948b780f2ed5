"""Sign-in throttling, decided before any password is hashed (a flood costs one upsert per
attempt, not ~100 ms of scrypt), with counters every worker shares (`rate_limits`).

Three budgets, each counted atomically before the password is checked (a success gives its
reservation back):
- per address, across accounts: `LOGIN_ADDRESS_MAX_FAILURES` in `LOGIN_PAUSE_S` stops password
  spraying from one place;
- per account and address: `LOGIN_MAX_FAILURES` in `LOGIN_PAUSE_S`, so guessing from one PC
  does not lock the officer out at another;
- per account, from anywhere: past `LOGIN_MAX_FAILURES` failures the account is slowed to one
  attempt per `LOGIN_ACCOUNT_DELAY_S`, never locked, so guessers spread over many addresses get
  few tries while the real officer still gets in.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from queue_server.db.rate_limits import forget, hit, hits
from queue_server.extension import swq


class Throttle:
    def __init__(self, office: str, username: str, address: str) -> None:
        config = current_app.config
        self.window_s = float(config["LOGIN_PAUSE_S"])
        self.delay_s = float(config["LOGIN_ACCOUNT_DELAY_S"])
        self.per_pair = int(config["LOGIN_MAX_FAILURES"])
        self.per_address = int(config["LOGIN_ADDRESS_MAX_FAILURES"])
        account = f"{office}/{username or '?'}"
        self.address_key = f"login:address:{address}"
        self.pair_key = f"login:pair:{address}:{account}"
        self.account_key = f"login:account:{account}"
        self.slow_key = f"login:slow:{account}"
        self.now = swq().now().timestamp()
        self.reserved: list[str] = []

    def admit(self) -> float | None:
        """None: go ahead and check the password; else the seconds to wait."""
        with swq().db.writing() as conn:
            for key, limit in (
                (self.address_key, self.per_address),
                (self.pair_key, self.per_pair),
            ):
                if hit(conn, key, window_s=self.window_s, now=self.now) > limit:
                    self._give_back(conn)
                    return self.window_s
                self.reserved.append(key)
            failures = hits(conn, self.account_key, window_s=self.window_s, now=self.now)
            if (
                failures >= self.per_pair
                and hit(conn, self.slow_key, window_s=self.delay_s, now=self.now) > 1
            ):
                self._give_back(conn)
                return self.delay_s
        return None

    def failed(self) -> None:
        with swq().db.writing() as conn:
            hit(conn, self.account_key, window_s=self.window_s, now=self.now)

    def succeeded(self) -> None:
        with swq().db.writing() as conn:
            self._give_back(conn)
            forget(conn, self.pair_key, self.account_key, self.slow_key)

    def _give_back(self, conn: sa.Connection) -> None:
        for key in self.reserved:
            hit(conn, key, window_s=self.window_s, now=self.now, by=-1)
        self.reserved = []
