"""`hexad scheduler`: fire due schedules; of several scheduler processes one leads, the others wait.

Leadership is a lease (`scheduler` in `wiring.lease_store`: NATS KV or the state store) renewed every
quarter of `--ttl`; when the leader dies, a standby takes over within `--ttl` seconds. Each schedule
fires once per nominal time even without the lease (the schedule store's compare-and-set decides),
so the lease only keeps the standbys idle, and a leader that loses it stops firing before it expires.

While its event loop runs, the process touches `HEXAD_HOME/run/scheduler.alive` every
`HEARTBEAT_SECONDS`: a liveness probe that finds the file stale knows the loop has stopped turning
(leader or standby alike), which a process that is merely present cannot show.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from pathlib import Path

import typer

from hexad import wiring
from hexad.config import get_settings
from hexad.runtime.actors.ownership import LeaderElection
from hexad.runtime.actors.worker import event_loop_factory
from hexad.runtime.clock import SystemClock

__all__ = ["HEARTBEAT_FILE", "HEARTBEAT_SECONDS", "app", "heartbeat"]

HEARTBEAT_FILE = "run/scheduler.alive"  # under HEXAD_HOME
HEARTBEAT_SECONDS = 10.0

app = typer.Typer(
    help="Fire due schedules (one leader among scheduler processes).", invoke_without_command=True
)
_log = logging.getLogger(__name__)


async def heartbeat(path: Path, stop: asyncio.Event, every: float = HEARTBEAT_SECONDS) -> None:
    """Touch `path` every `every` seconds until `stop`, then remove it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        while not stop.is_set():
            path.touch()
            try:
                await asyncio.wait_for(stop.wait(), every)
            except TimeoutError:
                continue
    finally:
        path.unlink(missing_ok=True)


async def _serve(ttl: float, member: str) -> None:
    settings = get_settings()
    wiring.adopt_event_loop(settings)
    clock = SystemClock()
    service = wiring.scheduler(settings, sink=wiring.bus_firing_sink(settings), clock=clock)
    leases = wiring.lease_store(settings, clock=clock)
    election = LeaderElection(leases, clock, name="scheduler", member=member, ttl=ttl)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)

    async def lead(resign: asyncio.Event) -> None:
        _log.info(
            "scheduler %s leads (lease token %s)", member, election.lease.token if election.lease else "?"
        )
        await service.run(resign)
        _log.info("scheduler %s stepped down", member)

    _log.info("scheduler %s standing by for the lease", member)
    alive = asyncio.create_task(heartbeat(settings.home / HEARTBEAT_FILE, stop))
    try:
        await election.run(stop, lead)
    finally:
        stop.set()
        await alive


@app.callback()
def scheduler(
    ttl: float = typer.Option(10.0, "--ttl", min=1.0, help="Lease time to live: the longest takeover."),
    member: str | None = typer.Option(None, "--id", help="This process's name (default: host-pid)."),
) -> None:
    """Run the scheduler until SIGTERM, firing only while this process holds the leader lease."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    name = member or f"{socket.gethostname()}-{os.getpid()}"
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(_serve(ttl, name))
