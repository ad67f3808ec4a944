"""`hexad apikeys create|list|revoke`: keys for machine clients of the API, from the shell."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

from hexad.auth.apikeys import ApiKey, ApiKeys
from hexad.auth.keys import api_keys
from hexad.config import load_settings
from hexad.domain.database import upgrade
from hexad.runtime.clock import SystemClock

__all__ = ["app"]

app = typer.Typer(help="Manage API keys for machine clients.", no_args_is_help=True)
_console = Console()


def _keys() -> ApiKeys:
    settings = load_settings()
    upgrade(settings)
    return api_keys(settings, SystemClock())


def _when(seconds: float | None) -> str:
    return "-" if seconds is None else datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M")


def _row(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "name": key.name,
        "owner": key.owner,
        "scopes": list(key.scopes),
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
        "last_used_at": key.last_used_at,
    }


@app.command("create")
def create(
    name: str = typer.Argument(..., help="which client uses the key, e.g. 'psa-sync'"),
    scopes: str = typer.Option(
        ..., "--scopes", help="comma-separated permissions, e.g. findings:read,tasks:write"
    ),
    expires_in_days: float = typer.Option(90.0, "--expires-in-days", min=0.0, help="0: never expires"),
    owner: str = typer.Option("cli", "--owner", help="who is responsible for the key"),
) -> None:
    """Create a key and print it once (only its SHA-256 is stored)."""
    granted = [scope.strip() for scope in scopes.split(",") if scope.strip()]
    key, text = _keys().create(name, granted, owner=owner, expires_in_days=expires_in_days or None)
    _console.print(f"created key {key.id} ({', '.join(key.scopes)}), expires {_when(key.expires_at)}")
    typer.echo(text)


@app.command("list")
def list_keys(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Every key, newest first."""
    keys = _keys().list()
    if as_json:
        typer.echo(json.dumps([_row(key) for key in keys], indent=2))
        return
    table = Table("id", "name", "scopes", "owner", "expires", "last used", "status")
    for key in keys:
        status = "revoked" if key.revoked_at is not None else "ok"
        table.add_row(key.id, key.name, ", ".join(key.scopes), key.owner, _when(key.expires_at),
                      _when(key.last_used_at), status)  # fmt: skip
    _console.print(table)


@app.command("revoke")
def revoke(key_id: str) -> None:
    """Stop a key from working at once."""
    key = _keys().revoke(key_id)
    _console.print(f"revoked {key.id} ({key.name})")
