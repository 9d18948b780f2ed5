"""A USB printer without its library, its libusb or the printer itself: `swq print-sample` and
`swq kiosk` say so in one line, without a traceback. The library is made unavailable in the
command's own process by a sitecustomize module."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SWQ = [sys.executable, "-m", "queue_server.cli"]
HIDE_PYUSB = """
import sys
class _NoUsb:
    def find_spec(self, name, path=None, target=None):
        if name == "usb" or name.startswith("usb."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _NoUsb())
"""
HIDE_LIBUSB = """
import ctypes.util
_find = ctypes.util.find_library
ctypes.util.find_library = lambda name: None if "usb" in name else _find(name)
"""
CASES = {
    "no pyusb": (HIDE_PYUSB, "USB printers need pyusb, which is not installed"),
    "no libusb": (HIDE_LIBUSB, "USB printers need libusb-1.0, which is not installed"),
    "no printer": ("", "no USB printer 04b8:0202 is connected"),
}


def _env(tmp_path: Path, hide: str) -> dict[str, str]:
    (tmp_path / "sitecustomize.py").write_text(hide)
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        "SDL_VIDEODRIVER": "offscreen",
        "KIVY_NO_ARGS": "1",
        "KIVY_LOG_MODE": "PYTHON",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(tmp_path / "kivy-home"),
    }


@pytest.mark.parametrize("case", CASES)
def test_print_sample_says_what_is_missing_in_one_line(case: str, tmp_path: Path) -> None:
    hide, says = CASES[case]
    done = subprocess.run(
        [*SWQ, "print-sample", "--printer", "usb:04b8:0202"],
        env=_env(tmp_path, hide),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("Error: the sample ticket was not printed: " + says), line


def test_the_kiosk_says_it_once_and_runs_on(tmp_path: Path) -> None:
    hide, says = CASES["no libusb"]
    command = ["kiosk", "--server", "http://127.0.0.1:9", "--token", "t"]
    kiosk = subprocess.Popen(
        [*SWQ, *command, "--printer", "usb:04b8:0202"],
        env=_env(tmp_path, hide),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert kiosk.stderr is not None
        first = kiosk.stderr.readline()
        assert first.startswith(f"swq kiosk: printer usb:04b8:0202: {says}"), first
        time.sleep(3)
        assert kiosk.poll() is None  # the kiosk runs on without paper
    finally:
        kiosk.terminate()
        _, rest = kiosk.communicate(timeout=30)
    assert "Traceback" not in rest
