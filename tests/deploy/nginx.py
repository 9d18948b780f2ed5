"""The shipped nginx site file, run by Debian's nginx as a child process in front of a real
`swq server`, with a self-signed certificate: for the deployment tests and `bench/attack.py`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.server.processes import SourceAddressAdapter, free_port

ROOT = Path(__file__).resolve().parents[2]
SITE_FILE = ROOT / "deploy" / "nginx" / "swq.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl CLI): (certificate, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def render_site(
    *,
    https_port: int,
    http_port: int,
    upstream_port: int,
    cert: Path,
    key: Path,
    more_upstreams: Sequence[int] = (),
) -> str:
    """The site file with only its ports and certificate paths replaced (and a `server` line
    for each further node); each replaced text must be there exactly once, so the test notices
    when the shipped file changes shape."""
    text = SITE_FILE.read_text(encoding="utf-8")
    servers = "\n    ".join(
        f"server 127.0.0.1:{port};" for port in (upstream_port, *more_upstreams)
    )
    replacements = {
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "server 127.0.0.1:8000;": servers,
        "/etc/ssl/swq/fullchain.pem": str(cert),
        "/etc/ssl/swq/privkey.pem": str(key),
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{SITE_FILE} no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


def main_config(folder: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site, in `folder` instead of /etc and /var."""
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers may read the temp folder
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}daemon off;
worker_processes 1;
worker_rlimit_nofile 8192;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log {folder / "access.log"};
{temp}
    include {site};
}}
"""


@dataclass
class Nginx:
    """nginx in the foreground with the shipped site in front of `upstream_port` (and of
    `more_upstreams`: several server nodes)."""

    folder: Path
    upstream_port: int
    more_upstreams: tuple[int, ...] = ()
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def cert(self) -> Path:
        return self.folder / "cert.pem"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def session(self, source_address: str = "127.0.0.1") -> requests.Session:
        """A client that trusts the test certificate and connects from `source_address` (any
        127.x.y.z: nginx then sees a citizen's address other than its own)."""
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise win over `verify`
        session.verify = str(self.cert)
        session.mount("https://", SourceAddressAdapter(source_address))
        return session

    def start(self, timeout_s: float = 15.0) -> Nginx:
        self.folder.mkdir(parents=True, exist_ok=True)
        cert, key = make_certificate(self.folder)
        site = self.folder / "swq.conf"
        site.write_text(
            render_site(
                https_port=self.https_port,
                http_port=self.http_port,
                upstream_port=self.upstream_port,
                cert=cert,
                key=key,
                more_upstreams=self.more_upstreams,
            ),
            encoding="utf-8",
        )
        conf = self.folder / "nginx.conf"
        conf.write_text(main_config(self.folder, site), encoding="utf-8")
        log = open(self.folder / "stderr.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(conf), "-e", str(self.folder / "error.log")],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.errors()}")
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen: {self.errors()}")

    def errors(self) -> str:
        return "".join(
            path.read_text(encoding="utf-8", errors="replace")
            for path in (self.folder / "stderr.log", self.folder / "error.log")
            if path.exists()
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
