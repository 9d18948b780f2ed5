"""Cost of one "call next" decision as the hall fills up: it must stay flat.

    python bench/routing.py [--calls 3000] [--seed 1]

An office with 20 services, 5 priority classes and 200 counters (each serving 3-6 services) holds
10, 1,000 or 100,000 waiting tickets. For each size it times `calls` decisions, keeping the number
waiting constant (a new ticket is issued, untimed, for each one called), and prints percentiles of
  decide     the routing policy alone, on the queue heads
  call_next  the whole use case on the in-memory unit of work (heads, policy, transition, commit)
and the p50 of each size divided by the p50 of the smallest.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core import services
from core.memory import MemoryStore, MemoryUnitOfWork
from core.model import (
    Agency,
    Counter,
    NumberingRule,
    Office,
    OfficeConfig,
    PrioritySettings,
    Service,
    WorkProfile,
)
from core.routing import get_policy

SIZES = (10, 1_000, 100_000)
SERVICE_CODES = [chr(ord("A") + i) for i in range(20)]
COUNTERS = 200
START = datetime(2026, 11, 25, 8, 30, tzinfo=ZoneInfo("Asia/Bangkok"))


def build_office(rng: random.Random) -> MemoryUnitOfWork:
    services_ = {
        code: Service(
            code,
            "dopa",
            f"บริการ {code}",
            f"Service {code}",
            target_wait_s=rng.choice([600, 900, 1800]),
            numbering=NumberingRule(width=6),
        )
        for code in SERVICE_CODES
    }
    config = OfficeConfig(
        Office("bench", "ศูนย์ทดสอบ", "Benchmark centre"),
        {"dopa": Agency("dopa", "กรมการปกครอง", "DOPA")},
        services_,
        PrioritySettings(max_priority_in_row=2),
    )
    counters = [
        Counter(
            "bench",
            str(n),
            f"ช่อง {n}",
            f"Counter {n}",
            WorkProfile(
                {code: rng.randint(1, 3) for code in rng.sample(SERVICE_CODES, rng.randint(3, 6))}
            ),
        )
        for n in range(1, COUNTERS + 1)
    ]
    store = MemoryStore()
    store.install(config, counters)
    return MemoryUnitOfWork(store)


class Hall:
    """Tickets arriving one per 50 ms of simulated time, with a realistic class mix."""

    def __init__(self, uow: MemoryUnitOfWork, rng: random.Random) -> None:
        self.uow, self.rng, self.n = uow, rng, 0
        self.classes = PrioritySettings().classes

    def now(self) -> datetime:
        return START + timedelta(milliseconds=50 * self.n)

    def issue(self) -> None:
        self.n += 1
        klass = self.rng.choices(self.classes, weights=[80, 10, 4, 3, 3])[0]
        services.issue_ticket(
            self.uow,
            office="bench",
            service=self.rng.choice(SERVICE_CODES),
            now=self.now(),
            ticket_id=str(self.n),
            status_key="k",
            priority=klass,
        )


def percentile(sorted_ns: list[int], q: float) -> float:
    """Nearest-rank percentile, in microseconds."""
    rank = max(1, round(q * len(sorted_ns)))
    return sorted_ns[rank - 1] / 1000


class Setup:
    """One office filled with `size` waiting tickets, ready to time calls against."""

    def __init__(self, size: int, seed: int) -> None:
        rng = random.Random(seed)
        self.uow = build_office(rng)
        self.hall = Hall(self.uow, rng)
        for _ in range(size):
            self.hall.issue()
        self.config = self.uow.config("bench")
        self.policy = get_policy(self.config.policy)
        self.decide: list[int] = []
        self.call_next: list[int] = []
        self.queues = 0
        self.calls = 0

    def time_one_call(self) -> None:
        uow, hall = self.uow, self.hall
        counter = str(1 + self.calls % COUNTERS)
        self.calls += 1
        now = hall.now()
        with uow:
            desk = uow.counters.get("bench", counter)
            ctx = services.routing_context(uow, self.config, desk, now)
            t0 = time.perf_counter_ns()
            self.policy.choose(ctx)
            self.decide.append(time.perf_counter_ns() - t0)
        self.queues = max(self.queues, len(ctx.heads))
        t0 = time.perf_counter_ns()
        called = services.call_next(uow, office="bench", counter=counter, now=now)
        self.call_next.append(time.perf_counter_ns() - t0)
        if called is not None:
            services.finish(uow, office="bench", ticket_id=called.id, now=now)
            hall.issue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    setups = [Setup(size, args.seed) for size in SIZES]
    # The filled offices are long-lived, as a server's would be: keep the collector off them.
    gc.freeze()
    # Round-robin across sizes, so that whatever else the machine does hits every size alike.
    for _ in range(args.calls):
        for setup in setups:
            setup.time_one_call()
    rows = [
        (size, s.queues, sorted(s.decide), sorted(s.call_next))
        for size, s in zip(SIZES, setups, strict=True)
    ]
    base_decide, base_call = percentile(rows[0][2], 0.5), percentile(rows[0][3], 0.5)
    print(f"routing decision cost, {COUNTERS} counters, {args.calls} calls per size (µs)")
    print(
        f"{'waiting':>8} {'queues':>6} {'decide p50':>10} {'p99':>8} {'x':>5}"
        f" {'call_next p50':>13} {'p99':>8} {'x':>5}"
    )
    for size, queues, decide, call in rows:
        d50, c50 = percentile(decide, 0.5), percentile(call, 0.5)
        print(
            f"{size:>8,} {queues:>6} {d50:>10.1f} {percentile(decide, 0.99):>8.1f}"
            f" {d50 / base_decide:>5.2f} {c50:>13.1f} {percentile(call, 0.99):>8.1f}"
            f" {c50 / base_call:>5.2f}"
        )


if __name__ == "__main__":
    main()
