"""Queue depth gauges (what the worker autoscaler scales on) and the worker's `/metrics` endpoint."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.api.app import create_app
from hexad.config import load_settings
from hexad.observability.exposition import process_metrics
from hexad.observability.metrics_server import serve_metrics
from hexad.observability.queue_depth import DEAD_LETTERS, DEPTH, MESSAGES, render_queue_depth
from hexad.ports.queue import OutgoingMessage
from hexad.runtime.actors.worker import ensure_agent_mailbox
from hexad.runtime.clock import ManualClock
from hexad.runtime.queues import QueueService

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def loaded_queues(tmp_path: Path) -> QueueService:
    """`mailbox-cpi`: 2 visible, 1 in flight, 1 dead letter; `jobs`: 1 visible, 1 delayed."""
    clock = ManualClock()
    queues = QueueService(SqliteQueueBackend(SqliteDatabase(tmp_path / "runtime.db")), clock)
    mailbox = await ensure_agent_mailbox(queues, "cpi")
    await queues.ensure_queue("jobs")
    sent = [OutgoingMessage(f"m{i}", group_id="g", deduplication_id=f"m{i}") for i in range(3)]
    await queues.send_batch(mailbox, sent)
    await queues.send_batch("jobs", [OutgoingMessage("now"), OutgoingMessage("later", delay_seconds=60)])
    await queues.send_batch(f"{mailbox}-dlq", [OutgoingMessage("dead", group_id="g", deduplication_id="d")])
    assert len(await queues.receive(mailbox, max_messages=1)) == 1
    return queues


async def test_depth_counts_visible_in_flight_and_delayed_and_dead_letters_apart(tmp_path: Path) -> None:
    got = samples((await render_queue_depth(await loaded_queues(tmp_path))).decode())
    mailbox = (("kind", "mailbox"), ("queue", "mailbox-cpi"))
    jobs = (("kind", "queue"), ("queue", "jobs"))
    assert got[(DEPTH, mailbox)] == 3
    assert got[(MESSAGES, (*mailbox, ("state", "visible")))] == 2
    assert got[(MESSAGES, (*mailbox, ("state", "in_flight")))] == 1
    assert got[(DEPTH, jobs)] == 2
    assert got[(MESSAGES, (*jobs, ("state", "delayed")))] == 1
    assert got[(DEAD_LETTERS, (("queue", "mailbox-cpi-dlq"),))] == 1
    # a dead-letter queue is no work for a worker: it is not in the depth the autoscaler reads
    assert not [key for key in got if key[0] == DEPTH and ("queue", "mailbox-cpi-dlq") in key[1]]


async def test_an_empty_runtime_exports_the_families_without_series(tmp_path: Path) -> None:
    queues = QueueService(SqliteQueueBackend(SqliteDatabase(tmp_path / "runtime.db")), ManualClock())
    text = (await render_queue_depth(queues)).decode()
    assert f"# TYPE {DEPTH} gauge" in text
    assert not samples(text)


async def get(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    return answer


async def test_the_worker_metrics_endpoint_serves_depth_and_the_actor_metrics(tmp_path: Path) -> None:
    queues = await loaded_queues(tmp_path)
    server = await serve_metrics("127.0.0.1", 0, lambda: process_metrics(queues))
    port = server.sockets[0].getsockname()[1]
    try:
        answer = await get(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        missing = await get(port, b"GET /other HTTP/1.1\r\n\r\n")
    finally:
        server.close()
        await server.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    got = samples(body.decode())
    assert got[(DEPTH, (("kind", "mailbox"), ("queue", "mailbox-cpi")))] == 3
    assert "# TYPE hexad_actor_messages_total counter" in body.decode()
    assert missing.startswith(b"HTTP/1.1 404")


async def test_a_failing_scrape_answers_500_and_the_server_keeps_serving(tmp_path: Path) -> None:
    calls = 0

    async def render() -> bytes:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("queue backend unreachable")
        return b"ok 1\n"

    server = await serve_metrics("127.0.0.1", 0, render)
    port = server.sockets[0].getsockname()[1]
    try:
        first = await get(port, b"GET /metrics HTTP/1.1\r\n\r\n")
        second = await get(port, b"GET /metrics HTTP/1.1\r\n\r\n")
    finally:
        server.close()
        await server.wait_closed()
    assert first.startswith(b"HTTP/1.1 500") and b"queue backend unreachable" in first
    assert second.startswith(b"HTTP/1.1 200") and second.endswith(b"ok 1\n")


def test_the_api_metrics_carry_the_queue_depth() -> None:
    app = create_app(load_settings())
    with TestClient(app) as client:
        queues: QueueService = app.state.queues
        client.portal.call(queues.ensure_queue, "jobs")  # type: ignore[union-attr]
        client.portal.call(queues.send, "jobs", "x")  # type: ignore[union-attr]
        got = samples(client.get("/metrics").text)
    assert got[(DEPTH, (("kind", "queue"), ("queue", "jobs")))] == 1
