"""Queue sends of one dispatch round are stored together, in order, and one bad message fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from hexad.errors import QueueLimitError
from hexad.ports.queue import OutgoingMessage
from hexad.runtime.bus.batching import SendBatcher


class RecordingQueues:
    """Records each batch; refuses any batch holding a body of 'bad'."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[str]]] = []

    async def send_batch(self, queue: str, messages: Sequence[OutgoingMessage]) -> list[str]:
        bodies = [message.body for message in messages]
        if "bad" in bodies:
            raise QueueLimitError(f"queue {queue!r}: a message is refused")
        self.batches.append((queue, bodies))
        return [f"id-{body}" for body in bodies]


async def test_concurrent_sends_to_one_queue_share_a_batch_in_order() -> None:
    queues = RecordingQueues()
    batcher = SendBatcher(queues)
    ids = await asyncio.gather(*(batcher.send("q", OutgoingMessage(str(n))) for n in range(12)))
    assert ids == [f"id-{n}" for n in range(12)]
    assert queues.batches == [("q", [str(n) for n in range(10)]), ("q", ["10", "11"])]


async def test_sends_to_different_queues_are_separate_batches() -> None:
    queues = RecordingQueues()
    batcher = SendBatcher(queues)
    await asyncio.gather(batcher.send("a", OutgoingMessage("1")), batcher.send("b", OutgoingMessage("2")))
    assert sorted(queues.batches) == [("a", ["1"]), ("b", ["2"])]


async def test_a_refused_message_fails_only_its_own_send() -> None:
    queues = RecordingQueues()
    batcher = SendBatcher(queues)
    outcomes = await asyncio.gather(
        batcher.send("q", OutgoingMessage("1")),
        batcher.send("q", OutgoingMessage("bad")),
        batcher.send("q", OutgoingMessage("3")),
        return_exceptions=True,
    )
    assert outcomes[0] == "id-1" and outcomes[2] == "id-3"
    assert isinstance(outcomes[1], QueueLimitError)
    with pytest.raises(QueueLimitError):
        await batcher.send("q", OutgoingMessage("bad"))
