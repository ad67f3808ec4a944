"""`hexad demo generate` and `hexad demo run`: the synthetic MSP data set and the one-command demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from hexad.adapters.postgres.database import is_postgres_url
from hexad.config import Settings, load_settings
from hexad.demo.generator import GenerationResult, generate
from hexad.demo.summary import outcome_data, render_outcome, render_summary, summary_data
from hexad.errors import ConfigError

__all__ = ["app"]

app = typer.Typer(help="Generate the demo MSP data set and run the demo.", no_args_is_help=True)


@app.command("generate")
def generate_command(
    seed: Annotated[
        int, typer.Option("--seed", help="random seed: the same seed gives byte-identical files")
    ],
    out: Annotated[Path, typer.Option("--out", help="folder to write the data set into")],
    clients: int = typer.Option(200, "--clients", help="number of clients; other counts scale with it"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Write a realistic MSP (about three years of data) in the import format, with ground truth."""
    result = generate(seed, out, clients=clients, show_progress=not as_json)
    _show(result, None, as_json)


@app.command("run")
def run_command(
    seed: int = typer.Option(7, "--seed", help="random seed of the data set"),
    clients: int = typer.Option(200, "--clients", help="number of clients"),
    fresh: bool = typer.Option(False, "--fresh", help="regenerate the data even if it is already there"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    serve: bool | None = typer.Option(
        None, "--serve/--no-serve", help="serve the dashboard afterwards (default: at a terminal)"
    ),
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            help="embedded (SQLite files in HEXAD_HOME) or distributed (PostgreSQL at HEXAD_DATABASE_URL); "
            "default: HEXAD_PROFILE",
        ),
    ] = None,
) -> None:
    """Generate the data (once per seed), import it, run the agents on the runtime, score the findings."""
    from hexad.demo.run import run_demo
    from hexad.demo.serving import serve_dashboard, should_serve

    console = None if as_json else Console()
    if profile not in (None, "embedded", "distributed"):
        raise ConfigError(f"--profile: expected embedded or distributed, got {profile!r}")
    settings = load_settings(**({"profile": profile} if profile else {}))
    check_demo_profile(settings)
    outcome = run_demo(settings, seed=seed, clients=clients, fresh=fresh, console=console)
    if console is None:
        typer.echo(json.dumps(outcome_data(outcome), indent=2, sort_keys=True))
    else:
        render_outcome(console, outcome)
    if console is not None and should_serve(serve, as_json):
        serve_dashboard(settings, console, outcome.admin_password)


def check_demo_profile(settings: Settings) -> None:
    """The distributed demo runs on PostgreSQL: refuse to start without a PostgreSQL database URL."""
    if settings.profile == "aws":
        raise ConfigError("hexad demo run: the aws profile has no demo; use embedded or distributed")
    if settings.profile == "distributed" and not is_postgres_url(settings.database_url):
        raise ConfigError(
            "hexad demo run --profile distributed: set HEXAD_DATABASE_URL to a PostgreSQL database "
            "(postgresql://user@host:5432/name) that the demo may fill"
        )


def _show(result: GenerationResult, report: Any | None, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary_data(result, report), indent=2, sort_keys=True))
    else:
        render_summary(Console(), result, report)
