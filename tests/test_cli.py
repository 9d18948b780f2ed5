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


def test_suite_on_an_office_scenario_prints_the_table_and_draws_the_chart(tmp_path: Path) -> None:
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_OFFICE, encoding="utf-8")
    chart = tmp_path / "suite.png"
    result = CliRunner().invoke(
        main,
        ["simulate", "--suite", "--scenario", str(scenario), "--seeds", "2", "--chart", str(chart)],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    rows = [line for line in lines if line.startswith(("small", "1 officer"))]
    # The office's day and its absences variant: three policies and the clairvoyant reference's
    # four runs (as such, without the priority head start, in queue order, and in queue order
    # with expected service times); under the table, a line for each scenario where
    # p90 <= FIFO and priority <= half conflict.
    notes = [row for row in rows if "conflict on" in row]
    assert len(rows) - len(notes) == 14
    assert sum("clairvoyant, queue order" in row for row in rows) == 2
    assert sum("queue order, expected times" in row for row in rows) == 2
    below = lines[next(n for n, line in enumerate(lines) if line.startswith("means over")) :]
    assert all(note in below for note in notes)
    assert "means over 2 seeds" in result.stdout
    assert "simulated days" in result.stderr
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_suite_seeds_must_be_positive() -> None:
    result = CliRunner().invoke(main, ["simulate", "--suite", "--seeds", "0"])
    assert result.exit_code == 2 and "--seeds" in result.output


# Two counters, so one can be absent; no elderly class, so no pension day.
SMALL_OFFICE = """
[scenario]
name = "small"

[office]
code = "small"
name_th = "สำนักงานเล็ก"
name_en = "Small office"
hours = "08:30-12:30"

[arrivals.profile]
9 = 2
10 = 1

[priority]
classes = ["normal", "monk"]

[priority.mix]
normal = 0.9
monk = 0.1

[[agencies]]
code = "dopa"
name_th = "อำเภอ"
name_en = "District"

[[services]]
code = "A"
agency = "dopa"
name_th = "ทะเบียนราษฎร์"
name_en = "Civil registration"
target_wait_min = 15
visitors_per_day = 60
service_time = { mean_min = 4, sd_min = 2 }

[[counters]]
code = "1"
name_th = "ช่อง 1"
name_en = "Counter 1"
services = { A = 1 }

[[counters]]
code = "2"
name_th = "ช่อง 2"
name_en = "Counter 2"
services = { A = 1 }
"""
