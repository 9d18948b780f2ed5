"""The sender: a background thread in every server process that delivers the notice outbox
through the Notifier port (the webhook), with retries, backoff and a clean end after the last
try. Its log lines name notices by id and say how a try went, never what a notice says or whom
it is for (the contact): the server's logs hold no personal data."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import tempfile
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import requests

from core.ports import Notifier
from queue_server.db.database import Database
from queue_server.db.outbox import RetryPolicy, claim, record
from queue_server.notify.webhook import WebhookNotifier

log = logging.getLogger(__name__)


def policy_from(settings: Mapping[str, Any]) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=int(settings["NOTICE_MAX_ATTEMPTS"]),
        retry_s=float(settings["NOTICE_RETRY_S"]),
        retry_max_s=float(settings["NOTICE_RETRY_MAX_S"]),
        lease_s=float(settings["NOTICE_LEASE_S"]),
    )


def deliver_due(
    db: Database,
    clock: Callable[[], datetime],
    policy: RetryPolicy,
    notifier_for: Callable[[str], Notifier],
) -> int:
    """One round: claim the due notices and try each once; how many were tried."""
    claimed = claim(db, clock(), policy)
    for item in claimed:
        if item.url is None:
            ok, detail = False, "no webhook address"
        else:
            delivery = notifier_for(item.url).send(item.notice)
            ok, detail = delivery.ok, delivery.detail
        state = record(db, item, ok, detail, clock(), policy)
        level = logging.WARNING if state == "failed" else logging.INFO
        log.log(
            level,
            "notice %d (%s, office %s) try %d of %d: %s -> %s",
            item.notice.id,
            item.notice.kind,
            item.office,
            item.attempt,
            policy.max_attempts,
            detail,
            state,
        )
    return len(claimed)


def sender_lock_path(database: str) -> Path:
    """The lock file the senders of one SQLite database share: in the temporary folder, not
    beside the database, so an office's data folder holds only its database."""
    digest = hashlib.sha256(str(Path(database).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"swq-notice-sender-{digest}.lock"


class NoticeSender:
    """Runs `deliver_due` every `poll_s` until stopped."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        settings: Mapping[str, Any],
    ) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy_from(settings)
        self.poll_s = float(settings["NOTICE_POLL_S"])
        self.timeout_s = float(settings["NOTICE_TIMEOUT_S"])
        self.session = requests.Session()
        self._stop = threading.Event()
        self._lock: IO[bytes] | None = None
        self._thread = threading.Thread(target=self._run, name="swq-notice-sender", daemon=True)

    def notifier_for(self, url: str) -> Notifier:
        return WebhookNotifier(url, timeout_s=self.timeout_s, session=self.session)

    def start(self) -> NoticeSender:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.timeout_s + 5)
        self.session.close()
        if self._lock is not None:
            self._lock.close()  # releases the lock: another process's sender takes over

    def sends(self) -> bool:
        """Whether this process may send now. On SQLite one process sends: the one holding the
        lock file beside the database (the others keep trying, so one takes over when it
        stops). On PostgreSQL every process sends."""
        if not self.db.sqlite:
            return True
        if self._lock is None:
            path = self.db.engine.url.database
            if not path or path == ":memory:":
                return True
            self._lock = open(sender_lock_path(path), "a+b")  # noqa: SIM115 (held while running)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _run(self) -> None:
        while not self._stop.is_set() and not self.sends():
            self._stop.wait(self.poll_s * 10)
        while not self._stop.is_set():
            try:
                busy = deliver_due(self.db, self.clock, self.policy, self.notifier_for)
            except Exception:
                # The database may be away a moment (a restart, a failover): try next round.
                log.exception("notice sender round failed; trying again")
                busy = 0
            if not busy:
                self._stop.wait(self.poll_s)
