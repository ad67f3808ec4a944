"""Keyed actors: one activation per key, order per key under concurrency, passivation with state."""

from __future__ import annotations

import asyncio
import random
from typing import Any, ClassVar

import pytest

from hexad import wiring
from hexad.runtime.actors import ActorContext, ActorSystem
from hexad.runtime.actors.keyed import KeyedActor, KeyedBinding
from hexad.runtime.actors.mailbox import Delivery
from hexad.runtime.actors.supervision import one_for_one
from hexad.runtime.queues import QueueService
from tests.unit.runtime.actors.helpers import FAST, until


class Tally(KeyedActor):
    """Appends each body to its key's state; tracks how many keys run at once."""

    log: ClassVar[list[tuple[str, str]]] = []
    activations: ClassVar[list[str]] = []
    running: ClassVar[int] = 0
    peak: ClassVar[int] = 0

    def initial_state(self) -> Any:
        return {"seen": []}

    async def activated(self, context: ActorContext) -> None:
        Tally.activations.append(self.key)

    async def handle(self, message: Delivery, context: ActorContext) -> Any:
        Tally.running += 1
        Tally.peak = max(Tally.peak, Tally.running)
        try:
            await asyncio.sleep(random.uniform(0, 0.004))
            if message.body == "explode" and message.receive_count == 1:
                raise RuntimeError("explode")
            self.state["seen"].append(message.body)
            Tally.log.append((self.key, message.body))
        finally:
            Tally.running -= 1


@pytest.fixture(autouse=True)
def _reset() -> None:
    Tally.log, Tally.activations, Tally.running, Tally.peak = [], [], 0, 0


@pytest.fixture
async def queues() -> QueueService:
    service = wiring.queue_service()
    await service.ensure_queue(
        "clients", fifo=True, dead_letter_queue="clients-dlq", content_based_deduplication=False
    )
    return service


async def _send(queues: QueueService, key: str, body: str, index: int) -> None:
    await queues.send("clients", body, group_id=key, deduplication_id=f"{key}-{index}-{body}")


def _system() -> ActorSystem:
    return ActorSystem(state_store=wiring.state_store(), guardian_strategy=one_for_one(**FAST))


async def test_each_key_is_handled_in_order_and_keys_run_in_parallel_up_to_the_limit(
    queues: QueueService,
) -> None:
    keys = [f"client {n}/x" for n in range(6)]
    for index in range(15):
        for key in keys:
            await _send(queues, key, f"{index}", index)
    system = _system()
    binding = KeyedBinding(system, queues, "clients", Tally, concurrency=3, wait_seconds=0.02, retry_delay=0)
    binding.start()
    await until(lambda: len(Tally.log) == 90, timeout=20)
    for key in keys:
        assert [body for k, body in Tally.log if k == key] == [str(n) for n in range(15)]
    assert 1 < Tally.peak <= 3
    assert sorted(set(Tally.activations)) == sorted(keys) and len(Tally.activations) == 6
    await binding.stop()
    await system.shutdown()


async def test_idle_keys_are_passivated_with_their_state_and_reactivated(queues: QueueService) -> None:
    system = _system()
    binding = KeyedBinding(system, queues, "clients", Tally, idle_seconds=0.05, wait_seconds=0.02)
    binding.start()
    await _send(queues, "acme", "a", 0)
    await until(lambda: binding.delivered == 1)
    await until(lambda: binding.activations == [] and system.lookup("/clients/acme") is None)
    stored, version = await wiring.state_store().get("actor:/clients/acme")
    assert stored == {"seen": ["a"]} and version == 1
    await _send(queues, "acme", "b", 1)
    await until(lambda: binding.delivered == 2)
    assert Tally.activations == ["acme", "acme"]
    await binding.stop()
    assert (await wiring.state_store().get("actor:/clients/acme"))[0] == {"seen": ["a", "b"]}
    await system.shutdown()


async def test_a_failing_activation_restarts_from_saved_state_and_gets_the_message_again(
    queues: QueueService,
) -> None:
    system = _system()
    binding = KeyedBinding(system, queues, "clients", Tally, wait_seconds=0.02, retry_delay=0)
    binding.start()
    for index, body in enumerate(["one", "explode", "two"]):
        await _send(queues, "k", body, index)
    await until(lambda: binding.delivered == 3)
    assert [body for _, body in Tally.log] == ["one", "explode", "two"]
    await binding.stop()
    assert (await wiring.state_store().get("actor:/clients/k"))[0] == {"seen": ["explode", "two"]}
    await system.shutdown()
