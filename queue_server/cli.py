"""The `swq` command line."""

from __future__ import annotations

from pathlib import Path

import click
from core.simulation import builtin_scenario, format_table, load_scenario, simulate

from core.errors import DomainError
from core.routing import POLICIES


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="swq")
def main() -> None:
    """swq: ระบบบัตรคิวศูนย์บริการร่วม / queue tickets for one-stop service centres."""


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
    help="Routing policy to run; repeat to compare (default: all).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
def simulate_command(
    scenario_path: Path | None, policies: tuple[str, ...], seed: int, progress: bool
) -> None:
    """Replay a simulated office day through the routing core and compare policies."""
    try:
        scenario = load_scenario(scenario_path) if scenario_path else builtin_scenario()
        chosen = policies or tuple(POLICIES)
        results = []
        for policy in chosen:
            with click.progressbar(
                length=1,
                label=f"{policy:<16}",
                file=click.get_text_stream("stderr"),
                hidden=not progress,
            ) as bar:

                def advance(done: int, total: int, bar: click.progressbar = bar) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                results.append(simulate(scenario, policy, seed, advance))
    except DomainError as exc:
        raise click.ClickException(f"{exc.message_th}\n{exc.message_en}") from None
    click.echo(format_table(results))
