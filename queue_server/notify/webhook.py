"""The HTTP webhook adapter of core.ports.Notifier: one JSON POST per notice to the office's
address (its SMS gateway, its messaging account), which turns it into a message."""

from __future__ import annotations

import requests

from core.notices import Delivery, Notice


class WebhookNotifier:
    """POSTs `{...payload, "notice_id", "contact"}`; any 2xx is delivered. The same notice
    retried carries the same `Idempotency-Key`, so a receiver may drop repeats."""

    def __init__(self, url: str, *, timeout_s: float, session: requests.Session) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.session = session

    def send(self, notice: Notice) -> Delivery:
        body = {**notice.payload, "notice_id": notice.id, "contact": notice.contact}
        try:
            response = self.session.post(
                self.url,
                json=body,
                timeout=self.timeout_s,
                headers={"Idempotency-Key": f"swq-notice-{notice.id}"},
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            # The kind of failure only: a message may quote the address, which may hold a key.
            return Delivery(False, type(exc).__name__)
        response.close()
        return Delivery(200 <= response.status_code < 300, f"HTTP {response.status_code}")
