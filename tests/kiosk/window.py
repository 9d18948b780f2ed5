"""The kiosk window in its own process (Kivy allows one window per process), driven line by line
through tests/kiosk/kiosk_driver.py."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any


class KioskProcess:
    def __init__(
        self,
        server: str,
        token: str,
        printer: str | None,
        folder: Path,
        size: tuple[int, int] = (1280, 800),
    ) -> None:
        self.log_path = folder / "kiosk.log"
        env = {
            **os.environ,
            "SDL_VIDEODRIVER": "offscreen",
            "KIVY_NO_ARGS": "1",
            "KIVY_LOG_MODE": "PYTHON",
            "KIVY_NO_FILELOG": "1",
            "KIVY_HOME": str(folder / "kivy-home"),
            "PYTHONUNBUFFERED": "1",
        }
        command = [sys.executable, "-m", "tests.kiosk.kiosk_driver", "--server", server]
        command += ["--token", token, *(["--printer", printer] if printer else [])]
        command += ["--size", f"{size[0]}x{size[1]}"]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        started = self._next(60)
        assert started.get("started"), started

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("@@ "):
                self._replies.put(json.loads(line[3:]))
        self._replies.put({"ok": False, "error": "the kiosk process ended"})

    def _next(self, timeout_s: float) -> dict[str, Any]:
        try:
            return self._replies.get(timeout=timeout_s)
        except queue.Empty:
            raise AssertionError(
                f"no answer from the kiosk in {timeout_s} s; {self.log()}"
            ) from None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def send(self, command: str, timeout_s: float = 60) -> dict[str, Any]:
        """One command; its answer, which must be ok."""
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self._next(timeout_s)
        assert answer.get("ok"), f"{command}: {answer}\n{self.log()}"
        return answer

    def state(self) -> dict[str, Any]:
        return self.send("state")["state"]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.alive:
            try:
                self.send("quit", timeout_s=10)
                self.process.wait(timeout=15)
            except (AssertionError, OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=15)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._log.close()
