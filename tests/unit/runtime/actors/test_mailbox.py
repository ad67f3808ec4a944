"""Durable mailboxes: delete after success, redelivery to the restarted actor, DLQ, spans, stop."""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from hexad import wiring
from hexad.runtime.actors import Actor, ActorContext, ActorSystem
from hexad.runtime.actors.mailbox import Delivery, MailboxBinding
from hexad.runtime.actors.supervision import one_for_one
from hexad.runtime.queues import QueueService
from tests.unit.runtime.actors.helpers import FAST, until


class Recorder(Actor):
    """Records bodies; a body starting with 'fail' raises, 'fail-once' only on its first delivery."""

    handled: ClassVar[list[tuple[int, str, int]]] = []
    instances: ClassVar[int] = 0

    def __init__(self) -> None:
        Recorder.instances += 1
        self.instance = Recorder.instances

    async def receive(self, message: Delivery, context: ActorContext) -> Any:
        body = message.body
        if body == "poison" or (body == "fail-once" and message.receive_count == 1):
            raise ValueError(f"cannot handle {body}")
        if body == "slow":
            await asyncio.sleep(0.1)
        self.handled.append((self.instance, body, message.receive_count))
        return None


@pytest.fixture(autouse=True)
def _reset() -> None:
    Recorder.handled = []
    Recorder.instances = 0


@pytest.fixture
async def queues() -> QueueService:
    service = wiring.queue_service()
    await service.ensure_queue("jobs", dead_letter_queue="jobs-dlq", max_receive_count=3)
    return service


async def _bound(queues: QueueService, **options: Any) -> tuple[ActorSystem, MailboxBinding]:
    system = ActorSystem(guardian_strategy=one_for_one(**FAST))
    ref = system.spawn(Recorder, name="recorder")
    binding = MailboxBinding(ref, queues, "jobs", wait_seconds=0.05, retry_delay=0, **options)
    binding.start()
    return system, binding


async def _empty(queues: QueueService, queue: str = "jobs") -> bool:
    counts = await queues.attributes(queue)
    return counts.visible == counts.in_flight == counts.delayed == 0


async def test_messages_are_handled_in_order_and_deleted(queues: QueueService) -> None:
    for number in range(25):
        await queues.send("jobs", f"m{number}")
    system, binding = await _bound(queues)
    await until(lambda: len(Recorder.handled) == 25)
    await binding.stop()
    assert [body for _, body, _ in Recorder.handled] == [f"m{n}" for n in range(25)]
    assert await _empty(queues)
    await system.shutdown()


async def test_a_crash_redelivers_the_message_to_the_restarted_actor(queues: QueueService) -> None:
    await queues.send("jobs", "fail-once")
    system, binding = await _bound(queues)
    await until(lambda: len(Recorder.handled) == 1)
    [(instance, body, count)] = Recorder.handled
    assert (body, count) == ("fail-once", 2)
    assert instance == 2, "the redelivery must reach the fresh instance"
    await until(lambda: binding.delivered == 1)
    assert await _empty(queues)
    [node] = system.tree()
    assert node["restarts"] == 1 and "cannot handle fail-once" in node["last_error"]
    await binding.stop()
    await system.shutdown()


async def test_a_poison_message_goes_to_the_dead_letter_queue_after_three_deliveries(
    queues: QueueService,
) -> None:
    await queues.send("jobs", "poison")
    await queues.send("jobs", "fine")
    system, binding = await _bound(queues)
    await until(lambda: binding.failed == 3 and len(Recorder.handled) == 1)
    await until(lambda: binding.delivered == 1)
    [dead] = await queues.peek("jobs-dlq")
    assert dead.body == "poison"
    assert dead.last_error is not None
    assert "ValueError: cannot handle poison" in dead.last_error and "Traceback" in dead.last_error
    assert await _empty(queues)
    await binding.stop()
    await system.shutdown()


async def test_stop_finishes_the_message_in_hand_and_leaves_the_rest(queues: QueueService) -> None:
    for body in ["slow", "next", "later"]:
        await queues.send("jobs", body)
    system, binding = await _bound(queues)
    await until(lambda: binding.in_hand is not None)
    await binding.stop(grace=5)
    assert [body for _, body, _ in Recorder.handled] == ["slow"]
    counts = await queues.attributes("jobs")
    assert counts.visible == 2 and counts.in_flight == 0
    await system.shutdown()


async def test_each_message_gets_a_span_joined_to_the_event_traceparent(queues: QueueService) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    envelope = {"version": "0", "id": "e1", "detail": {}, "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
    await queues.send("jobs", json.dumps(envelope))
    await queues.send("jobs", "poison")
    system, binding = await _bound(queues, tracer=provider.get_tracer("test"))
    await until(lambda: binding.delivered == 1 and binding.failed >= 1)
    await binding.stop()
    spans = exporter.get_finished_spans()
    first = spans[0]
    assert first.name == "jobs process"
    assert f"{first.context.trace_id:032x}" == trace_id
    assert first.parent is not None and f"{first.parent.span_id:016x}" == "00f067aa0ba902b7"
    assert first.attributes is not None and first.attributes["hexad.actor.path"] == "/recorder"
    assert any(span.status.status_code.name == "ERROR" for span in spans[1:])
    await system.shutdown()
