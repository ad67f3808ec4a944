"""The demo's runtime part: agents as supervised actors fed by the event bus, run until quiet.

`prepare_runtime` installs the agents' rules before the import, so the importer's `data.imported`
events reach the agents' mailboxes. `run_agents_until_idle` then runs a worker in this process (the
same one `hexad worker` runs: agent actors on durable FIFO mailboxes plus the bus delivery loop) and
stops it once nothing is left to do: no pending bus delivery and every mailbox empty for a moment.
Cross-agent events (a margin drop asking RAM to re-plan, an opportunity asking SLI for a licence
check, a renewal asking DSA for a spend analysis) flow through the same bus while it runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hexad import wiring
from hexad.agents.registry import AGENTS, agent_actor_factories
from hexad.agents.rules import install_rules
from hexad.config import Settings
from hexad.domain.database import upgrade
from hexad.runtime.actors.worker import ensure_agent_mailbox
from hexad.runtime.bus import EventBus
from hexad.runtime.queues import QueueService

__all__ = ["RuntimeReport", "prepare_runtime", "run_agents_until_idle"]

_QUIET_CHECKS = 4
_CHECK_SECONDS = 0.5


@dataclass
class RuntimeReport:
    """What the worker did: messages handled per agent, events on the bus, restarts, time taken."""

    handled: dict[str, int] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    events: int = 0
    restarts: int = 0
    seconds: float = 0.0
    timed_out: bool = False


async def prepare_runtime(settings: Settings) -> EventBus:
    """Migrate the domain database and install the agents' rules on the default bus."""
    upgrade(settings)
    bus = wiring.event_bus(settings)
    await install_rules(bus)
    queues = wiring.queue_service(settings)
    for name in AGENTS:
        await ensure_agent_mailbox(queues, name)
    return bus


async def run_agents_until_idle(
    settings: Settings,
    *,
    timeout_seconds: float = 900.0,
    on_tick: Callable[[dict[str, int]], None] | None = None,
) -> RuntimeReport:
    """Run every agent's actor until the bus and all mailboxes are quiet (or the timeout passes)."""
    started = time.perf_counter()
    bus = wiring.event_bus(settings)
    worker = wiring.worker(settings, shutdown_grace=120.0)
    factories = agent_actor_factories(settings=settings, publish=bus.put_events)
    mailboxes = {name: await ensure_agent_mailbox(worker.queues, name) for name in sorted(factories)}
    for name, queue in mailboxes.items():
        # A failing message is retried after 2 s, not the 300 s visibility timeout, so a data
        # problem reaches the dead-letter queue while the demo still waits for it.
        worker.bind(factories[name], queue, name=name, retry_delay=2.0)
    worker.add_service("event bus", bus.run)
    from hexad.notifications.assembly import worker_service  # agent events to the findings topic

    worker.add_service("notifications", worker_service(settings))
    events_before = bus.stats().counters.get("events", 0)
    running = asyncio.create_task(worker.run(handle_signals=False))
    timed_out = await _wait_until_quiet(bus, worker.queues, mailboxes, timeout_seconds, on_tick)
    tree = worker.system.tree()
    worker.request_stop()
    await running
    report = RuntimeReport(seconds=round(time.perf_counter() - started, 1), timed_out=timed_out)
    report.events = bus.stats().counters.get("events", 0) - events_before
    for node in tree:
        report.restarts += int(node.get("restarts", 0))
        name = str(node.get("name", ""))
        if name in mailboxes:
            report.handled[name] = int(node.get("handled", 0))
    for name, queue in mailboxes.items():
        report.dead_letters[name] = (await worker.queues.attributes(f"{queue}-dlq")).visible
    return report


async def _wait_until_quiet(
    bus: EventBus,
    queues: QueueService,
    mailboxes: dict[str, str],
    timeout_seconds: float,
    on_tick: Callable[[dict[str, int]], None] | None,
) -> bool:
    """True if the timeout passed first."""
    deadline = time.perf_counter() + timeout_seconds
    quiet = 0
    while quiet < _QUIET_CHECKS:
        if time.perf_counter() > deadline:
            return True
        await asyncio.sleep(_CHECK_SECONDS)
        waiting = {}
        for name, queue in mailboxes.items():
            counts = await queues.attributes(queue)
            waiting[name] = counts.visible + counts.in_flight + counts.delayed
        pending = bus.stats().pending
        if on_tick is not None:
            on_tick(waiting)
        quiet = quiet + 1 if pending == 0 and not any(waiting.values()) else 0
    return False
