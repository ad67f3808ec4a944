"""NATS JetStream for tests: a unique stream per test, deleted afterwards, backends closed."""

from __future__ import annotations

import pytest

from hexad.adapters.nats.bus import NatsBusStore
from hexad.adapters.nats.log import delete_stream
from hexad.adapters.nats.loop import call_sync
from hexad.adapters.nats.queue import NatsQueueBackend
from tests.support.services import require_service, unique_name

NATS_URL = "nats://127.0.0.1:4222"


class NatsQueues:
    """Makes `NatsQueueBackend`s on one test's stream; `close()` closes them and deletes the stream."""

    def __init__(self) -> None:
        require_service("nats")
        self.stream = unique_name("HEXAD_TEST").upper()
        self._made: list[NatsQueueBackend] = []

    def make(self) -> NatsQueueBackend:
        backend = NatsQueueBackend(NATS_URL, stream=self.stream)
        self._made.append(backend)
        return backend

    def close(self) -> None:
        for backend in self._made:
            backend.close_sync()
        call_sync(delete_stream(NATS_URL, self.stream), 30)


def nats_queues(request: pytest.FixtureRequest) -> NatsQueues:
    """A `NatsQueues` cleaned up when the test ends."""
    queues = NatsQueues()
    request.addfinalizer(queues.close)
    return queues


class NatsBuses:
    """Makes `NatsBusStore`s on one test's stream; `close()` closes them and deletes the stream."""

    def __init__(self) -> None:
        require_service("nats")
        self.stream = unique_name("HEXAD_TEST_BUS").upper()
        self._made: list[NatsBusStore] = []

    def make(self, *, now: float = 0.0, compact_after: int = 1000) -> NatsBusStore:
        store = NatsBusStore(NATS_URL, stream=self.stream, now=now, compact_after=compact_after)
        self._made.append(store)
        return store

    def close(self) -> None:
        for store in self._made:
            store.close_sync()
        call_sync(delete_stream(NATS_URL, self.stream), 30)


def nats_buses(request: pytest.FixtureRequest) -> NatsBuses:
    """A `NatsBuses` cleaned up when the test ends."""
    buses = NatsBuses()
    request.addfinalizer(buses.close)
    return buses
