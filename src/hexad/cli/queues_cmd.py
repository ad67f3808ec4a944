"""`hexad queues ...`: list, create, send to, peek at, purge and redrive the runtime's queues.

Works on the runtime file beside a running worker: every command is one short transaction, so it
neither blocks the worker nor receives messages the worker should get (`peek` only looks).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from hexad.errors import NotFoundError, QueueLimitError
from hexad.ports.queue import (
    DEFAULT_MAX_RECEIVE_COUNT,
    DEFAULT_RETENTION_SECONDS,
    DEFAULT_VISIBILITY_TIMEOUT,
    Message,
    QueueConfig,
)
from hexad.runtime.queues import QueueService
from hexad.wiring import queue_service

__all__ = ["app"]

app = typer.Typer(help="Manage durable queues (SQS semantics).", no_args_is_help=True)

_BODY_SHOWN = 80
_ATTRIBUTE_OPTION = typer.Option(None, "--attribute", "-a", help="NAME=VALUE, repeatable")


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def _attributes(pairs: list[str]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise QueueLimitError(f"--attribute: expected NAME=VALUE, got {pair!r}")
        attributes[name] = value
    return attributes


def _message_dict(message: Message) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "body": message.body,
        "attributes": dict(message.attributes),
        "sent_at": _when(message.sent_at),
        "receive_count": message.receive_count,
        "group_id": message.group_id,
        "deduplication_id": message.deduplication_id,
        "last_error": message.last_error,
        "source_queue": message.source_queue,
    }


async def _listing(service: QueueService) -> list[dict[str, Any]]:
    rows = []
    for config in await service.list_queues():
        counts = await service.attributes(config.name)
        rows.append(
            {
                "name": config.name,
                "fifo": config.fifo,
                "visible": counts.visible,
                "in_flight": counts.in_flight,
                "delayed": counts.delayed,
                "dead_letter_queue": config.dead_letter_queue,
                "max_receive_count": config.max_receive_count,
                "visibility_timeout": config.visibility_timeout,
                "retention_seconds": config.retention_seconds,
                "delay_seconds": config.delay_seconds,
                "content_based_deduplication": config.content_based_deduplication,
            }
        )
    return rows


@app.command("list")
def list_queues(
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Every queue with its approximate message counts."""
    rows = asyncio.run(_listing(queue_service()))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Queues")
    for column in ("name", "type", "visible", "in flight", "delayed", "dead-letter queue", "max receives"):
        table.add_column(column, overflow="fold")
    table.add_column("visibility", no_wrap=True)
    for row in rows:
        table.add_row(
            row["name"], "FIFO" if row["fifo"] else "standard", str(row["visible"]), str(row["in_flight"]),
            str(row["delayed"]), row["dead_letter_queue"] or "-", str(row["max_receive_count"]),
            f"{row['visibility_timeout']:g} s",
        )  # fmt: skip
    Console().print(table)


@app.command("create")
def create(
    name: str = typer.Argument(..., help="letters, digits and _ . : / -"),
    fifo: bool = typer.Option(False, "--fifo", help="strict order per message group, deduplication"),
    dead_letter_queue: str | None = typer.Option(
        None, "--dlq", help="dead-letter queue (created if missing)"
    ),
    visibility_timeout: float = typer.Option(
        DEFAULT_VISIBILITY_TIMEOUT, "--visibility-timeout", help="seconds"
    ),
    retention: float = typer.Option(
        DEFAULT_RETENTION_SECONDS, "--retention", help="seconds a message is kept"
    ),
    delay: float = typer.Option(0.0, "--delay", help="default delay of a new message, seconds"),
    max_receive_count: int = typer.Option(DEFAULT_MAX_RECEIVE_COUNT, "--max-receive-count", help="then DLQ"),
    content_dedup: bool = typer.Option(False, "--content-dedup", help="deduplicate by the body's SHA-256"),
) -> None:
    """Create a queue, or change the settings of an existing one."""
    config = QueueConfig(
        name=name, fifo=fifo, visibility_timeout=visibility_timeout, retention_seconds=retention,
        delay_seconds=delay, dead_letter_queue=dead_letter_queue, max_receive_count=max_receive_count,
        content_based_deduplication=content_dedup,
    )  # fmt: skip

    async def run() -> None:
        service = queue_service()
        if dead_letter_queue is not None:
            await service.ensure_queue(dead_letter_queue, fifo=fifo)
        await service.create_queue(config)

    asyncio.run(run())
    typer.echo(f"queue {name} is ready")


@app.command("send")
def send(
    queue: str = typer.Argument(..., help="the queue's name"),
    body: str = typer.Argument(
        ..., help="the message body; '-' reads standard input (one final newline dropped)"
    ),
    attribute: list[str] | None = _ATTRIBUTE_OPTION,
    delay: float | None = typer.Option(None, "--delay", help="seconds before it can be received"),
    group_id: str | None = typer.Option(None, "--group-id", help="message group (FIFO queues)"),
    dedup_id: str | None = typer.Option(None, "--dedup-id", help="deduplication id (5-minute window)"),
) -> None:
    """Send one message and print its id."""
    text = sys.stdin.read().removesuffix("\n") if body == "-" else body
    service = queue_service()
    try:
        message_id = asyncio.run(
            service.send(
                queue,
                text,
                attributes=_attributes(attribute or []),
                delay_seconds=delay,
                group_id=group_id,
                deduplication_id=dedup_id,
            )
        )
    except NotFoundError as exc:
        raise NotFoundError(f"{exc}; create it with `hexad queues create {queue}`") from None
    typer.echo(message_id)


@app.command("peek")
def peek(
    queue: str = typer.Argument(..., help="the queue's name"),
    limit: int = typer.Option(10, "--limit", min=1, max=1000, help="how many messages, oldest first"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Show the oldest messages without receiving them (in-flight and delayed ones too)."""
    messages = asyncio.run(queue_service().peek(queue, limit))
    if as_json:
        typer.echo(json.dumps([_message_dict(m) for m in messages], indent=2))
        return
    table = Table(title=f"Queue {queue}")
    for column in ("message id", "sent", "receives", "group", "body", "last error"):
        table.add_column(column, overflow="fold")
    for message in messages:
        body = message.body if len(message.body) <= _BODY_SHOWN else message.body[: _BODY_SHOWN - 1] + "…"
        table.add_row(
            message.message_id, _when(message.sent_at), str(message.receive_count), message.group_id or "-",
            body, message.last_error or "-",
        )  # fmt: skip
    Console().print(table)


@app.command("redrive")
def redrive(
    dead_letter_queue: str = typer.Argument(..., help="the dead-letter queue to empty"),
    to: str | None = typer.Option(None, "--to", help="destination (default: each message's source queue)"),
    limit: int | None = typer.Option(None, "--limit", min=1, help="move at most this many"),
) -> None:
    """Move messages out of a dead-letter queue, back to where they came from."""
    moved = asyncio.run(queue_service().redrive(dead_letter_queue, to, limit=limit))
    typer.echo(f"moved {moved} message{'' if moved == 1 else 's'} from {dead_letter_queue}")


@app.command("purge")
def purge(queue: str = typer.Argument(..., help="the queue's name")) -> None:
    """Delete every message of a queue."""
    deleted = asyncio.run(queue_service().purge(queue))
    typer.echo(f"deleted {deleted} message{'' if deleted == 1 else 's'} from {queue}")
