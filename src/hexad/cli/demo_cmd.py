"""`hexad demo generate` and `hexad demo run`: the synthetic MSP data set and the one-command demo."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from hexad.config import load_settings
from hexad.demo.files import COLUMNS
from hexad.demo.generator import GenerationResult, describe, generate, is_generated
from hexad.demo.summary import render_summary, summary_data
from hexad.errors import DemoError

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
) -> None:
    """Generate the demo data into HEXAD_HOME/demo-data (once per seed), import it and summarize."""
    out = load_settings().home / "demo-data"
    if fresh or not is_generated(out, seed, clients):
        result = generate(seed, out, clients=clients, show_progress=not as_json)
    else:
        result = describe(out)
    report = import_data_set(result, show_progress=not as_json)
    _show(result, report, as_json)


def import_data_set(result: GenerationResult, show_progress: bool) -> Any:
    """Import every entity file, in the contract's order, with `hexad.ingest.import_paths`."""
    try:
        ingest = importlib.import_module("hexad.ingest")
        import_paths = ingest.import_paths
    except (ImportError, AttributeError) as exc:
        raise DemoError(
            f"cannot import the demo data: hexad.ingest.import_paths is not available ({exc}); "
            f"the data set is ready in {result.out}"
        ) from None
    paths = [result.paths[entity] for entity in COLUMNS]
    return import_paths(paths, show_progress=show_progress)


def _show(result: GenerationResult, report: Any | None, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary_data(result, report), indent=2, sort_keys=True))
    else:
        render_summary(Console(), result, report)
