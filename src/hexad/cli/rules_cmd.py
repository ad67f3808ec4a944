"""`hexad rules ...`: list, put, delete, enable and disable event bus rules."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hexad.cli.events_cmd import read_json_option
from hexad.errors import RuleError
from hexad.ports.bus import Rule, Target, TargetKind
from hexad.wiring import event_bus

__all__ = ["app", "targets_from_json"]

app = typer.Typer(help="Manage event bus rules and their targets.", no_args_is_help=True)


def targets_from_json(data: Any) -> list[Target]:
    """Targets from a JSON list of objects (`kind`, `destination`, optional `id`, `input`, ...).

    Kinds: queue, mailbox, workflow, webhook, callable; the keys are `Target.to_dict`'s.
    """
    if not isinstance(data, list):
        raise RuleError("--targets: expected a JSON list of target objects")
    targets = []
    for index, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise RuleError(f"--targets[{index}]: expected an object, got {item!r}")
        try:
            targets.append(Target.from_dict({"id": f"t{index + 1}", **item}))
        except KeyError as exc:
            raise RuleError(f"--targets[{index}]: missing key {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise RuleError(f"--targets[{index}]: {exc}") from None
    return targets


def _shortcut_targets(
    queues: list[str], mailboxes: list[str], webhooks: list[str], callables: list[str]
) -> list[Target]:
    given: list[tuple[TargetKind, str]] = [("queue", q) for q in queues]
    given += [("mailbox", m) for m in mailboxes] + [("webhook", w) for w in webhooks]
    given += [("callable", c) for c in callables]
    return [
        Target(id=f"{kind}-{index}", kind=kind, destination=name)
        for index, (kind, name) in enumerate(given, 1)
    ]


def _rule_json(rule: Rule) -> dict[str, Any]:
    pattern = rule.event_pattern
    return {
        "name": rule.name,
        "bus": rule.bus,
        "state": rule.state,
        "event_pattern": json.loads(pattern) if isinstance(pattern, str) else pattern,
        "schedule_expression": rule.schedule_expression,
        "description": rule.description,
        "targets": [target.to_dict() for target in rule.targets],
    }


@app.command("list")
def list_rules(
    bus: str | None = typer.Option(None, "--bus", help="only this bus (default: every bus)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Every rule with its pattern or schedule and its targets."""
    rules = asyncio.run(event_bus().list_rules(bus))
    if as_json:
        typer.echo(json.dumps([_rule_json(rule) for rule in rules], indent=2))
        return
    table = Table("bus", "name", "state", "pattern / schedule", "targets", title="Rules")
    for rule in rules:
        trigger = rule.schedule_expression or str(rule.event_pattern)
        targets = ", ".join(f"{t.kind}:{t.destination}" for t in rule.targets) or "-"
        table.add_row(rule.bus, rule.name, rule.state, trigger, targets)
    Console().print(table)


@app.command("put")
def put(
    name: str = typer.Argument(..., help="the rule's name: letters, digits, '.', '-', '_'"),
    bus: str = typer.Option("default", "--bus", help="the event bus"),
    pattern: str | None = typer.Option(None, "--pattern", help="event pattern: a JSON file or inline JSON"),
    schedule: str | None = typer.Option(
        None, "--schedule", help="cron(...) or rate(...) instead of a pattern"
    ),
    targets: str | None = typer.Option(None, "--targets", help="JSON list of targets (file or inline)"),
    queue: Annotated[
        list[str] | None, typer.Option("--queue", help="add a queue target (repeatable)")
    ] = None,
    mailbox: Annotated[
        list[str] | None, typer.Option("--mailbox", help="add an agent mailbox (repeatable)")
    ] = None,
    webhook: Annotated[
        list[str] | None, typer.Option("--webhook", help="add a webhook URL (repeatable)")
    ] = None,
    function: Annotated[
        list[str] | None, typer.Option("--callable", help="add a registered callable (repeatable)")
    ] = None,
    description: str = typer.Option("", "--description", help="what the rule is for"),
    disabled: bool = typer.Option(False, "--disabled", help="store it without matching"),
) -> None:
    """Create or replace a rule."""
    given = targets_from_json(read_json_option(targets, "--targets")) if targets else []
    given += _shortcut_targets(queue or [], mailbox or [], webhook or [], function or [])
    rule = Rule(
        name=name,
        bus=bus,
        event_pattern=None if pattern is None else read_json_option(pattern, "--pattern"),
        schedule_expression=schedule,
        state="DISABLED" if disabled else "ENABLED",
        description=description,
        targets=tuple(given),
    )
    stored = asyncio.run(event_bus().put_rule(rule))
    typer.echo(f"put rule {stored.name} on bus {stored.bus} ({stored.state}, {len(stored.targets)} targets)")


@app.command("delete")
def delete(
    name: str = typer.Argument(..., help="the rule's name"),
    bus: str = typer.Option("default", "--bus", help="the event bus"),
) -> None:
    """Delete a rule (deliveries already queued are still made)."""
    asyncio.run(event_bus().delete_rule(name, bus))
    typer.echo(f"deleted rule {name} on bus {bus}")


@app.command("enable")
def enable(
    name: str = typer.Argument(..., help="the rule's name"),
    bus: str = typer.Option("default", "--bus", help="the event bus"),
) -> None:
    """Start matching events (or firing the schedule) again."""
    asyncio.run(event_bus().enable_rule(name, bus))
    typer.echo(f"enabled rule {name} on bus {bus}")


@app.command("disable")
def disable(
    name: str = typer.Argument(..., help="the rule's name"),
    bus: str = typer.Option("default", "--bus", help="the event bus"),
) -> None:
    """Stop matching events (or firing the schedule); the rule keeps its targets."""
    asyncio.run(event_bus().disable_rule(name, bus))
    typer.echo(f"disabled rule {name} on bus {bus}")
