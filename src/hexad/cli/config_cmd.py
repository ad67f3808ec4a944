"""`hexad config show`: the effective settings, secrets masked."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from hexad.config import load_settings

app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table")) -> None:
    """Print every setting with its effective value; secrets are masked."""
    values = load_settings().masked()
    if as_json:
        typer.echo(json.dumps(values, indent=2))
        return
    table = Table("variable", "value", title="Hexad configuration")
    for name, value in values.items():
        table.add_row(f"HEXAD_{name.upper()}", value)
    Console().print(table)
