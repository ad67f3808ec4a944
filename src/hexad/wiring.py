"""The composition root: builds the backends a profile needs, once, at start-up.

Only this module and `hexad.adapters` know which engine backs which port; everything else receives a
port. Each function reads the settings and returns a ready service.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine

from hexad.adapters.nats.bus import NatsBusStore
from hexad.adapters.nats.leases import NatsKvLeases
from hexad.adapters.nats.loop import adopt_running_loop
from hexad.adapters.nats.queue import NatsQueueBackend
from hexad.adapters.postgres.bus import PostgresBusStore
from hexad.adapters.postgres.database import PostgresDatabase, is_postgres_url
from hexad.adapters.postgres.queue import PostgresQueueBackend
from hexad.adapters.postgres.schedules import PostgresScheduleStore
from hexad.adapters.postgres.state import PostgresStateStore
from hexad.adapters.postgres.workflows import PostgresWorkflowStore
from hexad.adapters.sqlite.bus import SqliteBusStore
from hexad.adapters.sqlite.database import SqliteDatabase, open_database
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.adapters.sqlite.schedules import SqliteScheduleStore
from hexad.adapters.sqlite.state import SqliteStateStore
from hexad.adapters.sqlite.workflows import SqliteWorkflowStore
from hexad.config import Settings, get_settings
from hexad.domain.database import engine_for
from hexad.lake.objects import ObjectStore, open_object_store
from hexad.ports.bus import BusStore
from hexad.ports.queue import QueueBackend
from hexad.ports.state import StateStore
from hexad.runtime.actors.control import control_directory
from hexad.runtime.actors.leases import LeaseStore, StateStoreLeases
from hexad.runtime.actors.system import ActorSystem
from hexad.runtime.actors.worker import Worker
from hexad.runtime.bus import BusFiringSink, EventBus
from hexad.runtime.clock import Clock, SystemClock
from hexad.runtime.queues import QueueService
from hexad.runtime.schedules.service import FiringSink, SchedulerService
from hexad.runtime.workflows.resources import Activity, PutEvents, ResourceTable, SendMessage
from hexad.runtime.workflows.service import WorkflowService

__all__ = [
    "actor_system",
    "adopt_event_loop",
    "bus_firing_sink",
    "domain_engine",
    "event_bus",
    "lease_store",
    "nats_bus_store",
    "nats_queue_backend",
    "object_store",
    "postgres_database",
    "queue_service",
    "runtime_database",
    "scheduler",
    "state_store",
    "workflow_service",
]


def runtime_database(settings: Settings | None = None) -> SqliteDatabase:
    """The embedded runtime's shared SQLite file."""
    settings = settings or get_settings()
    return open_database(settings.runtime_database_path)


_postgres_databases: dict[str, PostgresDatabase] = {}


def postgres_database(settings: Settings | None = None) -> PostgresDatabase | None:
    """The process's pool on PostgreSQL when the profile is distributed and `database_url` is one.

    The bus, queues, schedules, state store and workflows then live there instead of in the runtime file.
    """
    settings = settings or get_settings()
    url = settings.database_url
    if settings.profile != "distributed" or url is None or not is_postgres_url(url):
        return None
    database = _postgres_databases.get(url)
    if database is None:
        made = PostgresDatabase(url)
        database = _postgres_databases.setdefault(url, made)
        if database is not made:  # another thread opened one first
            made.close()
    return database


def scheduler(
    settings: Settings | None = None, *, sink: FiringSink | None = None, clock: Clock | None = None
) -> SchedulerService:
    """The scheduler service on PostgreSQL (distributed profile) or the runtime file; pass `sink` to run
    it, omit it to manage schedules."""
    postgres = postgres_database(settings)
    store = PostgresScheduleStore(postgres) if postgres else SqliteScheduleStore(runtime_database(settings))
    return SchedulerService(store, clock or SystemClock(), sink)


_queue_backends: dict[SqliteDatabase | PostgresDatabase, QueueBackend] = {}
_nats_queue_backends: dict[str, NatsQueueBackend] = {}


def nats_queue_backend(settings: Settings | None = None) -> NatsQueueBackend | None:
    """The process's queue backend on NATS JetStream when the profile is distributed and `HEXAD_NATS_URL`
    is set explicitly (the default URL alone keeps queues on the database)."""
    settings = settings or get_settings()
    if settings.profile != "distributed" or "nats_url" not in settings.model_fields_set:
        return None
    return _nats_queue_backends.setdefault(settings.nats_url, NatsQueueBackend(settings.nats_url))


def adopt_event_loop(settings: Settings | None = None) -> None:
    """In a process with one long-lived event loop (a worker, the scheduler), run the NATS client on it
    instead of on a thread of its own: no thread hop per queue operation. Call it from that loop."""
    if nats_queue_backend(settings) is not None:
        adopt_running_loop()


def queue_service(settings: Settings | None = None, *, clock: Clock | None = None) -> QueueService:
    """The queue service on NATS JetStream or PostgreSQL (distributed profile), or the runtime file.

    Every service on one store shares one backend, so a long poll wakes as soon as any of them sends.
    """
    nats = nats_queue_backend(settings)
    if nats is not None:
        return QueueService(nats, clock or SystemClock())
    database: SqliteDatabase | PostgresDatabase = postgres_database(settings) or runtime_database(settings)
    backend = _queue_backends.get(database)
    if backend is None:
        made: QueueBackend = (
            PostgresQueueBackend(database)
            if isinstance(database, PostgresDatabase)
            else SqliteQueueBackend(database)
        )
        backend = _queue_backends.setdefault(database, made)
    return QueueService(backend, clock or SystemClock())


def domain_engine(settings: Settings | None = None) -> Engine:
    """The SQLAlchemy engine on the domain database (`settings.effective_database_url`), one per URL."""
    return engine_for(settings)


def object_store(settings: Settings | None = None) -> ObjectStore:
    """The lake's object store: a local folder, or an S3-compatible bucket (`s3://bucket/prefix`)."""
    settings = settings or get_settings()
    return open_object_store(settings.effective_object_store_url, settings)


_event_buses: dict[SqliteDatabase | PostgresDatabase | NatsBusStore, EventBus] = {}
_nats_bus_stores: dict[str, NatsBusStore] = {}


def nats_bus_store(settings: Settings | None = None, *, now: float = 0.0) -> NatsBusStore | None:
    """The process's event bus store on NATS JetStream (stream `HEXAD_BUS`) when queues are on NATS
    (distributed profile, `HEXAD_NATS_URL` set explicitly); `now` dates the default bus if it is new."""
    settings = settings or get_settings()
    if nats_queue_backend(settings) is None:
        return None
    store = _nats_bus_stores.get(settings.nats_url)
    if store is None:
        store = _nats_bus_stores.setdefault(settings.nats_url, NatsBusStore(settings.nats_url, now=now))
    return store


def event_bus(settings: Settings | None = None, *, clock: Clock | None = None) -> EventBus:
    """The event bus on NATS JetStream or PostgreSQL (distributed profile), or the runtime file: queue
    and mailbox targets via `queue_service`, workflow targets start executions of `workflow_service`
    (a workflow runner drives them), scheduled rules live in `scheduler`.

    Without `clock` every caller in the process shares one bus per store, so callables registered
    by one component and puts made by another reach the same delivery loop at once.
    """
    used_clock = clock or SystemClock()
    nats = nats_bus_store(settings, now=used_clock.time())
    key: SqliteDatabase | PostgresDatabase | NatsBusStore = (
        nats or postgres_database(settings) or runtime_database(settings)
    )
    if clock is None and key in _event_buses:
        return _event_buses[key]
    store: BusStore
    if isinstance(key, NatsBusStore):
        store = key
    elif isinstance(key, PostgresDatabase):
        store = PostgresBusStore(key, now=used_clock.time())
    else:
        store = SqliteBusStore(key, now=used_clock.time())
    bus = EventBus(
        store,
        used_clock,
        queues=queue_service(settings, clock=used_clock),
        scheduler=scheduler(settings, clock=used_clock),
        workflows=workflow_service(settings, clock=used_clock).start,
    )
    if clock is None:
        _event_buses[key] = bus
    return bus


def bus_firing_sink(settings: Settings | None = None, *, clock: Clock | None = None) -> BusFiringSink:
    """The firing sink a worker's scheduler uses: bus targets via `event_bus`, queue targets via queues."""
    return BusFiringSink(event_bus(settings, clock=clock), queue_service(settings, clock=clock))


def state_store(settings: Settings | None = None, *, clock: Clock | None = None) -> StateStore:
    """The actors' versioned key-value state on PostgreSQL (distributed profile) or the runtime file."""
    postgres = postgres_database(settings)
    if postgres is not None:
        return PostgresStateStore(postgres, clock or SystemClock())
    return SqliteStateStore(runtime_database(settings), clock or SystemClock())


def lease_store(settings: Settings | None = None, *, clock: Clock | None = None) -> LeaseStore:
    """Leases (keyed-actor partitions, the scheduler leader): a NATS KV bucket when queues are on NATS,
    else the state store (PostgreSQL in the distributed profile, the runtime file otherwise)."""
    settings = settings or get_settings()
    if nats_queue_backend(settings) is not None:
        return NatsKvLeases(settings.nats_url)
    return StateStoreLeases(state_store(settings, clock=clock))


def actor_system(
    settings: Settings | None = None, *, clock: Clock | None = None, name: str = "hexad"
) -> ActorSystem:
    """An actor system whose actors keep durable state in the runtime file (call inside the event loop)."""
    clock = clock or SystemClock()
    return ActorSystem(name, clock=clock, state_store=state_store(settings, clock=clock))


def workflow_service(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    activities: Mapping[str, Activity] | None = None,
    agents: Mapping[str, Activity] | None = None,
    put_events: PutEvents | None = None,
    send_message: SendMessage | None = None,
) -> WorkflowService:
    """The workflow service on PostgreSQL (distributed profile) or the runtime file, with its Task
    resource table.

    `agents` maps `"<agent>:<action>"` to a callable (the `hexad:agent:<agent>:<action>` resources;
    default: the agents' own actions, `hexad.agents.actions.agent_actions`), `put_events` receives
    EventBridge entries, `send_message(queue, body)` sends to a queue.
    """
    resources = ResourceTable(
        activities=activities, agents=agents, put_events=put_events, send_message=send_message
    )
    postgres = postgres_database(settings)
    store = PostgresWorkflowStore(postgres) if postgres else SqliteWorkflowStore(runtime_database(settings))
    clock = clock or SystemClock()
    service = WorkflowService(store, clock, resources=resources)
    if agents is None:
        from hexad.agents.actions import agent_actions  # the agents import wiring, so import them late

        resources.agents = agent_actions(settings, clock=clock, describe=service.describe)
    return service


def worker(
    settings: Settings | None = None, *, clock: Clock | None = None, shutdown_grace: float = 30.0
) -> Worker:
    """A worker (actor system, queues, control socket in HEXAD_HOME); bind actors, then `await run()`."""
    settings = settings or get_settings()
    clock = clock or SystemClock()
    return Worker(
        actor_system(settings, clock=clock, name="worker"),
        queue_service(settings, clock=clock),
        control_directory=control_directory(settings.home),
        shutdown_grace=shutdown_grace,
    )
