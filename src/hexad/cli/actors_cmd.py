"""`hexad actors tree [--json]`: the live supervision tree of every running actor system.

Asks each running system (a worker, the demo) over its local control socket in HEXAD_HOME; shows each
actor's state, messages handled, failures, restarts, mailbox depth (in memory and in its durable
queue) and last error.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from hexad.config import get_settings
from hexad.runtime.actors.control import control_directory, query_systems

__all__ = ["app", "render_system"]

app = typer.Typer(help="Inspect running actor systems.", no_args_is_help=True)

_STATUS_STYLE = {"running": "green", "restarting": "yellow", "suspended": "red", "stopping": "magenta"}


def _label(node: dict[str, Any]) -> str:
    style = _STATUS_STYLE.get(node["status"], "dim")
    parts = [
        f"[bold]{escape(node['name'])}[/] [dim]{escape(node['kind'])}[/] [{style}]{node['status']}[/]",
        f"handled={node['handled']} failures={node['failures']} restarts={node['restarts']}",
        f"mailbox={node['mailbox']}",
    ]
    depth = node.get("queue_depth")
    if node.get("queue") and isinstance(depth, dict) and "visible" in depth:
        parts.append(
            f"queue {escape(node['queue'])}: {depth['visible']} visible, "
            f"{depth['in_flight']} in flight, {depth['delayed']} delayed"
        )
    if node.get("last_error"):
        parts.append(f"[red]last error: {escape(node['last_error'])}[/]")
    return "  ".join(parts)


def _grow(branch: Tree, nodes: list[dict[str, Any]]) -> None:
    for node in nodes:
        _grow(branch.add(_label(node)), node["children"])


def render_system(system: dict[str, Any]) -> Tree:
    """A Rich tree of one system's snapshot."""
    root = Tree(
        f"[bold cyan]{escape(system['system'])}[/] pid {system['pid']}  dead letters={system['dead_letters']}"
    )
    _grow(root, system["actors"])
    return root


@app.command("tree")
def tree(json_output: bool = typer.Option(False, "--json", help="Print JSON instead of a tree.")) -> None:
    """Print the live supervision tree of every running actor system."""
    directory = control_directory(get_settings().home)
    systems = asyncio.run(query_systems(directory))
    if json_output:
        typer.echo(json.dumps(systems, indent=2))
        return
    console = Console()
    if not systems:
        console.print(f"no running actor system found (control sockets in {directory})")
        return
    for system in systems:
        if "error" in system:
            console.print(f"[red]{escape(system['socket'])}: {escape(system['error'])}[/]")
        else:
            console.print(render_system(system))
