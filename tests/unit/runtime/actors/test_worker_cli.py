"""`hexad worker` agent selection, the in-process worker's graceful stop, and `hexad actors tree`."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hexad import wiring
from hexad.cli.app import app
from hexad.cli.worker_cmd import choose_agents
from hexad.config import get_settings
from hexad.errors import ValidationError
from hexad.runtime.actors import Actor, ActorContext
from hexad.runtime.actors.control import ControlServer, control_directory
from hexad.runtime.actors.keyed import KeyedActor
from hexad.runtime.actors.mailbox import Delivery
from hexad.runtime.actors.worker import Worker, agent_mailbox, ensure_agent_mailbox
from tests.unit.runtime.actors.helpers import until


class Echo(Actor):
    """Remembers bodies; 'bad' raises."""

    async def receive(self, message: Delivery, context: ActorContext) -> Any:
        if message.body == "bad":
            raise RuntimeError("bad message")
        return message.body


REGISTERED: dict[str, Callable[[], Actor]] = {"cpi": Echo, "dsa": Echo, "sli": Echo}


def test_without_agents_every_registered_agent_runs() -> None:
    assert choose_agents(REGISTERED, None) == ["cpi", "dsa", "sli"]


def test_chosen_agents_are_trimmed_lowercased_and_deduplicated() -> None:
    assert choose_agents(REGISTERED, " CPI, dsa,cpi ") == ["cpi", "dsa"]


def test_an_unknown_agent_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValidationError, match=r"unknown agent\(s\) xyz; expected one of cpi, dsa, sli"):
        choose_agents(REGISTERED, "cpi,xyz")


async def test_agent_mailboxes_are_fifo_with_a_dead_letter_queue_after_three_deliveries() -> None:
    queues = wiring.queue_service()
    assert await ensure_agent_mailbox(queues, "cpi") == agent_mailbox("cpi") == "mailbox-cpi"
    config = await queues.get_queue("mailbox-cpi")
    assert config.fifo and config.dead_letter_queue == "mailbox-cpi-dlq" and config.max_receive_count == 3


async def test_a_worker_stops_gracefully_and_returns_zero() -> None:
    queues = wiring.queue_service()
    queue = await ensure_agent_mailbox(queues, "cpi")
    await queues.send(queue, '{"detail": {}}', group_id="g", deduplication_id="1")
    worker = Worker(wiring.actor_system(), queues, shutdown_grace=5)
    binding = worker.bind(Echo, queue, name="cpi", wait_seconds=0.05)
    running = asyncio.ensure_future(worker.run(handle_signals=False))
    await until(lambda: binding.delivered == 1)
    worker.request_stop()
    assert await running == 0
    assert not binding.ref.is_alive


@pytest.fixture
def live_system(tmp_path: Path) -> Iterator[Path]:
    """A control server for a small actor system, on its own event loop in a thread."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop: asyncio.Event | None = None
    directory = control_directory(get_settings().home)

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        queues = wiring.queue_service()
        queue = await ensure_agent_mailbox(queues, "cpi")
        await queues.send(queue, "bad", group_id="g", deduplication_id="1")
        system = wiring.actor_system(name="test-system")
        worker = Worker(system, queues)
        binding = worker.bind(Echo, queue, name="cpi", wait_seconds=0.05, retry_delay=60)
        binding.start()
        await until(lambda: binding.failed == 1)
        server = ControlServer(system, directory, queues)
        await server.start()
        ready.set()
        await stop.wait()
        await binding.stop()
        await server.close()
        await system.shutdown()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    assert ready.wait(20)
    yield directory
    assert stop is not None
    loop.call_soon_threadsafe(stop.set)
    thread.join(20)
    loop.close()


def test_actors_tree_shows_the_live_tree_as_json_and_as_a_tree(live_system: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["actors", "tree", "--json"])
    assert result.exit_code == 0, result.output
    [system] = json.loads(result.output)
    [node] = system["actors"]
    assert system["system"] == "test-system"
    assert node["path"] == "/cpi" and node["queue"] == "mailbox-cpi"
    assert node["failures"] == 1 and node["last_error"] == "RuntimeError: bad message"
    assert node["queue_depth"] == {"visible": 0, "in_flight": 1, "delayed": 0}
    assert node["restart_log"][0]["error_type"] == "RuntimeError"
    result = runner.invoke(app, ["actors", "tree"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "test-system" in result.output and "cpi" in result.output
    assert "last error: RuntimeError: bad message" in result.output


def test_actors_tree_says_when_nothing_runs() -> None:
    result = CliRunner().invoke(app, ["actors", "tree"])
    assert result.exit_code == 0
    assert "no running actor system found" in result.output


class Visits(KeyedActor):
    """Counts messages per key in its durable state."""

    def initial_state(self) -> Any:
        return 0

    async def handle(self, message: Delivery, context: ActorContext) -> Any:
        self.state += 1


async def test_stopping_a_worker_saves_the_state_of_every_keyed_activation() -> None:
    queues = wiring.queue_service()
    await queues.ensure_queue("visits", fifo=True)
    for index, key in enumerate(["a", "b", "a"]):
        await queues.send("visits", "visit", group_id=key, deduplication_id=str(index))
    worker = wiring.worker(shutdown_grace=5)
    binding = worker.bind_keyed(Visits, "visits", wait_seconds=0.05)
    running = asyncio.ensure_future(worker.run(handle_signals=False))
    await until(lambda: binding.delivered == 3)
    worker.request_stop()
    assert await running == 0
    store = wiring.state_store()
    assert await store.get("actor:/visits/a") == (2, 1)
    assert await store.get("actor:/visits/b") == (1, 1)


async def test_events_on_the_bus_reach_an_agent_mailbox_through_the_worker() -> None:
    from hexad.ports.bus import Rule, Target

    seen: list[dict[str, Any]] = []

    class Listener(Actor):
        async def receive(self, message: Delivery, context: ActorContext) -> Any:
            seen.append(message.json())

    worker = wiring.worker(shutdown_grace=5)
    bus = wiring.event_bus()
    target = Target("t1", "mailbox", "listener")
    await bus.put_rule(Rule("to-listener", event_pattern={"source": ["hexad.test"]}, targets=(target,)))
    queue = await ensure_agent_mailbox(worker.queues, "listener")
    worker.bind(Listener, queue, name="listener", wait_seconds=0.05)
    worker.add_service("event bus", bus.run)
    running = asyncio.ensure_future(worker.run(handle_signals=False))
    await bus.put_events([{"Source": "hexad.test", "DetailType": "thing.happened", "Detail": {"n": 1}}])
    await until(lambda: len(seen) == 1, timeout=10)
    worker.request_stop()
    assert await running == 0
    [event] = seen
    assert event["detail-type"] == "thing.happened" and event["detail"] == {"n": 1}
    assert event["traceparent"].startswith("00-")


async def test_stale_sockets_are_removed_and_a_silent_system_is_reported() -> None:
    from hexad.runtime.actors.control import query_systems

    directory = control_directory(get_settings().home)
    directory.mkdir(parents=True)
    stale = directory / "actors-999999.sock"
    server = await asyncio.start_unix_server(lambda r, w: None, path=str(stale))
    server.close()
    await server.wait_closed()
    stale.touch()

    released = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await released.wait()
        writer.close()

    silent = await asyncio.start_unix_server(never_answer, path=str(directory / "actors-1.sock"))
    try:
        answers = await query_systems(directory, timeout=0.2)
    finally:
        released.set()
        silent.close()
        await silent.wait_closed()
    assert [answer["socket"].rsplit("/", 1)[1] for answer in answers] == ["actors-1.sock"]
    assert "no answer" in answers[0]["error"]
    assert not stale.exists()


async def test_the_worker_drives_workflows_and_installs_the_agent_rules() -> None:
    import os
    import signal

    from hexad.cli.worker_cmd import _serve

    settings = get_settings()
    workflows = wiring.workflow_service(settings)
    definition = {
        "StartAt": "Pause",
        "States": {"Pause": {"Type": "Wait", "Seconds": 1, "Next": "Done"}, "Done": {"Type": "Succeed"}},
    }
    await workflows.create_state_machine("pause", definition)
    execution = await workflows.start("pause", {"n": 1})
    running = asyncio.ensure_future(_serve(settings, {"cpi": Echo}, ["cpi"], 5.0, (True, False, True)))

    async def succeeded() -> bool:
        return (await workflows.describe(execution)).status == "SUCCEEDED"

    deadline = asyncio.get_running_loop().time() + 30
    while not await succeeded():
        assert asyncio.get_running_loop().time() < deadline, "the worker did not drive the execution"
        await asyncio.sleep(0.1)
    rules = {rule.name for rule in await wiring.event_bus(settings).list_rules()}
    assert "cpi-data-imported" in rules
    os.kill(os.getpid(), signal.SIGTERM)
    assert await running == 0
