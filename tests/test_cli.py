"""The `swq` command line as users run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from queue_server.cli import main


def test_installed_swq_lists_its_commands() -> None:
    swq = Path(sys.executable).parent / "swq"
    result = subprocess.run([str(swq), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "simulate" in result.stdout and "ศูนย์บริการร่วม" in result.stdout


def test_simulate_prints_one_row_per_policy() -> None:
    result = CliRunner().invoke(
        main, ["simulate", "--policy", "weighted", "--policy", "fifo", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    rows = [line.split()[0] for line in result.stdout.splitlines()[2:4]]
    assert rows == ["weighted", "fifo"]
    assert "seed 3" in result.stdout


def test_simulate_is_reproducible() -> None:
    runs = [
        CliRunner().invoke(main, ["simulate", "--policy", "fifo", "--no-progress"]).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and "fifo" in runs[0]


def test_bad_scenario_is_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text('[scenario]\nname = "x"\ncolour = "red"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", "--scenario", str(scenario)])
    assert result.exit_code == 1
    assert "colour" in result.output and "Traceback" not in result.output
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", "--scenario", str(broken)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output


def test_unknown_policy_is_refused_by_name() -> None:
    result = CliRunner().invoke(main, ["simulate", "--policy", "random"])
    assert result.exit_code == 2 and "weighted" in result.output
