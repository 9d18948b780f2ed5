"""The shipped systemd units pass `systemd-analyze verify` without a single complaint, with
their ExecStart pointed at this environment's `swq` (the only thing replaced)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
SHIPPED_SWQ = "/opt/swq/.venv/bin/swq"


def test_the_server_kiosk_and_board_units_are_shipped() -> None:
    assert [unit.name for unit in UNITS] == [
        "swq-board.service",
        "swq-kiosk.service",
        "swq-server.service",
    ]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_unit_verifies_cleanly(unit: Path, tmp_path: Path) -> None:
    text = unit.read_text(encoding="utf-8")
    assert text.count(f"ExecStart={SHIPPED_SWQ} ") == 1
    swq = Path(sys.executable).parent / "swq"
    assert swq.exists()
    rendered = tmp_path / unit.name
    rendered.write_text(text.replace(SHIPPED_SWQ, str(swq)), encoding="utf-8")
    for setting in ("User=", "NoNewPrivileges=yes", "ProtectSystem=strict", "Restart="):
        assert setting in text
    result = subprocess.run(
        ["systemd-analyze", "verify", str(rendered)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""
