"""The `swq` command line: click commands on top of the services, which never import it."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path

import click

from core.errors import DomainError
from core.routing import POLICIES
from core.simulation import builtin_scenario, compare, format_table, load_scenario
from core.simulation.suite import (
    SUITE_SEEDS,
    format_suite,
    run_suite,
    suite_days,
    suite_scenarios,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="swq")
def main() -> None:
    """swq: ระบบบัตรคิวศูนย์บริการร่วม / queue tickets for one-stop service centres."""


class PolicyProgress:
    """One progress bar on stderr per policy, as `compare` reports (policy, done, total)."""

    def __init__(self, shown: bool) -> None:
        self.shown = shown
        self.policy: str | None = None
        self.bar = None

    def __call__(self, policy: str, done: int, total: int) -> None:
        if policy != self.policy:
            self.close()
            self.policy = policy
            self.bar = click.progressbar(
                length=total,
                label=f"{policy:<16}",
                file=sys.stderr,
                hidden=not self.shown,
            )
            self.bar.__enter__()
        assert self.bar is not None
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command("simulate")
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Scenario TOML file (default: the built-in provincial centre).",
)
@click.option(
    "--policy",
    "policies",
    type=click.Choice(list(POLICIES)),
    multiple=True,
    help="Routing policy to run; repeat to compare several (default: all).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--progress/--no-progress", default=True, help="Show progress bars on stderr.")
@click.option(
    "--suite",
    is_flag=True,
    help="Run the scenario's suite (rush, absences, surge, lunch, pension day, long case) "
    "over many seeds, with a clairvoyant reference.",
)
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=SUITE_SEEDS,
    show_default=True,
    help="With --suite: seeds 1..N.",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --suite: write the comparison chart to this PNG file.",
)
def simulate_command(
    scenario_path: Path | None,
    policies: tuple[str, ...],
    seed: int,
    progress: bool,
    suite: bool,
    seeds: int,
    chart: Path | None,
) -> None:
    """Replay a simulated office day through the routing core and compare policies."""
    if suite:
        run_suite_command(scenario_path, policies, seeds, progress, chart)
        return
    progress_bars = PolicyProgress(progress)
    try:
        scenario = load_scenario(scenario_path) if scenario_path else builtin_scenario()
        results = compare(scenario, policies or tuple(POLICIES), seed, progress_bars)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message_th}\n{exc.message_en}") from None
    finally:
        progress_bars.close()
    click.echo(format_table(results))


def run_suite_command(
    scenario_path: Path | None,
    policies: tuple[str, ...],
    seeds: int,
    progress: bool,
    chart: Path | None,
) -> None:
    # matplotlib only when the suite runs, so that every other swq command starts quickly.
    from queue_server.cli.suite_chart import draw_suite_chart

    try:
        base = load_scenario(scenario_path) if scenario_path else builtin_scenario()
        scenarios = suite_scenarios(base)
        with click.progressbar(
            length=suite_days(len(scenarios), policies or tuple(POLICIES), seeds),
            label="simulated days",
            file=sys.stderr,
            hidden=not progress,
        ) as bar:
            rows = run_suite(
                scenarios,
                policies or tuple(POLICIES),
                range(1, seeds + 1),
                lambda done, total: bar.update(done - bar.pos),
            )
    except DomainError as exc:
        raise click.ClickException(f"{exc.message_th}\n{exc.message_en}") from None
    click.echo(format_suite(rows))
    if chart is not None:
        draw_suite_chart(rows, chart)
        click.echo(f"chart: {chart}", err=True)


def _register_server_commands() -> None:
    from queue_server.cli.backup import db_backup, db_restore
    from queue_server.cli.day import day_group
    from queue_server.cli.demo import demo_command
    from queue_server.cli.server import (
        check_command,
        db_group,
        office_group,
        server_command,
        token_group,
    )

    for command in (
        server_command,
        db_group,
        office_group,
        token_group,
        check_command,
        day_group,
        demo_command,
    ):
        main.add_command(command)
    db_group.add_command(db_backup)
    db_group.add_command(db_restore)


def _register_plugin_commands() -> None:
    """`swq kiosk`, `swq display` and the like come from the apps that provide them (entry points
    in the `swq.commands` group), so the queue server never imports the kiosk or display code."""
    for entry in entry_points(group="swq.commands"):
        if entry.name not in main.commands:
            main.add_command(entry.load(), entry.name)


_register_server_commands()
_register_plugin_commands()
