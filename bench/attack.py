"""Kiosk ticket latency through the shipped nginx while the server is attacked, on loopback.

    python bench/attack.py [--seconds 15] [--rate 8] [--attacks none,slow,login,streams]
                           [--slow 300] [--flooders 24] [--grabbers 300] [--attacker-addresses 1]
                           [--direct] [--db URL] [--workers 1]

Starts a real `swq server` (SQLite unless --db names a PostgreSQL database; TRUSTED_PROXY_COUNT=1)
and, in front of it, Debian's nginx with deploy/nginx/swq.conf (ports and certificate paths
replaced, as in tests/deploy/). Then, for each attack in turn, starts the attackers in a process
of their own (so they do not share the kiosks' interpreter lock), gives them 3 s to take hold,
and measures kiosks issuing tickets (POST /api/v1/tickets over TLS, keep-alive, from 127.0.0.2)
at `--rate` a second on an open-loop schedule for `--seconds`; latency runs from the scheduled
send time, so a stalled server cannot hide its queue. Attacks, from 127.0.0.3 (or spread over
`--attacker-addresses` addresses 127.0.1.x, a distributed attack that per-address limits do not
catch):

  none     nothing: the baseline;
  slow     `--slow` connections that send half a request header and a line every 5 s, never
           finishing it (reconnecting when dropped);
  login    `--flooders` clients posting wrong passwords to /login as fast as they are answered;
  streams  `--grabbers` clients opening /api/v1/events and holding it without reading
           (reconnecting 0.5 s after a refusal or a drop).

`--direct` attacks and measures the server itself over plain HTTP, without nginx (findings of
issue 15 before the fixes: the server alone). Prints one table: issued, errors (non-2xx or no
answer within 5 s), p50 / p99 / max latency in ms, and what the attackers were answered.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.office_file import loads_office
from queue_server.auth import Role, create_token
from queue_server.db.engine import make_engine
from queue_server.db.migrate import upgrade
from queue_server.offices import store_office
from tests.deploy.nginx import Nginx
from tests.server.processes import ServerProcess, SourceAddressAdapter

OFFICE_FILE = Path(__file__).resolve().parents[1] / "queue_server" / "examples" / "office.toml"
KIOSK_ADDRESS = "127.0.0.2"
ATTACK_SETTLE_S = 3.0
REQUEST_TIMEOUT_S = 5.0
ATTACKS = ("none", "slow", "login", "streams")


# ---- attackers (run as `bench/attack.py --attacker KIND ...` in a process of their own) -------


class Attack:
    def __init__(self, url: str, addresses: list[str], cafile: str | None) -> None:
        parts = urlsplit(url)
        self.url = url
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.tls = parts.scheme == "https"
        self.addresses = addresses
        self.cafile = cafile
        self.context = ssl.create_default_context(cafile=cafile) if self.tls else None
        self.answers: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def count(self, what: str) -> None:
        with self.lock:
            self.answers[what] += 1

    def connect(self, n: int) -> socket.socket:
        address = self.addresses[n % len(self.addresses)]
        sock = socket.create_connection((self.host, self.port), 10, (address, 0))
        if self.context is not None:
            sock = self.context.wrap_socket(sock, server_hostname=self.host)
        return sock

    def slow_client(self, n: int) -> None:
        while not self.stop.is_set():
            try:
                with self.connect(n) as sock:
                    sock.sendall(b"GET /api/v1/services HTTP/1.1\r\nHost: swq\r\n")
                    self.count("held")
                    while not self.stop.wait(5.0):
                        sock.sendall(f"X-Slow-{random.randrange(10**6)}: 1\r\n".encode())
            except OSError:
                self.count("dropped")
                self.stop.wait(0.5)

    def stream_grabber(self, n: int) -> None:
        request = b"GET /api/v1/events HTTP/1.1\r\nHost: swq\r\nAccept: text/event-stream\r\n\r\n"
        while not self.stop.is_set():
            try:
                with self.connect(n) as sock:
                    sock.sendall(request)
                    status = sock.recv(64).split(b" ")[1].decode()
                    self.count(status)
                    if status == "200":
                        self.stop.wait()  # hold it, reading nothing more
            except (OSError, IndexError):
                self.count("dropped")
            self.stop.wait(0.5)

    def login_flooder(self, n: int) -> None:
        session = requests.Session()
        session.trust_env = False
        session.verify = self.cafile or True
        adapter = SourceAddressAdapter(self.addresses[n % len(self.addresses)])
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        while not self.stop.is_set():
            try:
                page = session.get(f"{self.url}/login", timeout=10).text
                csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
                token = csrf.group(1) if csrf else ""
                while not self.stop.is_set():
                    answer = session.post(
                        f"{self.url}/login",
                        data={"username": f"user{random.randrange(100)}", "password": "guess",
                              "csrf_token": token},
                        timeout=10,
                    )  # fmt: skip
                    self.count(str(answer.status_code))
            except requests.RequestException:
                self.count("dropped")
                self.stop.wait(0.5)


def run_attacker(kind: str, url: str, count: int, addresses: list[str], cafile: str | None) -> None:
    attack = Attack(url, addresses, cafile)
    target = {"slow": attack.slow_client, "streams": attack.stream_grabber,
              "login": attack.login_flooder}[kind]  # fmt: skip
    signal.signal(signal.SIGTERM, lambda *_: attack.stop.set())
    threading.stack_size(256 * 1024)
    threads = [threading.Thread(target=target, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    attack.stop.wait()
    with attack.lock:
        print(json.dumps(dict(attack.answers)), flush=True)


# ---- the kiosks' measurement --------------------------------------------------------------------


def measure_kiosks(url: str, token: str, cafile: str | None, rate: float, seconds: float) -> dict:
    """Open loop: ticket i is due at start + i / rate, sent by whichever of a few threads is free;
    its latency runs from when it was due."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    next_index = iter(range(total))

    def kiosk() -> None:
        session = requests.Session()
        session.trust_env = False
        session.verify = cafile or True
        adapter = SourceAddressAdapter(KIOSK_ADDRESS)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        headers = {"Authorization": f"Bearer {token}"}
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            due = start + i / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            try:
                answer = session.post(
                    f"{url}/api/v1/tickets",
                    json={"service": "A"},
                    headers=headers,
                    timeout=REQUEST_TIMEOUT_S,
                )
                outcome = None if answer.status_code == 201 else str(answer.status_code)
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            with lock:
                if outcome is None:
                    latencies.append((time.perf_counter() - due) * 1000)
                else:
                    errors[outcome] += 1

    threads = [threading.Thread(target=kiosk) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0.0

    return {
        "issued": len(latencies),
        "errors": dict(errors),
        "p50": pct(0.50),
        "p99": pct(0.99),
        "max": latencies[-1] if latencies else 0.0,
    }


# ---- set-up and the table -----------------------------------------------------------------------


def prepare(database_url: str) -> str:
    """Schema, the example office, a kiosk token; no limit on the kiosk's tickets (the bench
    issues far more than a stuck button would)."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            # Without opening hours and quotas: the office takes every ticket, whenever it runs.
            text = re.sub(
                r"^(hours|daily_quota) = .*$", "", OFFICE_FILE.read_text("utf-8"), flags=re.M
            )
            office = loads_office(text, str(OFFICE_FILE))
            store_office(conn, office)
            return create_token(
                conn, office=office.config.office.code, role=Role.KIOSK, name="bench-kiosk",
                now=datetime.now(UTC),
            )  # fmt: skip
    finally:
        engine.dispose()


def start_attackers(kind: str, args: argparse.Namespace, url: str, cafile: str | None):
    count = {"slow": args.slow, "login": args.flooders, "streams": args.grabbers}[kind]
    addresses = (
        ["127.0.0.3"]
        if args.attacker_addresses == 1
        else [f"127.0.1.{i + 1}" for i in range(args.attacker_addresses)]
    )
    command = [sys.executable, __file__, "--attacker", kind, "--target", url, "--count", str(count),
               "--from", ",".join(addresses)]  # fmt: skip
    if cafile:
        command += ["--cafile", cafile]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rate", type=float, default=8.0, help="kiosk tickets per second")
    parser.add_argument("--attacks", default=",".join(ATTACKS))
    parser.add_argument("--slow", type=int, default=300)
    parser.add_argument("--flooders", type=int, default=24)
    parser.add_argument("--grabbers", type=int, default=300)
    parser.add_argument("--attacker-addresses", type=int, default=1)
    parser.add_argument("--direct", action="store_true", help="no nginx: the server alone")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--workers", type=int, default=1)
    # attacker mode, used by the bench itself
    parser.add_argument("--attacker", choices=("slow", "login", "streams"), help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--from", dest="addresses", help=argparse.SUPPRESS)
    parser.add_argument("--cafile", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attacker:
        run_attacker(args.attacker, args.target, args.count, args.addresses.split(","), args.cafile)
        return

    print("$ python bench/attack.py " + " ".join(sys.argv[1:]), flush=True)
    with tempfile.TemporaryDirectory(prefix="swq-attack-") as folder:
        database_url = args.db or f"sqlite:///{folder}/swq.db"
        token = prepare(database_url)
        server = ServerProcess(
            database_url,
            workers=args.workers,
            streams=256,
            log_path=Path(folder) / "server.log",
            env={"SWQ_TRUSTED_PROXY_COUNT": "0" if args.direct else "1",
                 "SWQ_KIOSK_RATE_LIMIT": "1000000"},
        )  # fmt: skip
        nginx = None
        try:
            server.start()
            if args.direct:
                url, cafile = server.url, None
            else:
                nginx = Nginx(Path(folder) / "nginx", upstream_port=server.port).start()
                url, cafile = nginx.url, str(nginx.cert)
            rows = []
            for kind in args.attacks.split(","):
                attackers = None if kind == "none" else start_attackers(kind, args, url, cafile)
                try:
                    time.sleep(0 if attackers is None else ATTACK_SETTLE_S)
                    result = measure_kiosks(url, token, cafile, args.rate, args.seconds)
                finally:
                    answers = {}
                    if attackers is not None:
                        attackers.send_signal(signal.SIGTERM)
                        with contextlib.suppress(subprocess.TimeoutExpired, json.JSONDecodeError):
                            out, _ = attackers.communicate(timeout=30)
                            answers = json.loads(out.strip().splitlines()[-1])
                        if attackers.poll() is None:
                            attackers.kill()
                rows.append((kind, result, answers))
                print(f"  {kind}: done", file=sys.stderr, flush=True)
                time.sleep(2)  # let the server and nginx drop what the attackers left
        finally:
            if nginx is not None:
                nginx.stop()
            server.stop()
    where = "the server alone (--direct)" if args.direct else "nginx (deploy/nginx/swq.conf)"
    print(f"\nkiosk POST /api/v1/tickets through {where}, {args.rate:g}/s for {args.seconds:g} s")
    heading = ("attack", "issued", "errors", "p50 ms", "p99 ms", "max ms")
    print(
        f"{heading[0]:<9} {heading[1]:>6} {heading[2]:>22} "
        + " ".join(f"{h:>8}" for h in heading[3:])
        + "  attackers were answered"
    )
    for kind, result, answers in rows:
        errors = ", ".join(f"{k} {v}" for k, v in result["errors"].items()) or "0"
        told = ", ".join(f"{k}: {v}" for k, v in sorted(answers.items())) or "-"
        print(f"{kind:<9} {result['issued']:>6} {errors:>22} {result['p50']:>8.1f} "
              f"{result['p99']:>8.1f} {result['max']:>8.1f}  {told}")  # fmt: skip


if __name__ == "__main__":
    main()
