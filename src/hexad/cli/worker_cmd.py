"""`hexad worker [--agents cpi,dsa]`: run agent actors on their durable mailboxes until SIGTERM.

Agents are looked up at run time in `hexad.agents.registry.agent_actor_factories()`; each is bound to
its FIFO mailbox `mailbox-<agent>` (dead-letter queue `mailbox-<agent>-dlq`, 3 deliveries). SIGTERM or
Ctrl-C finishes the messages in hand (up to `--grace` seconds), saves state and exits 0. Unless told
otherwise (`--no-bus`, `--no-scheduler`) the worker also runs the event bus delivery loop, which fills
the mailboxes, and the scheduler; several workers may run them at once (both lease their work).
`--metrics-port` serves Prometheus metrics, queue depth included, for the worker autoscaler. On the
distributed profile (or with `--placement leased`) each agent runs on exactly one worker at a time,
under a lease (`hexad.runtime.actors.placement`); it moves to a survivor when its worker dies.
With workflows on (`--no-workflows` turns them off) it stores Hexad's workflows, installs the rules
that start them and drives executions, with the agents' actions as their Task resources.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import typer

from hexad import wiring
from hexad.config import Settings, get_settings
from hexad.errors import ActorError, ValidationError
from hexad.observability.exposition import process_metrics
from hexad.observability.metrics_server import metrics_service
from hexad.runtime.actors.actor import Actor
from hexad.runtime.actors.placement import AgentPlacement
from hexad.runtime.actors.worker import ensure_agent_mailbox, event_loop_factory

__all__ = ["agent_factories", "app", "choose_agents"]

app = typer.Typer(help="Run agent actors on their durable mailboxes.", invoke_without_command=True)


def agent_factories(settings: Settings | None = None) -> dict[str, Callable[[], Actor]]:
    """The registered agent actors by name, from the agents registry (imported only when needed).

    When the registry's `agent_actor_factories` takes `settings` and `publish`, the agents get this
    process's settings and publish their events on the event bus.
    """
    try:
        registry = importlib.import_module("hexad.agents.registry")
    except ImportError as exc:
        raise ActorError(f"cannot load the agents registry hexad.agents.registry: {exc}") from exc
    factories = getattr(registry, "agent_actor_factories", None)
    if factories is None:
        raise ActorError("hexad.agents.registry has no agent_actor_factories(); no agent can run as an actor")
    accepted = inspect.signature(factories).parameters
    options: dict[str, Any] = {}
    if "settings" in accepted:
        options["settings"] = settings
    if "publish" in accepted:
        options["publish"] = wiring.event_bus(settings).put_events
    found: dict[str, Callable[[], Actor]] = factories(**options)
    return found


def choose_agents(registered: dict[str, Callable[[], Actor]], requested: str | None) -> list[str]:
    """The agent names to run: every registered one, or the comma-separated `requested` ones."""
    if not registered:
        raise ValidationError("--agents: no agent is registered as an actor")
    if requested is None or not requested.strip():
        return sorted(registered)
    names = [name.strip().lower() for name in requested.split(",") if name.strip()]
    unknown = [name for name in names if name not in registered]
    if unknown:
        raise ValidationError(
            f"--agents: unknown agent(s) {', '.join(unknown)}; "
            f"expected one of {', '.join(sorted(registered))}"
        )
    return list(dict.fromkeys(names))


async def _serve(
    settings: Settings,
    factories: dict[str, Callable[[], Actor]],
    names: list[str],
    grace: float,
    services: tuple[bool, bool, bool],
    metrics: tuple[str, int] | None = None,
    lease_member: str | None = None,
) -> int:
    """Serve; with `lease_member`, agents are placed across workers by leases held under that name."""
    wiring.adopt_event_loop(settings)
    worker = wiring.worker(settings, shutdown_grace=grace)
    bus_service = wiring.event_bus(settings)
    await _install_agent_rules(bus_service)
    for name in names:
        queue = await ensure_agent_mailbox(worker.queues, name)
        if lease_member is None:
            worker.bind(factories[name], queue, name=name)
    if lease_member is not None:
        leases = wiring.lease_store(settings, clock=worker.system.clock)
        placed = AgentPlacement(
            worker.system, worker.queues, factories, names, leases, member=lease_member, grace=grace
        )
        worker.add_service("agent placement", placed.run)
    bus, scheduler, workflows = services
    if metrics is not None:
        queues_for_metrics = worker.queues
        worker.add_service("metrics", metrics_service(*metrics, lambda: process_metrics(queues_for_metrics)))
    if bus:
        worker.add_service("event bus", bus_service.run)
    if scheduler:
        worker.add_service("scheduler", wiring.scheduler(settings, sink=wiring.bus_firing_sink(settings)).run)
    if workflows:
        queues = worker.queues
        engine = wiring.workflow_service(
            settings,
            put_events=bus_service.put_events,
            send_message=lambda queue, body: queues.send(queue, body),
        )
        await _install_workflow_rules(bus_service, engine)
        worker.add_service("workflows", _until_stopped(engine.run))
    from hexad.tasks.consumer import task_consumer  # API-submitted tasks (hexad.tasks)

    worker.add_service("tasks", task_consumer(settings))
    from hexad.notifications.assembly import worker_service  # findings to people (hexad.notifications)

    worker.add_service("notifications", worker_service(settings))
    return await worker.run()


async def _install_agent_rules(bus: Any) -> None:
    """Put the agents' rules on the bus (idempotent), so imports and trigger events reach the mailboxes."""
    try:
        rules = importlib.import_module("hexad.agents.rules")
    except ImportError:
        return
    await rules.install_rules(bus)


async def _install_workflow_rules(bus: Any, workflows: Any) -> None:
    """Store Hexad's workflows and the rules that start them (a renewal due starts the renewal)."""
    try:
        rules = importlib.import_module("hexad.agents.rules")
    except ImportError:
        return
    await rules.install_workflow_rules(bus, workflows)


def _until_stopped(
    run: Callable[[], Coroutine[Any, Any, None]],
) -> Callable[[asyncio.Event], Awaitable[None]]:
    """A worker service from a loop that runs until cancelled: cancel it when the worker stops."""

    async def service(stop: asyncio.Event) -> None:
        task = asyncio.create_task(run())
        await stop.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return service


def _leased(placement: str, settings: Settings) -> bool:
    """Whether agents are placed by leases (`--placement`)."""
    choice = placement.strip().lower()
    if choice not in ("auto", "all", "leased"):
        raise ValidationError(f"--placement: expected auto, all or leased, got {placement!r}")
    return choice == "leased" or (choice == "auto" and settings.profile == "distributed")


@app.callback()
def worker(
    agents: str | None = typer.Option(
        None, "--agents", help="Comma-separated agent names, e.g. cpi,dsa (default: every registered agent)."
    ),
    grace: float = typer.Option(
        30.0, "--grace", min=0.0, help="Seconds a message in hand may take at shutdown."
    ),
    bus: bool = typer.Option(True, "--bus/--no-bus", help="Also deliver event bus events to targets."),
    scheduler: bool = typer.Option(True, "--scheduler/--no-scheduler", help="Also fire due schedules."),
    workflows: bool = typer.Option(
        True, "--workflows/--no-workflows", help="Also drive workflow executions (waits, retries, tokens)."
    ),
    metrics_port: int = typer.Option(
        0, "--metrics-port", min=0, max=65535, help="Serve Prometheus /metrics (queue depth) here; 0 = off."
    ),
    metrics_host: str = typer.Option("0.0.0.0", "--metrics-host", help="Address of the metrics port."),
    placement: str = typer.Option(
        "auto",
        "--placement",
        help="all: run every agent here; leased: each agent on one worker at a time "
        "(leases); auto: leased on the distributed profile, else all.",
    ),
    member: str | None = typer.Option(
        None, "--id", help="This worker's name for leases (default: host-pid)."
    ),
) -> None:
    """Run the chosen agents' actors until SIGTERM, then stop gracefully."""
    settings = get_settings()
    factories = agent_factories(settings)
    names = choose_agents(factories, agents)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger(__name__).info("worker starting agents: %s", ", ".join(names))
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        metrics = (metrics_host, metrics_port) if metrics_port else None
        leased = _leased(placement, settings)
        member_id = (member or f"{socket.gethostname()}-{os.getpid()}") if leased else None
        code = runner.run(
            _serve(settings, factories, names, grace, (bus, scheduler, workflows), metrics, member_id)
        )
    raise typer.Exit(code)
