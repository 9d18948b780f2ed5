"""Real byte sinks standing in for printers: a TCP listener on 127.0.0.1 and a socat pty pair."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from pathlib import Path

import serial

PAPER_QUERY = b"\x10\x04\x04"


class TcpPrinter:
    """Accepts connections on a free port and keeps what each one sent. When `paper` is set it
    answers the paper-sensor query with that byte, as a real printer does."""

    def __init__(self, paper: bytes | None = None, port: int = 0) -> None:
        self.paper = paper
        self._server = socket.create_server(("127.0.0.1", port))
        self.port = int(self._server.getsockname()[1])
        self.jobs: list[bytes] = []
        self._done = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return  # closed
            with conn:
                self._receive(conn)

    def _receive(self, conn: socket.socket) -> None:
        received = bytearray()
        answered = False
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            received += chunk
            if self.paper is not None and not answered and PAPER_QUERY in received:
                conn.sendall(self.paper)
                answered = True
        with self._done:
            self.jobs.append(bytes(received))
            self._done.notify_all()

    def wait_jobs(self, count: int, timeout_s: float = 30.0) -> list[bytes]:
        with self._done:
            self._done.wait_for(lambda: len(self.jobs) >= count, timeout_s)
            return list(self.jobs)

    def close(self) -> None:
        # close() alone leaves a thread blocked in accept() and the port still listening
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self._thread.join(timeout=5)


class PtyPrinter:
    """`socat` joins two ptys: the kiosk opens `device`, the test reads the other end with
    pyserial, as a serial printer would receive the bytes."""

    def __init__(self, folder: Path) -> None:
        self.device = folder / "printer"
        self._reader_path = folder / "reader"
        self._socat = subprocess.Popen(
            [
                "socat",
                f"pty,raw,echo=0,link={self.device}",
                f"pty,raw,echo=0,link={self._reader_path}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not (self.device.exists() and self._reader_path.exists()):
            if time.monotonic() > deadline or self._socat.poll() is not None:
                self.close()
                raise RuntimeError("socat did not make its pty pair")
            time.sleep(0.05)
        self.reader = serial.Serial(str(self._reader_path), 115200, timeout=0.2)
        self.received = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def uri(self, options: str = "") -> str:
        return f"serial:{self.device}?baudrate=19200{'&' + options if options else ''}"

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                chunk = self.reader.read(65536)
            except (serial.SerialException, OSError, TypeError):
                return  # the pty went away under us
            with self._lock:
                self.received += chunk

    def wait_for(self, marker: bytes, timeout_s: float = 30.0) -> bytes:
        """What arrived, once it ends with `marker` (or the time is up)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if self.received.endswith(marker):
                    return bytes(self.received)
            time.sleep(0.05)
        with self._lock:
            return bytes(self.received)

    def close(self) -> None:
        self._stop.set()
        if hasattr(self, "_thread"):
            self._thread.join(timeout=5)
        if hasattr(self, "reader"):
            self.reader.close()
        if self._socat.poll() is None:
            self._socat.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._socat.wait(timeout=5)
