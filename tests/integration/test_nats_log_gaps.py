"""A tail that is behind when another subject is purged still applies every record.

On NATS 2.9 a purge of one subject moves every consumer of the stream forward to that subject's first
remaining record, so a tail still catching up would skip other subjects' records (queues compact by
purging their own subject, the bus purges expired archive records). `JetStreamLog` finds and applies
the records it skipped.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
import pytest
from nats.js import api

from hexad.adapters.nats.log import JetStreamLog, delete_stream
from hexad.adapters.nats.loop import call, call_sync
from tests.support.nats import NATS_URL
from tests.support.services import require_service, unique_name

pytestmark = pytest.mark.nats

RECORDS = 40_000  # enough that the server is still pushing to the new tail when the purge lands


async def test_a_tail_behind_a_purge_of_another_subject_misses_none_of_its_records(
    request: pytest.FixtureRequest,
) -> None:
    require_service("nats")
    stream = unique_name("HEXAD_TEST").upper()
    request.addfinalizer(lambda: call_sync(delete_stream(NATS_URL, stream), 30))
    purged, kept = f"{stream}.e.{b'a'.hex()}", f"{stream}.e.{b'b'.hex()}"

    async def scenario() -> tuple[list[int], list[int]]:
        client = await nats.connect(NATS_URL)
        js = client.jetstream()
        await js.add_stream(name=stream, subjects=[f"{stream}.>"], storage=api.StorageType.FILE)
        for n in range(1, RECORDS + 1):  # core publishes: the stream stores them in this order
            await client.publish(purged if n % 2 else kept, json.dumps({"n": n}).encode())
        await client.flush()
        while (await js.stream_info(stream)).state.messages < RECORDS:
            await asyncio.sleep(0.05)

        applied: list[int] = []

        def apply(sequence: int, record: dict[str, Any]) -> None:
            if record["n"] % 2 == 0:
                applied.append(record["n"])

        log = JetStreamLog(NATS_URL, stream, apply, timeout=60)
        starting = asyncio.ensure_future(log.start())
        await asyncio.sleep(0.01)
        await js.purge_stream(stream, seq=RECORDS - 1, subject=purged)  # keeps the subject's last record
        await starting
        expected = [n for n in range(1, RECORDS + 1) if n % 2 == 0]
        await log.close()
        await client.close()
        return applied, expected

    applied, expected = await call(scenario())
    assert applied == expected
