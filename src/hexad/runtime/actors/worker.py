"""A worker: one process running an actor system whose actors are bound to durable queues.

`run` starts the control socket, every binding and every service (e.g. the event bus delivery loop
that fills the agents' mailboxes), then waits for SIGTERM or SIGINT (or
`request_stop`). Shutdown is graceful and bounded: the bindings stop taking messages, each message in
hand may finish within `shutdown_grace` seconds (after that it is interrupted and, never having been
deleted, is redelivered later), then every actor stops, which runs its `stopping` hook (keyed actors
save their state there), and `run` returns 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hexad.runtime.actors.actor import Actor
from hexad.runtime.actors.control import ControlServer
from hexad.runtime.actors.keyed import KeyedActor, KeyedBinding
from hexad.runtime.actors.mailbox import MailboxBinding
from hexad.runtime.actors.system import ActorSystem
from hexad.runtime.queues import QueueService

__all__ = ["AGENT_MAX_RECEIVE_COUNT", "Worker", "agent_mailbox", "ensure_agent_mailbox", "event_loop_factory"]

_log = logging.getLogger(__name__)
AGENT_MAX_RECEIVE_COUNT = 3


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when it is installed (it roughly doubles actor message rates), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def agent_mailbox(agent: str) -> str:
    """The durable FIFO mailbox queue of an agent (the bus delivers its events there)."""
    return f"mailbox-{agent}"


async def ensure_agent_mailbox(queues: QueueService, agent: str) -> str:
    """Create the agent's FIFO mailbox and its dead-letter queue if missing; returns the queue name."""
    name = agent_mailbox(agent)
    await queues.ensure_queue(
        name, fifo=True, dead_letter_queue=f"{name}-dlq", max_receive_count=AGENT_MAX_RECEIVE_COUNT
    )
    return name


class Worker:
    """An actor system plus its queue bindings, run until a signal asks it to stop."""

    def __init__(
        self,
        system: ActorSystem,
        queues: QueueService,
        *,
        control_directory: Path | None = None,
        shutdown_grace: float = 30.0,
    ) -> None:
        self.system = system
        self.queues = queues
        self.shutdown_grace = shutdown_grace
        self.bindings: list[MailboxBinding | KeyedBinding] = []
        self.services: dict[str, Callable[[asyncio.Event], Awaitable[None]]] = {}
        self._control = (
            None if control_directory is None else ControlServer(system, control_directory, queues)
        )
        self._stop = asyncio.Event()

    def bind(
        self, factory: Callable[[], Actor], queue: str, *, name: str | None = None, **options: Any
    ) -> MailboxBinding:
        """Spawn a top-level actor and feed it `queue` (options go to `MailboxBinding`)."""
        ref = self.system.spawn(factory, name=name or queue)
        binding = MailboxBinding(ref, self.queues, queue, **options)
        self.bindings.append(binding)
        return binding

    def bind_keyed(self, factory: type[KeyedActor], queue: str, **options: Any) -> KeyedBinding:
        """Feed a FIFO `queue` into keyed actors, one per group id (options go to `KeyedBinding`)."""
        binding = KeyedBinding(self.system, self.queues, queue, factory, **options)
        self.bindings.append(binding)
        return binding

    def add_service(self, name: str, run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        """Run `run(stop)` beside the actors (the event bus delivery loop, the scheduler); `stop` is set
        at shutdown and the service gets `shutdown_grace` seconds to return."""
        self.services[name] = run

    def request_stop(self) -> None:
        """Begin a graceful shutdown (what SIGTERM does)."""
        self._stop.set()

    async def run(self, *, handle_signals: bool = True) -> int:
        """Serve until asked to stop; returns the process exit code (0 after a graceful stop)."""
        installed = self._install_signals() if handle_signals else []
        try:
            if self._control is not None:
                await self._control.start()
            for binding in self.bindings:
                binding.start()
            services_stop = asyncio.Event()
            services = self._start_services(services_stop)
            _log.info("worker: %d binding(s), services: %s", len(self.bindings), ", ".join(self.services))
            await self._stop.wait()
            services_stop.set()
            await self._shutdown(services)
        finally:
            loop = asyncio.get_running_loop()
            for signum in installed:
                loop.remove_signal_handler(signum)
            if self._control is not None:
                await self._control.close()
        return 0

    def _start_services(self, stop: asyncio.Event) -> list[asyncio.Future[None]]:
        return [asyncio.ensure_future(_logged(name, run(stop))) for name, run in self.services.items()]

    async def _shutdown(self, services: list[asyncio.Future[None]]) -> None:
        _log.info("worker stopping: finishing messages in hand (up to %g s)", self.shutdown_grace)
        await asyncio.gather(*(binding.stop(self.shutdown_grace) for binding in self.bindings))
        if services:
            _, late = await asyncio.wait(services, timeout=self.shutdown_grace)
            for service in late:
                service.cancel()
            await asyncio.gather(*services, return_exceptions=True)
        await self.system.shutdown(self.shutdown_grace)
        _log.info("worker stopped")

    def _install_signals(self) -> list[int]:
        loop = asyncio.get_running_loop()
        installed: list[int] = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, self.request_stop)
                installed.append(signum)
        return installed


async def _logged(name: str, service: Awaitable[None]) -> None:
    try:
        await service
    except asyncio.CancelledError:
        raise
    except Exception:
        _log.exception("worker service %s failed", name)
