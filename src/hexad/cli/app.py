"""The `hexad` entry point: one Typer app with a sub-app per area.

Errors that Hexad raises on purpose (`HexadError`) print as one clear message with the error's exit
code instead of a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from hexad.cli import (
    actors_cmd,
    agents_cmd,
    clients_cmd,
    config_cmd,
    contracts_cmd,
    db_cmd,
    demo_cmd,
    events_cmd,
    findings_cmd,
    forecast_cmd,
    import_cmd,
    leads_cmd,
    patterns_cmd,
    plans_cmd,
    proposals_cmd,
    queues_cmd,
    replay_cmd,
    routes_cmd,
    rules_cmd,
    schedules_cmd,
    serve_cmd,
    users_cmd,
    worker_cmd,
    workflows_cmd,
)
from hexad.errors import HexadError

__all__ = ["app", "main"]

app = typer.Typer(
    name="hexad",
    help="Hexad: AI agents for managed service providers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(actors_cmd.app, name="actors")
app.add_typer(agents_cmd.app, name="agents")
app.add_typer(clients_cmd.app, name="clients")
app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.add_typer(demo_cmd.app, name="demo")
app.add_typer(events_cmd.app, name="events")
app.add_typer(findings_cmd.app, name="findings")
app.command("import")(import_cmd.import_command)
app.add_typer(patterns_cmd.app, name="patterns")
app.add_typer(queues_cmd.app, name="queues")
app.command("replay")(replay_cmd.replay)
app.add_typer(rules_cmd.app, name="rules")
app.add_typer(schedules_cmd.app, name="schedules")
app.command("serve")(serve_cmd.serve)
app.add_typer(users_cmd.app, name="users")
app.add_typer(users_cmd.audit_app, name="audit")
app.add_typer(worker_cmd.app, name="worker")
app.add_typer(workflows_cmd.app, name="workflows")
app.add_typer(contracts_cmd.app, name="contracts")
app.add_typer(forecast_cmd.app, name="forecast")
app.add_typer(leads_cmd.app, name="leads")
app.add_typer(plans_cmd.app, name="plans")
app.add_typer(proposals_cmd.app, name="proposals")
app.add_typer(routes_cmd.app, name="routes")

_errors = Console(stderr=True)


def main() -> None:
    """Run the CLI, mapping Hexad errors to a message and an exit code."""
    try:
        app()
    except HexadError as exc:
        _errors.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
