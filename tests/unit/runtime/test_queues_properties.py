"""Property-based: random sequences of sends, receives, deletes, releases and clock moves on a FIFO
and a standard queue agree with a small model of SQS semantics.

After every step the counts agree with the model, and every receive returns as many messages as are
available up to the requested number; on a FIFO queue, per group, a prefix of that group's undeleted
messages, only from groups with nothing in flight; on a standard queue, only visible messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.ports.queue import QueueAttributes
from hexad.runtime.clock import ManualClock
from hexad.runtime.queues import QueueService

T = TypeVar("T")
GROUPS = ("a", "b", "c")


@dataclass
class Modelled:
    """What the model knows of one message."""

    message_id: str
    group: str
    visible_at: float
    receive_count: int = 0
    handle: str | None = None
    deleted: bool = False


class FifoQueueMachine(RuleBasedStateMachine):
    fifo = True

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock()
        self.service = QueueService(SqliteQueueBackend(SqliteDatabase(":memory:")), self.clock)
        self.run(
            self.service.ensure_queue("q", fifo=self.fifo, visibility_timeout=10, max_receive_count=1000)
        )
        self.messages: list[Modelled] = []
        self.handles: list[str] = []  # every handle ever issued, current or stale
        self.sent = 0

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.loop.close()

    def live(self, group: str | None = None) -> list[Modelled]:
        return [m for m in self.messages if not m.deleted and group in (None, m.group)]

    def available(self) -> dict[str, list[str]]:
        """Per group: its visible messages in order up to the first hidden one (FIFO), or all (standard)."""
        now = self.clock.time()
        found: dict[str, list[str]] = {}
        for group in GROUPS:
            prefix = []
            for message in self.live(group):
                if message.visible_at > now and self.fifo:
                    break
                if message.visible_at > now:
                    continue
                prefix.append(message.message_id)
            if prefix:
                found[group] = prefix
        return found

    @rule(group=st.sampled_from(GROUPS), delay=st.sampled_from([0.0, 0.0, 5.0]))
    def send(self, group: str, delay: float) -> None:
        self.sent += 1
        message_id = self.run(
            self.service.send(
                "q", f"body {self.sent}", group_id=group, deduplication_id=str(self.sent), delay_seconds=delay
            )
        )
        self.messages.append(Modelled(message_id, group, self.clock.time() + delay))

    @rule(count=st.integers(1, 10), visibility=st.sampled_from([1.0, 5.0, 10.0, 30.0]))
    def receive(self, count: int, visibility: float) -> None:
        available = self.available()
        received = self.run(self.service.receive("q", max_messages=count, visibility_timeout=visibility))
        assert len(received) == min(count, sum(map(len, available.values())))
        by_id = {m.message_id: m for m in self.messages}
        for group in GROUPS:
            ids = [m.message_id for m in received if m.group_id == group]
            if self.fifo:
                assert ids == available.get(group, [])[: len(ids)], f"group {group} out of order"
            else:
                assert set(ids) <= set(available.get(group, [])), "a hidden message was received"
        for message in received:
            modelled = by_id[message.message_id]
            modelled.receive_count += 1
            assert message.receive_count == modelled.receive_count
            modelled.visible_at = self.clock.time() + visibility
            modelled.handle = message.receipt_handle
            self.handles.append(message.receipt_handle)

    @precondition(lambda self: self.handles)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        handle = data.draw(st.sampled_from(self.handles))
        self.run(self.service.delete("q", handle))
        for message in self.messages:
            if message.handle == handle:
                message.deleted = True

    @precondition(lambda self: any(m.handle and not m.deleted for m in self.messages))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        held = [m for m in self.messages if m.handle and not m.deleted]
        message = data.draw(st.sampled_from(held))
        assert message.handle is not None
        self.run(self.service.change_visibility("q", message.handle, 0))
        message.visible_at = self.clock.time()

    @rule(seconds=st.sampled_from([0.5, 1.0, 5.0, 10.0, 30.0]))
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @invariant()
    def counts_agree(self) -> None:
        now = self.clock.time()
        live = self.live()
        expected = QueueAttributes(
            visible=sum(m.visible_at <= now for m in live),
            in_flight=sum(m.visible_at > now and m.receive_count > 0 for m in live),
            delayed=sum(m.visible_at > now and m.receive_count == 0 for m in live),
        )
        assert self.run(self.service.attributes("q")) == expected


FifoQueueMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestFifoQueue = FifoQueueMachine.TestCase


class StandardQueueMachine(FifoQueueMachine):
    """The same operations on a standard queue: any visible message may come, none hidden."""

    fifo = False


StandardQueueMachine.TestCase.settings = FifoQueueMachine.TestCase.settings
TestStandardQueue = StandardQueueMachine.TestCase
