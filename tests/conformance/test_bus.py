"""The event bus on every backend: `bus[sqlite]`, `bus[postgres]` and `bus[nats]`.

Buses, PutEvents validation, rules and their targets (queue, mailbox, webhook, callable, a plugged-in
workflow handler), input transformation, retries with backoff, dead-letter queues, the archive,
replay and search, counters, scheduled rules, and at-least-once delivery across a "restart" (a new
bus on the same backend data). Time is a `ManualClock`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hexad.adapters.postgres.bus import PostgresBusStore
from hexad.adapters.postgres.queue import PostgresQueueBackend
from hexad.adapters.postgres.schedules import PostgresScheduleStore
from hexad.adapters.postgres.workflows import PostgresWorkflowStore
from hexad.adapters.sqlite.bus import SqliteBusStore
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.adapters.sqlite.schedules import SqliteScheduleStore
from hexad.adapters.sqlite.workflows import SqliteWorkflowStore
from hexad.errors import ConflictError, NotFoundError, RuleError, ValidationError
from hexad.ports.bus import Delivery, InputTransformer, RetryPolicy, Rule, Target
from hexad.runtime.bus import BusFiringSink, EventBus, mailbox_queue
from hexad.runtime.bus.targets import workflow_handler
from hexad.runtime.clock import ManualClock
from hexad.runtime.events import Event
from hexad.runtime.queues import QueueService
from hexad.runtime.schedules.service import SchedulerService
from hexad.runtime.workflows.service import WorkflowService
from tests.support.nats import NatsBuses, nats_buses, nats_queues
from tests.support.postgres import PostgresSchema, postgres_schema

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Backend:
    """Builds buses, queues, schedulers and workflow services on one backend's data (fresh connections)."""

    make_bus: Callable[..., EventBus]
    make_queues: Callable[[ManualClock], QueueService]
    make_scheduler: Callable[[ManualClock, Any], SchedulerService]
    make_workflows: Callable[[ManualClock], WorkflowService]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("nats", marks=pytest.mark.nats),
    ],
    ids=lambda name: f"bus[{name}]",
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return _sqlite_backend(tmp_path / "runtime.db")
    if request.param == "postgres":
        return _postgres_backend(postgres_schema(request))
    if request.param == "nats":
        return _nats_backend(nats_buses(request), nats_queues(request).make, tmp_path / "runtime.db")
    raise AssertionError(request.param)


def _sqlite_backend(path: Path) -> Backend:
    def queues(clock: ManualClock) -> QueueService:
        return QueueService(SqliteQueueBackend(SqliteDatabase(path)), clock)

    def schedules(clock: ManualClock, sink: Any) -> SchedulerService:
        return SchedulerService(SqliteScheduleStore(SqliteDatabase(path)), clock, sink)

    def bus(clock: ManualClock, **options: Any) -> EventBus:
        options.setdefault("queues", queues(clock))
        options.setdefault("scheduler", schedules(clock, None))
        return EventBus(SqliteBusStore(SqliteDatabase(path), now=clock.time()), clock, **options)

    def workflows(clock: ManualClock) -> WorkflowService:
        return WorkflowService(SqliteWorkflowStore(SqliteDatabase(path)), clock)

    return Backend(bus, queues, schedules, workflows)


def _postgres_backend(schema: PostgresSchema) -> Backend:
    def queues(clock: ManualClock) -> QueueService:
        return QueueService(PostgresQueueBackend(schema.database()), clock)

    def schedules(clock: ManualClock, sink: Any) -> SchedulerService:
        return SchedulerService(PostgresScheduleStore(schema.database()), clock, sink)

    def bus(clock: ManualClock, **options: Any) -> EventBus:
        options.setdefault("queues", queues(clock))
        options.setdefault("scheduler", schedules(clock, None))
        return EventBus(PostgresBusStore(schema.database(), now=clock.time()), clock, **options)

    def workflows(clock: ManualClock) -> WorkflowService:
        return WorkflowService(PostgresWorkflowStore(schema.database()), clock)

    return Backend(bus, queues, schedules, workflows)


def _nats_backend(buses: NatsBuses, make_queues: Callable[[], Any], path: Path) -> Backend:
    """The bus and queues on NATS JetStream; schedules and workflows stay on the runtime file."""
    sqlite = _sqlite_backend(path)

    def queues(clock: ManualClock) -> QueueService:
        return QueueService(make_queues(), clock)

    def bus(clock: ManualClock, **options: Any) -> EventBus:
        options.setdefault("queues", queues(clock))
        options.setdefault("scheduler", sqlite.make_scheduler(clock, None))
        return EventBus(buses.make(now=clock.time()), clock, **options)

    return Backend(bus, queues, sqlite.make_scheduler, sqlite.make_workflows)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def bus(backend: Backend, clock: ManualClock) -> EventBus:
    return backend.make_bus(clock)


@pytest.fixture
def queues(backend: Backend, clock: ManualClock) -> QueueService:
    return backend.make_queues(clock)


class Recorder:
    """A callable target that records what it received and can be told to fail."""

    def __init__(self, failures: int = 0) -> None:
        self.received: list[Any] = []
        self.failures = failures

    def __call__(self, payload: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("target unreachable")
        self.received.append(payload)


def entry(detail: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Source": "hexad.cpi",
        "DetailType": "client.profitability.changed",
        "Detail": json.dumps(detail if detail is not None else {"client": "acme", "margin": 0.31}),
    }
    return {**base, **overrides}


def callable_rule(name: str = "to-recorder", pattern: dict[str, Any] | None = None, **target: Any) -> Rule:
    return Rule(
        name=name,
        event_pattern=pattern or {"source": ["hexad.cpi"]},
        targets=(Target(id="t1", kind="callable", destination="recorder", **target),),
    )


async def put_one(bus: EventBus, **overrides: Any) -> str:
    result = await bus.put_events([entry(**overrides)])
    assert result.failed_entry_count == 0, result
    event_id = result.entries[0].event_id
    assert event_id
    return event_id


# --- buses


async def test_the_default_bus_always_exists_and_named_buses_can_be_added_and_deleted(bus: EventBus) -> None:
    assert [b.name for b in await bus.list_buses()] == ["default"]
    created = await bus.create_bus("orders", archive_retention_days=30)
    assert created.archive_retention_days == 30
    assert [b.name for b in await bus.list_buses()] == ["default", "orders"]
    with pytest.raises(ConflictError):
        await bus.create_bus("orders")
    await bus.delete_bus("orders")
    assert [b.name for b in await bus.list_buses()] == ["default"]
    with pytest.raises(ConflictError):
        await bus.delete_bus("default")
    with pytest.raises(NotFoundError):
        await bus.delete_bus("orders")


async def test_a_bus_retention_can_be_changed(bus: EventBus, clock: ManualClock) -> None:
    await put_one(bus)
    updated = await bus.update_bus("default", archive_retention_days=1)
    assert updated.archive_retention_days == 1
    assert (await bus.get_bus("default")).archive_retention_days == 1
    clock.advance(86400 + 1)
    assert await bus.expire_archives() == 1
    with pytest.raises(NotFoundError):
        await bus.update_bus("nowhere", archive_retention_days=3)


async def test_the_delivery_loop_survives_a_failing_store(
    bus: EventBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivered = asyncio.Event()
    bus.register_callable("recorder", lambda payload: delivered.set())
    await bus.put_rule(callable_rule())
    real_claim = bus.store.claim
    failures = [RuntimeError("database is locked")]

    async def flaky_claim(now: float, lease_until: float, limit: int) -> list[Delivery]:
        if failures:
            raise failures.pop()
        return await real_claim(now, lease_until, limit)

    monkeypatch.setattr(bus.store, "claim", flaky_claim)
    await bus.put_events([entry()])  # stored; no loop yet, so the loop must claim it
    stop = asyncio.Event()
    loop = asyncio.create_task(bus.run(stop))
    for _ in range(100):
        if not failures:
            break
        await asyncio.sleep(0.01)
    bus._clock.advance(1)  # type: ignore[attr-defined]  # past the poll wait after the failure
    await asyncio.wait_for(delivered.wait(), timeout=5)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)


async def test_a_bus_with_rules_cannot_be_deleted(bus: EventBus) -> None:
    await bus.create_bus("orders")
    await bus.put_rule(replace(callable_rule(), bus="orders"))
    with pytest.raises(ConflictError, match="rules"):
        await bus.delete_bus("orders")


async def test_a_bad_bus_name_is_refused(bus: EventBus) -> None:
    with pytest.raises(ValidationError, match="bus name"):
        await bus.create_bus("no spaces allowed")


# --- put_events


async def test_put_events_fills_in_id_time_and_traceparent(bus: EventBus, clock: ManualClock) -> None:
    event_id = await put_one(bus)
    [event] = await bus.search("default")
    assert event.id == event_id
    assert event.time == START
    envelope = event.to_dict()
    assert envelope["version"] == "0"
    assert envelope["detail-type"] == "client.profitability.changed"
    assert envelope["detail"] == {"client": "acme", "margin": 0.31}
    assert envelope["resources"] == []
    parts = envelope["traceparent"].split("-")
    assert [len(part) for part in parts] == [2, 32, 16, 2]


async def test_a_given_trace_header_and_time_are_kept(bus: EventBus) -> None:
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    await put_one(bus, TraceHeader=trace, Time="2026-02-01T10:00:00Z", Resources=["client/acme"])
    [event] = await bus.search("default")
    assert event.traceparent == trace
    assert event.time == datetime(2026, 2, 1, 10, tzinfo=UTC)
    assert event.resources == ("client/acme",)


async def test_envelope_keys_and_event_objects_are_accepted(bus: EventBus) -> None:
    envelope = {"source": "hexad.sli", "detail-type": "license.savings.found", "detail": {"seats": 4}}
    event = Event(source="hexad.vcm", detail_type="contract.renewal.due", detail={"contract": "c1"})
    result = await bus.put_events([envelope, event])
    assert result.failed_entry_count == 0
    assert result.entries[1].event_id == event.id
    found = await bus.search("default")
    assert [(e.source, dict(e.detail)) for e in found] == [
        ("hexad.sli", {"seats": 4}),
        ("hexad.vcm", {"contract": "c1"}),
    ]


@pytest.mark.parametrize(
    ("bad", "code", "words"),
    [
        ({"Source": None}, "InvalidArgument", "Source"),
        ({"Source": ""}, "InvalidArgument", "Source"),
        ({"DetailType": None}, "InvalidArgument", "DetailType"),
        ({"Detail": None}, "InvalidArgument", "Detail"),
        ({"Detail": "{not json"}, "MalformedDetail", "Detail is malformed"),
        ({"Detail": "[1, 2]"}, "MalformedDetail", "JSON object"),
        ({"Detail": '"text"'}, "MalformedDetail", "JSON object"),
        ({"Resources": "client/acme"}, "InvalidArgument", "Resources"),
        ({"Time": "yesterday"}, "InvalidArgument", "Time"),
        ({"TraceHeader": "not-a-trace"}, "InvalidArgument", "traceparent"),
        ({"Detail": json.dumps({"blob": "x" * 262_144})}, "InvalidArgument", "256 KB"),
        ({"EventBusName": "missing"}, "ResourceNotFoundException", "missing"),
    ],
)
async def test_a_bad_entry_gets_its_own_error_and_the_others_are_stored(
    bus: EventBus, bad: dict[str, Any], code: str, words: str
) -> None:
    broken = {key: value for key, value in {**entry(), **bad}.items() if value is not None}
    result = await bus.put_events([entry(), broken, entry()])
    assert result.failed_entry_count == 1
    good, failed, other = result.entries
    assert good.event_id and other.event_id and failed.event_id is None
    assert failed.error_code == code
    assert failed.error_message and words in failed.error_message
    assert len(await bus.search("default")) == 2


async def test_an_entry_just_under_256_kb_is_accepted(bus: EventBus) -> None:
    overhead = len(json.dumps({"blob": ""}, separators=(",", ":"))) + 14 + len("hexad.cpi")
    overhead += len("client.profitability.changed")
    detail = {"blob": "x" * (262_144 - overhead)}
    result = await bus.put_events([entry(detail)])
    assert result.failed_entry_count == 0


async def test_more_than_ten_entries_or_none_are_refused(bus: EventBus) -> None:
    with pytest.raises(ValidationError, match="1 to 10"):
        await bus.put_events([entry()] * 11)
    with pytest.raises(ValidationError):
        await bus.put_events([])


# --- rules and targets


async def test_a_matching_event_reaches_a_callable_target(bus: EventBus) -> None:
    recorder = Recorder()
    bus.register_callable("recorder", recorder)
    await bus.put_rule(
        callable_rule(pattern={"source": ["hexad.cpi"], "detail": {"margin": [{"numeric": ["<", 0.4]}]}})
    )
    event_id = await put_one(bus)
    await put_one(bus, Source="hexad.spo")
    await put_one(bus, Detail=json.dumps({"margin": 0.6}))
    assert await bus.dispatch_pending() == 1
    assert [payload["id"] for payload in recorder.received] == [event_id]
    assert recorder.received[0]["detail"] == {"client": "acme", "margin": 0.31}


async def test_a_disabled_rule_does_not_match_until_enabled(bus: EventBus) -> None:
    recorder = Recorder()
    bus.register_callable("recorder", recorder)
    await bus.put_rule(replace(callable_rule(), state="DISABLED"))
    await put_one(bus)
    await bus.dispatch_pending()
    assert recorder.received == []
    enabled = await bus.enable_rule("to-recorder")
    assert enabled.state == "ENABLED"
    await put_one(bus)
    await bus.dispatch_pending()
    assert len(recorder.received) == 1
    assert (await bus.disable_rule("to-recorder")).state == "DISABLED"
    assert (await bus.get_rule("to-recorder")).state == "DISABLED"


async def test_an_unmatched_event_is_archived_and_counted(bus: EventBus) -> None:
    await bus.put_rule(callable_rule(pattern={"source": ["hexad.dsa"]}))
    event_id = await put_one(bus)
    stats = bus.stats("default")
    assert stats.counters["events"] == 1
    assert stats.counters["unmatched"] == 1
    assert stats.counters.get("matched", 0) == 0
    assert [event.id for event in await bus.search("default")] == [event_id]


async def test_rules_are_listed_got_and_deleted(bus: EventBus) -> None:
    await bus.create_bus("ops")
    await bus.put_rule(callable_rule("b"))
    await bus.put_rule(callable_rule("a"))
    await bus.put_rule(replace(callable_rule("c"), bus="ops"))
    assert [r.name for r in await bus.list_rules("default")] == ["a", "b"]
    assert [(r.bus, r.name) for r in await bus.list_rules()] == [
        ("default", "a"),
        ("default", "b"),
        ("ops", "c"),
    ]
    assert json.loads(str((await bus.get_rule("a")).event_pattern)) == {"source": ["hexad.cpi"]}
    await bus.delete_rule("a")
    with pytest.raises(NotFoundError):
        await bus.get_rule("a")
    with pytest.raises(NotFoundError):
        await bus.delete_rule("a")


async def test_an_invalid_pattern_is_refused_when_the_rule_is_put(bus: EventBus) -> None:
    with pytest.raises(RuleError, match="event_pattern"):
        await bus.put_rule(callable_rule(pattern={"source": []}))
    with pytest.raises(RuleError, match="event_pattern"):
        await bus.put_rule(callable_rule(pattern={"detail": {"x": [{"nope": 1}]}}))
    assert await bus.list_rules() == []


async def test_a_rule_on_a_missing_bus_is_refused(bus: EventBus) -> None:
    with pytest.raises(NotFoundError, match="nowhere"):
        await bus.put_rule(replace(callable_rule(), bus="nowhere"))


async def test_targets_can_be_added_replaced_and_removed(bus: EventBus) -> None:
    await bus.put_rule(callable_rule())
    extra = Target(id="t2", kind="queue", destination="audit")
    rule = await bus.put_targets(
        "to-recorder", "default", [extra, Target(id="t1", kind="callable", destination="x")]
    )
    assert {(t.id, t.destination) for t in rule.targets} == {("t1", "x"), ("t2", "audit")}
    rule = await bus.remove_targets("to-recorder", "default", ["t1"])
    assert [t.id for t in rule.targets] == ["t2"]
    with pytest.raises(NotFoundError, match="t9"):
        await bus.remove_targets("to-recorder", "default", ["t9"])
    with pytest.raises(RuleError, match="at most 5"):
        await bus.put_targets(
            "to-recorder", "default", [Target(id=f"q{i}", kind="queue", destination="q") for i in range(5)]
        )


async def test_a_rule_put_through_another_bus_instance_is_used_at_once(
    backend: Backend, clock: ManualClock
) -> None:
    worker, cli = backend.make_bus(clock), backend.make_bus(clock)
    recorder = Recorder()
    worker.register_callable("recorder", recorder)
    await worker.put_events([entry()])
    await cli.put_rule(callable_rule())
    await worker.put_events([entry()])
    await worker.dispatch_pending()
    assert len(recorder.received) == 1


async def test_a_queue_target_gets_the_event_with_its_trace_context(
    bus: EventBus, queues: QueueService
) -> None:
    await queues.ensure_queue("audit")
    await bus.put_rule(
        Rule(
            "audit",
            event_pattern={"source": [{"prefix": "hexad."}]},
            targets=(Target("q", "queue", "audit"),),
        )
    )
    event_id = await put_one(bus)
    await bus.dispatch_pending()
    [message] = await queues.receive("audit", max_messages=10)
    body = json.loads(message.body)
    assert body["id"] == event_id
    assert message.attributes["traceparent"] == body["traceparent"]
    assert message.attributes["hexad-rule"] == "audit"
    stats = bus.stats()
    assert stats.rules["audit"]["delivered"] == 1
    assert stats.pending == 0


async def test_a_mailbox_target_is_a_fifo_queue_grouped_by_the_group_key(
    bus: EventBus, queues: QueueService
) -> None:
    target = Target("agent", "mailbox", "ram", group_key="$.detail.client")
    await bus.put_rule(Rule("to-ram", event_pattern={"source": ["hexad.cpi"]}, targets=(target,)))
    event = Event(source="hexad.cpi", detail_type="client.profitability.changed", detail={"client": "acme"})
    await bus.put_events([event])
    await bus.put_events([event])  # the same event again: deduplicated on its id
    await bus.put_events([entry({"client": "globex"})])
    await bus.dispatch_pending()
    config = await queues.get_queue(mailbox_queue("ram"))
    assert config.fifo
    assert config.dead_letter_queue == "mailbox-ram-dlq" and config.max_receive_count == 3
    messages = await queues.peek(mailbox_queue("ram"), 10)
    assert sorted(m.group_id or "" for m in messages) == ["acme", "globex"]


async def test_a_mailbox_without_group_key_groups_by_source(bus: EventBus, queues: QueueService) -> None:
    await bus.put_rule(
        Rule("to-sli", event_pattern={"source": ["hexad.cpi"]}, targets=(Target("a", "mailbox", "sli"),))
    )
    await put_one(bus)
    await bus.dispatch_pending()
    [message] = await queues.peek("mailbox-sli", 10)
    assert message.group_id == "hexad.cpi"


async def test_a_webhook_target_posts_the_event(backend: Backend, clock: ManualClock) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    bus = backend.make_bus(clock, http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer)))
    await bus.put_rule(
        Rule(
            "hook",
            event_pattern={"source": ["hexad.cpi"]},
            targets=(Target("w", "webhook", "https://example.test/in"),),
        )
    )
    event_id = await put_one(bus)
    assert await bus.dispatch_pending() == 1
    [request] = seen
    assert str(request.url) == "https://example.test/in"
    assert json.loads(request.content)["id"] == event_id
    assert request.headers["traceparent"].startswith("00-")
    await bus.close()


async def test_a_workflow_target_uses_the_registered_handler(bus: EventBus) -> None:
    started: list[tuple[str, str]] = []

    async def start_workflow(delivery: Delivery, payload: str) -> None:
        started.append((delivery.target.destination, json.loads(payload)["detail-type"]))

    await bus.put_rule(
        Rule("flow", event_pattern={"source": ["hexad.cpi"]}, targets=(Target("w", "workflow", "replan"),))
    )
    await put_one(bus)
    await bus.dispatch_pending()
    assert started == []  # no workflow engine yet: the delivery waits and is retried
    assert bus.stats().rules["flow"]["retried"] == 1
    bus.register_target_handler("workflow", start_workflow)
    bus._clock.advance(5)  # type: ignore[attr-defined]
    await bus.dispatch_pending()
    assert started == [("replan", "client.profitability.changed")]


async def test_a_workflow_target_starts_one_execution_per_event(backend: Backend, clock: ManualClock) -> None:
    workflows = backend.make_workflows(clock)
    await workflows.create_state_machine(
        "replan", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    )
    bus = backend.make_bus(clock, workflows=workflows.start)
    target = Target("w", "workflow", "replan", input_path="$.detail")
    await bus.put_rule(Rule("flow", event_pattern={"source": ["hexad.cpi"]}, targets=(target,)))
    await put_one(bus)
    assert await bus.dispatch_pending() == 1
    [execution] = await workflows.list_executions("replan")
    assert json.loads(execution.input) == {"client": "acme", "margin": 0.31}
    [event] = await bus.search("default")
    delivery = Delivery("default", "flow", target, event, clock.time(), clock.time())
    await workflow_handler(workflows.start)(delivery, "{}")  # a redelivery after a crash
    assert len(await workflows.list_executions("replan")) == 1


# --- input


async def test_an_input_transformer_fills_the_template(bus: EventBus) -> None:
    recorder = Recorder()
    bus.register_callable("recorder", recorder)
    transformer = InputTransformer(
        input_paths_map={"client": "$.detail.client", "margin": "$.detail.margin", "gone": "$.detail.none"},
        input_template='{"who": <client>, "text": "margin of <client> is <margin>", "m": <margin>, '
        '"missing": <gone>, "rule": "<aws.events.rule-name>"}',
    )
    await bus.put_rule(callable_rule(input_transformer=transformer))
    await put_one(bus)
    await bus.dispatch_pending()
    assert recorder.received == [
        {"who": "acme", "text": "margin of acme is 0.31", "m": 0.31, "missing": None, "rule": "to-recorder"}
    ]


async def test_a_text_template_delivers_plain_text(bus: EventBus, queues: QueueService) -> None:
    await queues.ensure_queue("texts")
    transformer = InputTransformer('"<client> lost margin"', {"client": "$.detail.client"})
    target = Target("q", "queue", "texts", input_transformer=transformer)
    await bus.put_rule(Rule("t", event_pattern={"source": ["hexad.cpi"]}, targets=(target,)))
    await put_one(bus)
    await bus.dispatch_pending()
    [message] = await queues.receive("texts")
    assert message.body == '"acme lost margin"'


async def test_input_path_and_constant_input(bus: EventBus) -> None:
    by_path, constant = Recorder(), Recorder()
    bus.register_callable("by-path", by_path)
    bus.register_callable("constant", constant)
    targets = (
        Target("p", "callable", "by-path", input_path="$.detail"),
        Target("c", "callable", "constant", input='{"fixed": true}'),
    )
    await bus.put_rule(Rule("two", event_pattern={"source": ["hexad.cpi"]}, targets=targets))
    await put_one(bus)
    assert await bus.dispatch_pending() == 2
    assert by_path.received == [{"client": "acme", "margin": 0.31}]
    assert constant.received == [{"fixed": True}]


async def test_a_bad_input_transformer_is_refused(bus: EventBus) -> None:
    with pytest.raises(RuleError, match="input_template"):
        await bus.put_rule(callable_rule(input_transformer=InputTransformer('{"a": <x>', {"x": "$.detail"})))
    with pytest.raises(RuleError, match="input_paths_map"):
        await bus.put_rule(callable_rule(input_transformer=InputTransformer("<x>", {"x": "detail"})))
    with pytest.raises(RuleError, match="at most one"):
        await bus.put_rule(callable_rule(input="{}", input_path="$.detail"))


# --- retries and dead-letter queues


async def test_a_failing_target_is_retried_with_exponential_backoff(
    bus: EventBus, clock: ManualClock
) -> None:
    recorder = Recorder(failures=3)
    bus.register_callable("recorder", recorder)
    await bus.put_rule(callable_rule())
    await put_one(bus)
    assert await bus.dispatch_pending() == 0  # attempt 1 fails; next in 1 s
    clock.advance(0.9)
    assert await bus.dispatch_pending() == 0 and recorder.failures == 2  # not due yet
    clock.advance(0.1)
    assert await bus.dispatch_pending() == 0  # attempt 2 fails; next in 2 s
    clock.advance(1.9)
    await bus.dispatch_pending()
    assert recorder.failures == 1
    clock.advance(0.1)
    await bus.dispatch_pending()  # attempt 3 fails; next in 4 s
    clock.advance(4)
    assert await bus.dispatch_pending() == 1
    assert len(recorder.received) == 1
    counters = bus.stats().rules["to-recorder"]
    assert counters["retried"] == 3 and counters["delivered"] == 1


async def test_after_the_last_retry_the_event_goes_to_the_dead_letter_queue_with_the_error(
    bus: EventBus, clock: ManualClock, queues: QueueService
) -> None:
    bus.register_callable("recorder", Recorder(failures=100))
    await bus.put_rule(
        callable_rule(retry_policy=RetryPolicy(maximum_retry_attempts=2), dead_letter_queue="dlq")
    )
    event_id = await put_one(bus)
    for _ in range(3):
        await bus.dispatch_pending()
        clock.advance(60)
    [message] = await queues.receive("dlq")
    assert json.loads(message.body)["id"] == event_id
    assert message.attributes["ERROR_CODE"] == "ConnectionError"
    assert message.attributes["ERROR_MESSAGE"] == "target unreachable"
    assert message.attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert message.attributes["RETRY_ATTEMPTS"] == "2"
    assert message.attributes["RULE_ARN"].endswith("rule/default/to-recorder")
    counters = bus.stats().rules["to-recorder"]
    assert counters["retried"] == 2 and counters["dead_lettered"] == 1
    assert bus.stats().pending == 0


async def test_an_event_older_than_the_maximum_age_is_dead_lettered(
    bus: EventBus, clock: ManualClock, queues: QueueService
) -> None:
    bus.register_callable("recorder", Recorder(failures=1000))
    policy = RetryPolicy(maximum_retry_attempts=185, maximum_event_age_seconds=600)
    await bus.put_rule(callable_rule(retry_policy=policy, dead_letter_queue="dlq"))
    await put_one(bus)
    for _ in range(40):
        await bus.dispatch_pending()
        due = await bus.store.next_due()
        if due is None:
            break
        clock.set(max(due, clock.time()))
    [message] = await queues.receive("dlq")
    assert message.attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    assert clock.time() - START.timestamp() <= 600


async def test_without_a_dead_letter_queue_a_given_up_delivery_is_kept_as_failed(
    bus: EventBus, clock: ManualClock
) -> None:
    bus.register_callable("recorder", Recorder(failures=10))
    await bus.put_rule(callable_rule(retry_policy=RetryPolicy(maximum_retry_attempts=0)))
    event_id = await put_one(bus)
    await bus.dispatch_pending()
    stats = bus.stats()
    assert stats.rules["to-recorder"]["failed"] == 1
    assert stats.failed == 1 and stats.pending == 0
    [kept] = await bus.store.failed_deliveries("default", 10)
    assert kept.event.id == event_id
    assert kept.last_error and "target unreachable" in kept.last_error
    clock.advance(8 * 86400)  # kept as long as the archive keeps the event
    await bus.expire_archives()
    assert await bus.store.failed_deliveries("default", 10) == []


async def test_a_webhook_client_error_skips_the_retries(
    backend: Backend, clock: ManualClock, queues: QueueService
) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(400, text="bad payload"))
    bus = backend.make_bus(clock, http_client=httpx.AsyncClient(transport=transport))
    target = Target("w", "webhook", "https://example.test/in", dead_letter_queue="hook-dlq")
    await bus.put_rule(Rule("hook", event_pattern={"source": ["hexad.cpi"]}, targets=(target,)))
    await put_one(bus)
    await bus.dispatch_pending()
    [message] = await queues.receive("hook-dlq")
    assert message.attributes["ERROR_CODE"] == "HTTP400"
    assert message.attributes["EXHAUSTED_RETRY_CONDITION"] == "NonRetryableError"
    await bus.close()


async def test_a_webhook_server_error_is_retried(backend: Backend, clock: ManualClock) -> None:
    answers = iter([503, 200])
    transport = httpx.MockTransport(lambda request: httpx.Response(next(answers)))
    bus = backend.make_bus(clock, http_client=httpx.AsyncClient(transport=transport))
    await bus.put_rule(
        Rule(
            "hook",
            event_pattern={"source": ["hexad.cpi"]},
            targets=(Target("w", "webhook", "http://x.test/"),),
        )
    )
    await put_one(bus)
    assert await bus.dispatch_pending() == 0
    clock.advance(1)
    assert await bus.dispatch_pending() == 1
    await bus.close()


async def test_a_webhook_timeout_is_retried(backend: Backend, clock: ManualClock) -> None:
    calls: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadTimeout("no answer", request=request)
        return httpx.Response(204)

    bus = backend.make_bus(clock, http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer)))
    target = Target("w", "webhook", "http://x.test/", timeout_seconds=2)
    await bus.put_rule(Rule("hook", event_pattern={"source": ["hexad.cpi"]}, targets=(target,)))
    await put_one(bus)
    assert await bus.dispatch_pending() == 0
    [pending] = await bus.store.claim(clock.time() + 1, clock.time() + 2, 10)
    assert pending.last_error and "ReadTimeout" in pending.last_error
    clock.advance(2)
    assert await bus.dispatch_pending() == 1
    await bus.close()


# --- at-least-once


async def test_a_delivery_claimed_by_a_crashed_dispatcher_is_delivered_after_its_lease(
    backend: Backend, clock: ManualClock
) -> None:
    first = backend.make_bus(clock, lease_seconds=30)
    await first.put_rule(callable_rule())
    event_id = await put_one(first)
    claimed = await first.store.claim(clock.time(), clock.time() + 30, 10)
    assert len(claimed) == 1  # ...and the process dies before settling
    restarted = backend.make_bus(clock)
    recorder = Recorder()
    restarted.register_callable("recorder", recorder)
    assert await restarted.dispatch_pending() == 0
    clock.advance(30)
    assert await restarted.dispatch_pending() == 1
    assert [payload["id"] for payload in recorder.received] == [event_id]


async def test_stored_events_and_deliveries_survive_a_restart(backend: Backend, clock: ManualClock) -> None:
    first = backend.make_bus(clock)
    await first.put_rule(callable_rule())
    ids = [await put_one(first) for _ in range(3)]
    restarted = backend.make_bus(clock)
    recorder = Recorder()
    restarted.register_callable("recorder", recorder)
    assert await restarted.dispatch_pending() == 3
    assert sorted(p["id"] for p in recorder.received) == sorted(ids)
    assert [e.id for e in await restarted.search("default")] == ids


async def test_the_run_loop_delivers_an_in_process_put_without_polling(bus: EventBus) -> None:
    delivered = asyncio.Event()
    bus.register_callable("recorder", lambda payload: delivered.set())
    await bus.put_rule(callable_rule())
    stop = asyncio.Event()
    loop = asyncio.create_task(bus.run(stop))
    await asyncio.sleep(0.01)
    await put_one(bus)
    await asyncio.wait_for(delivered.wait(), timeout=5)  # the ManualClock never moves: woken by the put
    stop.set()
    await asyncio.wait_for(loop, timeout=5)


async def test_a_delivery_handed_to_a_loop_that_stopped_is_claimed_after_its_lease(
    backend: Backend, clock: ManualClock
) -> None:
    first = backend.make_bus(clock, lease_seconds=20)
    await first.put_rule(callable_rule())
    stop = asyncio.Event()
    loop = asyncio.create_task(first.run(stop))
    await asyncio.sleep(0.01)
    stop.set()
    event_id = await put_one(first)  # handed to the loop in memory, which stops before delivering
    await asyncio.wait_for(loop, timeout=5)
    other = backend.make_bus(clock)
    recorder = Recorder()
    other.register_callable("recorder", recorder)
    assert await other.dispatch_pending() == 0  # still leased to the first bus
    clock.advance(20)
    assert await other.dispatch_pending() == 1
    assert [payload["id"] for payload in recorder.received] == [event_id]


# --- archive, replay, search


async def test_the_archive_keeps_events_for_the_bus_retention(bus: EventBus, clock: ManualClock) -> None:
    await bus.create_bus("short", archive_retention_days=1)
    await put_one(bus)
    await put_one(bus, EventBusName="short")
    clock.advance(2 * 86400)
    await bus.expire_archives()
    assert len(await bus.search("default")) == 1
    assert await bus.search("short") == []
    clock.advance(6 * 86400)
    await bus.expire_archives()
    assert await bus.search("default") == []


async def test_replay_redelivers_archived_events_in_the_window_marked_as_replays(
    bus: EventBus, clock: ManualClock
) -> None:
    recorder = Recorder()
    bus.register_callable("recorder", recorder)
    early = await put_one(bus, Time="2026-03-01T08:00:00Z")
    inside = await put_one(bus, Time="2026-03-01T10:00:00Z")
    await put_one(bus, Time="2026-03-01T12:00:00Z")
    await bus.put_rule(callable_rule())
    result = await bus.replay(
        "default", datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 1, 12, tzinfo=UTC)
    )
    assert result.events_replayed == 1 and result.deliveries == 1 and result.rules == ("to-recorder",)
    await bus.dispatch_pending()
    [payload] = recorder.received
    assert payload["id"] == inside
    assert payload["replay-name"] == result.replay_name
    assert early not in [p["id"] for p in recorder.received]
    assert len(await bus.search("default")) == 3  # replayed events are not archived again


async def test_replay_can_be_limited_to_named_rules(bus: EventBus) -> None:
    first, second = Recorder(), Recorder()
    bus.register_callable("first", first)
    bus.register_callable("second", second)
    await put_one(bus, Time="2026-03-01T10:00:00Z")
    for name in ("first", "second"):
        await bus.put_rule(
            Rule(name, event_pattern={"source": ["hexad.cpi"]}, targets=(Target("t", "callable", name),))
        )
    window = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    await bus.replay("default", *window, rule_names=["second"])
    await bus.dispatch_pending()
    assert first.received == [] and len(second.received) == 1
    with pytest.raises(NotFoundError, match="nope"):
        await bus.replay("default", *window, rule_names=["nope"])
    with pytest.raises(ValidationError):
        await bus.replay("default", window[1], window[0])


async def test_search_filters_the_archive_by_pattern_and_time(bus: EventBus) -> None:
    await put_one(bus, Time="2026-03-01T10:00:00Z")
    wanted = await put_one(bus, Source="hexad.sli", Time="2026-03-01T11:00:00Z")
    await put_one(bus, Source="hexad.sli", Time="2026-03-01T13:00:00Z")
    found = await bus.search(
        "default",
        pattern={"source": ["hexad.sli"]},
        start=datetime(2026, 3, 1, 10, 30, tzinfo=UTC),
        end=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    assert [event.id for event in found] == [wanted]
    assert len(await bus.search("default", limit=2)) == 2


# --- scheduled rules


async def test_a_scheduled_rule_fires_a_scheduled_event_to_its_targets_only(
    backend: Backend, clock: ManualClock, queues: QueueService
) -> None:
    bus = backend.make_bus(clock)
    recorder, bystander = Recorder(), Recorder()
    bus.register_callable("recorder", recorder)
    bus.register_callable("bystander", bystander)
    await bus.put_rule(
        Rule("tick", schedule_expression="rate(5 minutes)", targets=(Target("t", "callable", "recorder"),))
    )
    await bus.put_rule(
        Rule(
            "any",
            event_pattern={"source": ["hexad.scheduler"]},
            targets=(Target("b", "callable", "bystander"),),
        )
    )
    runner = backend.make_scheduler(clock, BusFiringSink(bus, queues))
    assert await runner.run_once() == 1  # a rate fires at once, then every 5 minutes
    clock.advance(5 * 60)
    assert await runner.run_once() == 1
    await bus.dispatch_pending()
    assert len(recorder.received) == 2
    payload = recorder.received[-1]
    assert payload["source"] == "hexad.scheduler"
    assert payload["detail-type"] == "Scheduled Event"
    assert payload["resources"] == ["hexad:events:local:rule/default/tick"]
    assert bystander.received == []
    await bus.disable_rule("tick")
    clock.advance(10 * 60)
    await runner.run_once()
    await bus.dispatch_pending()
    assert len(recorder.received) == 2
    await bus.delete_rule("tick")
    assert [s.name for s in await runner.list()] == []


async def test_an_invalid_schedule_expression_is_refused(bus: EventBus) -> None:
    with pytest.raises(RuleError, match="schedule_expression"):
        await bus.put_rule(Rule("bad", schedule_expression="rate(0 minutes)", targets=()))
    assert await bus.list_rules() == []


async def test_the_firing_sink_publishes_bus_targets_and_sends_queue_targets(
    backend: Backend, clock: ManualClock, queues: QueueService
) -> None:
    from hexad.ports.schedules import BusTarget, QueueTarget, Schedule

    bus = backend.make_bus(clock)
    sink = BusFiringSink(bus, queues)
    when = datetime(2026, 3, 2, 9, tzinfo=UTC)
    await sink(
        Schedule("report", "rate(1 day)", BusTarget(), input='{"k": 1}'), when, '{"k": 1}', firing_id="f1"
    )
    await sink(Schedule("ping", "rate(1 day)", QueueTarget("pings")), when, '{"p": 2}', firing_id="f2")
    [event] = await bus.search("default")
    assert (event.source, event.detail_type, dict(event.detail)) == (
        "hexad.scheduler",
        "Scheduled Event",
        {"k": 1},
    )
    [message] = await queues.receive("pings")
    assert json.loads(message.body) == {"p": 2}


async def test_counters_cover_every_outcome(bus: EventBus, clock: ManualClock) -> None:
    bus.register_callable("ok", Recorder())
    bus.register_callable("bad", Recorder(failures=99))
    targets = (
        Target("ok", "callable", "ok"),
        Target("bad", "callable", "bad", retry_policy=RetryPolicy(maximum_retry_attempts=1)),
    )
    await bus.put_rule(Rule("r", event_pattern={"source": ["hexad.cpi"]}, targets=targets))
    await put_one(bus)
    await put_one(bus, Source="hexad.other")
    await bus.dispatch_pending()
    clock.advance(timedelta(minutes=1).total_seconds())
    await bus.dispatch_pending()
    stats = bus.stats()
    assert stats.counters == {"events": 2, "matched": 1, "unmatched": 1}
    assert stats.rules["r"] == {"matched": 1, "delivered": 1, "retried": 1, "failed": 1}
