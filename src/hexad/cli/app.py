"""The `hexad` entry point: one Typer app with a command group per area, loaded on first use.

Command modules import heavy libraries (pandas, scikit-learn, OR-Tools, the API stack); importing all
of them for every command cost seconds of start-up. `LazyGroup` imports a module only when its
command runs (or when the full help is shown), so `hexad queues list` starts as fast as its own
imports allow. Typer has no lazy sub-apps, hence this small click-level group.

Errors that Hexad raises on purpose (`HexadError`) print as one clear message with the error's exit
code instead of a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from hexad.errors import HexadError

__all__ = ["COMMANDS", "LazyGroup", "app", "main"]

# command name -> (module under hexad.cli, attribute); an attribute named `app` is a Typer group,
# anything else a single command function.
COMMANDS: dict[str, tuple[str, str]] = {
    "actors": ("actors_cmd", "app"),
    "agents": ("agents_cmd", "app"),
    "ask": ("ask_cmd", "ask"),
    "apikeys": ("apikeys_cmd", "app"),
    "audit": ("users_cmd", "audit_app"),
    "clients": ("clients_cmd", "app"),
    "config": ("config_cmd", "app"),
    "contracts": ("contracts_cmd", "app"),
    "db": ("db_cmd", "app"),
    "demo": ("demo_cmd", "app"),
    "events": ("events_cmd", "app"),
    "explain": ("ask_cmd", "explain_app"),
    "findings": ("findings_cmd", "app"),
    "forecast": ("forecast_cmd", "app"),
    "import": ("import_cmd", "import_command"),
    "leads": ("leads_cmd", "app"),
    "llm": ("llm_cmd", "app"),
    "mcp": ("mcp_cmd", "mcp"),
    "notify": ("notify_cmd", "app"),
    "patterns": ("patterns_cmd", "app"),
    "plans": ("plans_cmd", "app"),
    "proposals": ("proposals_cmd", "app"),
    "queues": ("queues_cmd", "app"),
    "replay": ("replay_cmd", "replay"),
    "routes": ("routes_cmd", "app"),
    "rules": ("rules_cmd", "app"),
    "scheduler": ("scheduler_cmd", "app"),
    "schedules": ("schedules_cmd", "app"),
    "search": ("search_cmd", "search"),
    "serve": ("serve_cmd", "serve"),
    "users": ("users_cmd", "app"),
    "worker": ("worker_cmd", "app"),
    "workflows": ("workflows_cmd", "app"),
}


def load_command(name: str) -> Any:
    """The click command for `name`, importing its module now."""
    module_name, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(f"hexad.cli.{module_name}"), attribute)
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)  # exactly as a registered sub-app would be built
        return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]
    holder.command(name)(target)
    return typer.main.get_command(holder)


class LazyGroup(TyperGroup):
    """A Typer group whose sub-commands come from `COMMANDS`, imported when first asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.add_command(load_command(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="hexad",
    cls=LazyGroup,
    help="Hexad: AI agents for managed service providers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def hexad() -> None:
    """Hexad: AI agents for managed service providers."""


_errors = Console(stderr=True)


def main() -> None:
    """Run the CLI, mapping Hexad errors to a message and an exit code."""
    try:
        app()
    except HexadError as exc:
        _errors.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
