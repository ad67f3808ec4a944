"""Per-actor metrics in Prometheus form, durable actor state, and visibility kept while working."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import generate_latest

from hexad import wiring
from hexad.errors import ActorError, ConflictError
from hexad.runtime.actors import Actor, ActorContext, ActorSystem
from hexad.runtime.actors.mailbox import MailboxBinding
from hexad.runtime.actors.metrics import REGISTRY
from hexad.runtime.actors.supervision import one_for_one
from hexad.runtime.clock import ManualClock
from tests.unit.runtime.actors.helpers import FAST, until


class MeteredKind(Actor):
    async def receive(self, message: Any, context: ActorContext) -> Any:
        if message == "fail":
            raise RuntimeError("failed on purpose")


def _sample(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or (line.startswith(name + "{") and 'actor="MeteredKind"' in line):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not exported")


async def test_handled_failures_restarts_and_timing_are_exported_per_actor_kind() -> None:
    before = generate_latest(REGISTRY).decode()
    handled_before = _sample(before, "hexad_actor_messages_total") if "MeteredKind" in before else 0.0
    async with ActorSystem(guardian_strategy=one_for_one(**FAST)) as system:
        ref = system.spawn(MeteredKind)
        for _ in range(5):
            ref.tell("ok")
        with pytest.raises(RuntimeError):
            await ref.ask("fail")
        await until(lambda: ref.status.value == "running")
        await ref.ask("ok")
    text = generate_latest(REGISTRY).decode()
    assert _sample(text, "hexad_actor_messages_total") - handled_before == 6
    assert _sample(text, "hexad_actor_failures_total") >= 1
    assert _sample(text, "hexad_actor_restarts_total") >= 1
    assert _sample(text, "hexad_actor_processing_seconds_count") >= 6
    assert 'hexad_actor_processing_seconds_bucket{actor="MeteredKind",le="+Inf"}' in text


class Tally(Actor):
    async def started(self, context: ActorContext) -> None:
        self.total = await context.state.load(0)

    async def receive(self, message: int, context: ActorContext) -> Any:
        self.total += message
        await context.state.save(self.total)
        return self.total


async def test_actor_state_survives_a_new_system_and_detects_a_concurrent_writer() -> None:
    async with wiring.actor_system() as system:
        ref = system.spawn(Tally, name="tally")
        assert await ref.ask(5) == 5
    async with wiring.actor_system() as system:
        ref = system.spawn(Tally, name="tally")
        assert await ref.ask(0) == 5
        assert system.tree()[0]["state_version"] == 2
        await wiring.state_store().put("actor:/tally", 100)  # another process wrote meanwhile
        with pytest.raises(ConflictError, match="'actor:/tally': expected version 2, found 3"):
            await ref.ask(1)


class Forgetful(Actor):
    async def receive(self, message: Any, context: ActorContext) -> Any:
        return await context.state.load()


async def test_state_without_a_store_is_a_clear_error() -> None:
    async with ActorSystem() as system:
        ref = system.spawn(Forgetful, name="tally")
        with pytest.raises(ActorError, match="/tally asked for durable state but the actor system has no"):
            await ref.ask(1)


async def test_a_long_message_keeps_its_visibility_while_the_actor_works() -> None:
    clock = ManualClock()
    queues = wiring.queue_service(clock=clock)
    await queues.ensure_queue("long", visibility_timeout=30)
    await queues.send("long", "work")
    release = asyncio.Event()

    class Slow(Actor):
        async def receive(self, message: Any, context: ActorContext) -> Any:
            await release.wait()

    system = ActorSystem(clock=clock)
    binding = MailboxBinding(system.spawn(Slow), queues, "long", wait_seconds=0)
    binding.start()
    await until(lambda: binding.in_hand is not None)
    for _ in range(9):  # 90 s in steps of 10 s: three times the visibility timeout
        clock.advance(10)
        await asyncio.sleep(0.01)
        assert (await queues.attributes("long")).visible == 0
    release.set()
    await until(lambda: binding.delivered == 1)
    await binding.stop()
    await system.shutdown()
