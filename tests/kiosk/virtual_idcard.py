"""A PC/SC stack for tests: Debian's pcscd with vsmartcard's virtual reader (vpcd), and a
virtual Thai ID card that plugs into it over TCP as vsmartcard's vicc does.

pcscd runs in the foreground in its own mount namespace, where a folder of the test is bound on
/run/pcscd: its socket is that folder's, clients reach it through PCSCLITE_CSOCK_NAME, and a
pcscd of the machine is left alone. vpcd listens on a free port of 127.0.0.1 for the card.
The card speaks T=0 as real Thai ID cards do (answers wait behind 61xx for GET RESPONSE)."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

from kiosk.idcard import READ_CITIZEN_ID, SELECT_THAI_ID

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
# The ATR of a Thai ID card: T=0, historical bytes of the card's chip.
ATR = bytes.fromhex("3B68000000 73C84012 009000".replace(" ", ""))
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Pcscd:
    """pcscd with one vpcd reader; `env` points PC/SC clients at it."""

    def __init__(self, folder: Path) -> None:
        missing = [tool for tool in ("pcscd", "unshare") if shutil.which(tool) is None]
        assert not missing and VPCD_DRIVER.exists(), (
            f"missing {missing or VPCD_DRIVER}: run scripts/test.sh (pcscd, vsmartcard-vpcd)"
        )
        self.card_port = free_port()
        config, run = folder / "reader.conf.d", folder / "run"
        config.mkdir()
        run.mkdir()
        (config / "vpcd").write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            f"DEVICENAME /dev/null:0x{self.card_port:X}\n"
            f"LIBPATH {VPCD_DRIVER}\n"
            f"CHANNELID 0x{self.card_port:X}\n"
        )
        self.socket = run / "pcscd.comm"
        self.env = {"PCSCLITE_CSOCK_NAME": str(self.socket)}
        self.log_path = folder / "pcscd.log"
        # Root binds the folder in a mount namespace of its own; others map themselves to root
        # in a user namespace first.
        private = ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
        script = (
            f"mkdir -p /run/pcscd && mount --bind {run} /run/pcscd && exec pcscd -f -i -c {config}"
        )
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [*private, "sh", "-c", script], stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 20
        while b"daemon ready" not in self.log_path.read_bytes():
            assert self.process.poll() is None, f"pcscd ended:\n{self.log()}"
            assert time.monotonic() < deadline, f"pcscd not ready:\n{self.log()}"
            time.sleep(0.05)
        assert b"Could not initialize" not in self.log_path.read_bytes(), self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


class VirtualThaiIdCard:
    """Inserted while connected to vpcd; answers the public Thai ID APDUs with `citizen_id`,
    anything else with 6D 00 (instruction not supported). Records the APDUs it was sent."""

    def __init__(self, citizen_id: str) -> None:
        self.citizen_id = citizen_id
        self.apdus: list[bytes] = []
        self._waiting = b""  # the answer kept for GET RESPONSE
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def insert(self, port: int) -> None:
        self._socket = socket.create_connection(("127.0.0.1", port), timeout=10)
        self._socket.settimeout(None)
        self._thread = threading.Thread(target=self._serve, args=(self._socket,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        if self._socket is not None:
            self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
            self._socket = None
        if self._thread is not None:
            self._thread.join(10)

    def answer(self, apdu: bytes) -> bytes:
        self.apdus.append(apdu)
        if apdu == bytes(SELECT_THAI_ID):
            return self._later(b"\x00" * 10)
        if apdu == bytes(READ_CITIZEN_ID):
            return self._later(self.citizen_id.encode())
        if apdu[:4] == b"\x00\xc0\x00\x00" and self._waiting:
            data, self._waiting = self._waiting[: apdu[4]], b""
            return data + b"\x90\x00"
        return b"\x6d\x00"

    def _later(self, data: bytes) -> bytes:
        self._waiting = data
        return bytes([0x61, len(data)])

    def _serve(self, link: socket.socket) -> None:
        try:
            while True:
                message = _receive(link)
                if message is None:
                    return
                if len(message) == 1:  # vpcd's control messages: power, reset, the ATR
                    if message[0] == GET_ATR:
                        _send(link, ATR)
                    elif message[0] in (POWER_OFF, RESET):
                        self._waiting = b""
                    continue
                _send(link, self.answer(message))
        except OSError:
            return  # removed


def _receive(link: socket.socket) -> bytes | None:
    header = _exactly(link, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _exactly(link, length)


def _exactly(link: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = link.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _send(link: socket.socket, data: bytes) -> None:
    link.sendall(struct.pack(">H", len(data)) + data)
