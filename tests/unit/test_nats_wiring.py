"""The distributed profile puts queues and the event bus on NATS and leases in NATS KV only when
HEXAD_NATS_URL is set."""

from __future__ import annotations

from pathlib import Path

from hexad import wiring
from hexad.adapters.nats.bus import NatsBusStore
from hexad.adapters.nats.leases import NatsKvLeases
from hexad.adapters.nats.queue import NatsQueueBackend
from hexad.config import Settings
from hexad.runtime.actors.leases import StateStoreLeases


def test_an_explicit_nats_url_puts_queues_the_bus_and_leases_on_nats(tmp_path: Path) -> None:
    settings = Settings(profile="distributed", home=tmp_path, nats_url="nats://127.0.0.1:4222")
    backend = wiring.nats_queue_backend(settings)
    assert isinstance(backend, NatsQueueBackend)
    assert wiring.queue_service(settings)._backend is backend  # one backend per URL in a process
    assert isinstance(wiring.lease_store(settings), NatsKvLeases)
    store = wiring.nats_bus_store(settings)
    assert isinstance(store, NatsBusStore) and store.stream == "HEXAD_BUS"
    bus = wiring.event_bus(settings)
    assert bus.store is store and wiring.event_bus(settings) is bus  # one bus per store in a process


def test_without_a_nats_url_queues_and_leases_stay_in_the_database(tmp_path: Path) -> None:
    for settings in (
        Settings(profile="distributed", home=tmp_path),
        Settings(profile="embedded", home=tmp_path, nats_url="nats://127.0.0.1:4222"),
    ):
        assert wiring.nats_queue_backend(settings) is None
        assert wiring.nats_bus_store(settings) is None
        assert not isinstance(wiring.queue_service(settings)._backend, NatsQueueBackend)
        assert not isinstance(wiring.event_bus(settings).store, NatsBusStore)
        assert isinstance(wiring.lease_store(settings), StateStoreLeases)
