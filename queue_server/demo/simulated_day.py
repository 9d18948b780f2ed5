"""Citizens and officers played by the computer, through the HTTP API like real devices, so
the demo's boards move on their own (`swq demo --simulate`)."""

from __future__ import annotations

import json
import random
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PRIORITY_SHARE = 0.15


@dataclass
class SimulatedDay:
    """Arrivals about every `arrival_s` seconds; each counter calls, serves for
    `service_s` (+-50%) and finishes, with an occasional no-show."""

    server: str
    kiosk_token: str
    officer_tokens: Mapping[str, str]  # counter code -> officer token
    services: Sequence[str]
    arrival_s: float = 6.0
    service_s: float = 25.0
    seed: int = 1
    stop: threading.Event = field(default_factory=threading.Event)

    def _post(self, path: str, token: str, body: Mapping[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.server + path,
            data=json.dumps(body or {}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text else None

    def _citizens(self) -> None:
        rng = random.Random(self.seed)
        while not self.stop.wait(rng.expovariate(1 / self.arrival_s)):
            priority = "elderly" if rng.random() < PRIORITY_SHARE else "normal"
            body = {"service": rng.choice(self.services), "priority": priority}
            try:
                self._post("/api/v1/tickets", self.kiosk_token, body)
            except (urllib.error.URLError, OSError):
                continue  # a closed service, a full quota or a restarting server: next citizen

    def _officer(self, counter: str, token: str, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            try:
                ticket = self._post(f"/api/v1/counters/{counter}/next", token)
            except (urllib.error.URLError, OSError):
                ticket = None
            if ticket is None:
                self.stop.wait(2.0)
                continue
            if self.stop.wait(self.service_s * rng.uniform(0.5, 1.5)):
                return
            action = "no-show" if rng.random() < 0.05 else "done"
            try:
                self._post(f"/api/v1/tickets/{ticket['id']}/{action}", token)
            except (urllib.error.URLError, OSError):
                continue

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._citizens, name="citizens", daemon=True)]
        for i, (counter, token) in enumerate(sorted(self.officer_tokens.items())):
            threads.append(
                threading.Thread(
                    target=self._officer,
                    args=(counter, token, self.seed + i + 1),
                    name=f"officer-{counter}",
                    daemon=True,
                )
            )
        for thread in threads:
            thread.start()
        return threads
