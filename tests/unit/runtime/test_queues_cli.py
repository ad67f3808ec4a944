"""`hexad queues ...` through the CLI, on the test's own HEXAD_HOME runtime file."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.errors import NotFoundError, QueueLimitError
from hexad.wiring import queue_service

runner = CliRunner()


def run(*arguments: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["queues", *arguments], input=stdin, env={"COLUMNS": "200"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_create_send_list_and_peek() -> None:
    assert run(
        "create", "jobs", "--dlq", "jobs-dlq", "--max-receive-count", "2", "--visibility-timeout", "30"
    ) == (
        0,
        "queue jobs is ready\n",
    )
    code, first_id = run("send", "jobs", '{"client": "C-1"}', "-a", "kind=test", "-a", "trace=00-1")
    assert code == 0
    assert run("send", "jobs", "-", stdin="from stdin\n")[0] == 0
    listed = json.loads(run("list", "--json")[1])
    assert [(q["name"], q["visible"], q["dead_letter_queue"], q["max_receive_count"]) for q in listed] == [
        ("jobs", 2, "jobs-dlq", 2),
        ("jobs-dlq", 0, None, 3),
    ]
    assert listed[0]["visibility_timeout"] == 30
    peeked = json.loads(run("peek", "jobs", "--json")[1])
    assert [(m["message_id"], m["body"], m["attributes"]) for m in peeked] == [
        (first_id.strip(), '{"client": "C-1"}', {"kind": "test", "trace": "00-1"}),
        (peeked[1]["message_id"], "from stdin", {}),
    ]
    code, table = run("list")
    assert code == 0 and "jobs-dlq" in table
    code, table = run("peek", "jobs", "--limit", "1")
    assert code == 0 and "C-1" in table and "from stdin" not in table


def test_fifo_send_needs_a_group() -> None:
    run("create", "orders", "--fifo", "--content-dedup")
    with pytest.raises(QueueLimitError, match="needs a group_id"):
        run("send", "orders", "x")
    code, message_id = run("send", "orders", "x", "--group-id", "c1")
    assert code == 0
    assert run("send", "orders", "x", "--group-id", "c1")[1] == message_id  # deduplicated


def test_redrive_and_purge() -> None:
    run("create", "jobs", "--dlq", "jobs-dlq", "--max-receive-count", "1")

    async def dead_letter() -> None:
        service = queue_service()
        for body in ("a", "b"):
            await service.send("jobs", body)
            [message] = await service.receive("jobs")
            await service.fail("jobs", message, f"{body} failed")

    asyncio.run(dead_letter())
    peeked = json.loads(run("peek", "jobs-dlq", "--json")[1])
    assert [(m["body"], m["last_error"], m["source_queue"]) for m in peeked] == [
        ("a", "a failed", "jobs"),
        ("b", "b failed", "jobs"),
    ]
    assert "a failed" in run("peek", "jobs-dlq")[1]
    assert run("redrive", "jobs-dlq", "--limit", "1") == (0, "moved 1 message from jobs-dlq\n")
    assert run("redrive", "jobs-dlq", "--to", "jobs") == (0, "moved 1 message from jobs-dlq\n")
    assert run("purge", "jobs") == (0, "deleted 2 messages from jobs\n")


def test_errors_name_the_queue_and_what_was_expected() -> None:
    with pytest.raises(
        NotFoundError, match="queue 'nope' does not exist; create it with `hexad queues create nope`"
    ):
        run("send", "nope", "x")
    run("create", "jobs")
    with pytest.raises(QueueLimitError, match="--attribute: expected NAME=VALUE, got 'novalue'"):
        run("send", "jobs", "x", "-a", "novalue")
