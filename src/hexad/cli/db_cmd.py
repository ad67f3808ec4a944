"""`hexad db upgrade|current`: migrate the domain database and show where it stands."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from hexad.config import get_settings

__all__ = ["app"]

app = typer.Typer(help="Migrate and inspect the domain database.", no_args_is_help=True)
_console = Console()


@app.command("upgrade")
def upgrade_command(
    revision: str = typer.Option("head", "--revision", help="migration to reach (default: the newest)"),
) -> None:
    """Run the domain migrations up to REVISION (the same migrations on SQLite and PostgreSQL)."""
    from hexad.domain.database import upgrade  # late: alembic loads only for this command

    settings = get_settings()
    reached = upgrade(settings, revision=revision)
    _console.print(f"domain database at revision [bold]{reached}[/] ({settings.masked()['database_url']})")


@app.command("current")
def current_command(as_json: bool = typer.Option(False, "--json", help="print as JSON")) -> None:
    """Show the database's migration revision and the newest one this version ships."""
    from hexad.domain.database import current_revision, head_revision

    settings = get_settings()
    data = {
        "database_url": settings.masked()["database_url"],
        "current": current_revision(settings),
        "head": head_revision(),
    }
    if as_json:
        typer.echo(json.dumps(data))
        return
    state = "up to date" if data["current"] == data["head"] else "run `hexad db upgrade`"
    revision = data["current"] or "none"
    _console.print(f"{data['database_url']}: revision {revision} (head {data['head']}, {state})")
