"""Test actors and a polling helper shared by the actor tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ClassVar

from hexad.runtime.actors import Actor, ActorContext, SupervisorStrategy, one_for_one

FAST = {"min_backoff": 0.0, "max_backoff": 0.0, "jitter": 0.0}


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `predicate()` holds; fail the test with a clear message otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.002)


class BoomError(Exception):
    """A failure the test actors raise on purpose."""


class Counter(Actor):
    """Counts messages; 'boom' raises, 'count' answers the count, anything else is recorded."""

    journal: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.count = 0
        self.seen: list[Any] = []

    async def started(self, context: ActorContext) -> None:
        self.journal.append(f"started {context.name}")

    async def receive(self, message: Any, context: ActorContext) -> Any:
        if message == "boom":
            raise BoomError(f"boom in {context.name}")
        if message == "count":
            return self.count
        if message == "seen":
            return list(self.seen)
        self.count += 1
        self.seen.append(message)
        return None

    async def restarting(self, error: BaseException, context: ActorContext) -> None:
        self.journal.append(f"restarting {context.name}")

    async def stopping(self, context: ActorContext) -> None:
        self.journal.append(f"stopping {context.name}")


def supervisor(strategy: SupervisorStrategy | None = None, children: int = 3) -> type[Actor]:
    """An actor class that spawns `children` Counters named c0.. in `started`, under `strategy`."""

    class Supervisor(Actor):
        supervisor_strategy = strategy or one_for_one(**FAST)

        async def started(self, context: ActorContext) -> None:
            for index in range(children):
                context.spawn(Counter, name=f"c{index}")

        async def receive(self, message: Any, context: ActorContext) -> Any:
            if message == "boom":
                raise BoomError("supervisor failed")
            target, payload = message
            return await context.child(target).ask(payload)  # type: ignore[union-attr]

    return Supervisor
