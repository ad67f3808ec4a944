"""Faults with real processes: events through rules into keyed actors on many workers; nothing lost.

The driver starts `--workers` worker processes (this file with `worker`), each holding leases on its
share of `--partitions` partitions (NATS KV) and running keyed actors on the partitions' FIFO queues
(NATS JetStream, `NatsQueueBackend`). It then matches `--events` events against event rules (Hexad's
pattern index) and sends each matching one to the keyed actor of its client (batches of 10 per
partition, the event id as deduplication id). Part-way through it injects one fault:

- `kill-worker`: `kill -9` one worker (its partitions move to the others when its leases expire; a
  replacement joins two seconds later and takes its share back);
- `restart-nats`: stop and start the NATS server (needs root);
- `restart-postgres`: restart the PostgreSQL cluster (needs root);
- `none`: no fault (the baseline).

Handlers are idempotent: one PostgreSQL state-store transaction creates `effect:<event id>` (only if
absent) and bumps the key's counter `count:<key>`. A redelivery of an applied event finds the effect
and records `redelivered:<event id>:<n>` instead. At the end: sent, handled (effects), handled twice
(redeliveries after the effect), lost (sent - handled) and effects applied twice (sum of counters -
effects). Required: lost = 0 and effects applied twice = 0.

Every run uses its own stream, KV bucket and PostgreSQL schema and removes them afterwards.

Run: `uv run python benchmarks/faults.py --fault kill-worker [--events 100000] [--workers 3]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from hexad.adapters.nats.leases import NatsKvLeases
from hexad.adapters.nats.log import delete_stream
from hexad.adapters.nats.loop import adopt_running_loop, call
from hexad.adapters.nats.queue import NatsQueueBackend
from hexad.adapters.postgres.database import PostgresDatabase
from hexad.adapters.postgres.state import PostgresStateStore
from hexad.errors import ConflictError
from hexad.ports.queue import OutgoingMessage
from hexad.ports.state import StatePut, StateStore
from hexad.runtime.actors.keyed import KeyedActor
from hexad.runtime.actors.mailbox import Delivery
from hexad.runtime.actors.ownership import partition_of, partition_queue
from hexad.runtime.actors.partitioned import PartitionedKeyedBinding, ensure_partition_queues
from hexad.runtime.actors.system import ActorContext, ActorSystem
from hexad.runtime.clock import SystemClock
from hexad.runtime.patterns import RuleIndex
from hexad.runtime.queues import QueueService

QUEUE = "faults"
NATS_URL = "nats://127.0.0.1:4222"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RESTART = {
    "restart-nats": [
        "start-stop-daemon --stop --retry 10 --exec /usr/sbin/nats-server",
        "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- "
        "-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server",
    ],
    "restart-postgres": [
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart",
    ],
}
RULES = {
    "invoices-to-client": {
        "detail-type": ["invoice.paid", "invoice.overdue"],
        "detail": {"amount": [{"numeric": [">", 0]}]},
    },
    "tickets-to-client": {"detail-type": ["ticket.closed"]},
}
KINDS = ["invoice.paid", "invoice.overdue", "ticket.closed"]


# --- the worker process


class EffectActor(KeyedActor):
    """Applies each event once: the effect and the key's counter in one version-checked transaction."""

    store: StateStore

    async def handle(self, message: Any, context: ActorContext) -> Any:
        assert isinstance(message, Delivery)
        event = message.json()
        event_id = event["id"]
        counter, version = await self.store.get(f"count:{self.key}")
        try:
            await self.store.transact(
                [
                    StatePut(
                        f"effect:{event_id}", {"key": self.key, "ms": _latency_ms(event)}, expected_version=0
                    ),
                    StatePut(f"count:{self.key}", (counter or 0) + 1, expected_version=version),
                ]
            )
        except ConflictError:
            _, applied = await self.store.get(f"effect:{event_id}")
            if not applied:
                raise  # the counter moved under us (another owner?): retry the message
            await self.store.put(f"redelivered:{event_id}:{uuid.uuid4().hex[:8]}", message.receive_count)
        return None


def _latency_ms(event: dict[str, Any]) -> float:
    """Milliseconds from the event's send to its effect (hosts share a clock: one machine)."""
    return round((time.time() - float(event.get("sent_at", time.time()))) * 1000, 2)


async def _worker(args: argparse.Namespace) -> None:
    adopt_running_loop()  # one loop in this process: NATS runs on it, no thread hop
    clock = SystemClock()
    database = PostgresDatabase(args.postgres, schema=args.schema)
    EffectActor.store = PostgresStateStore(database, clock)
    backend = NatsQueueBackend(args.nats, stream=args.stream)
    queues = QueueService(backend, clock)
    leases = NatsKvLeases(args.nats, bucket=args.bucket)
    system = ActorSystem("faults", clock=clock, state_store=EffectActor.store)
    binding = PartitionedKeyedBinding(
        system, queues, QUEUE, EffectActor, leases, member=args.member, partitions=args.partitions,
        ttl=args.ttl, concurrency=args.concurrency, idle_seconds=60, wait_seconds=1.0, retry_delay=0.5,
    )  # fmt: skip
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print(f"worker {args.member} pid {os.getpid()} up", flush=True)
    await binding.run(stop)
    await backend.close()
    await leases.close()
    database.close()


# --- the driver


def _start_worker(
    args: argparse.Namespace, names: dict[str, str], member: str, logs: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, __file__, "worker", "--member", member, "--stream", names["stream"],
        "--bucket", names["bucket"], "--schema", names["schema"], "--partitions", str(args.partitions),
        "--ttl", str(args.ttl), "--nats", args.nats, "--postgres", args.postgres,
        "--concurrency", str(args.concurrency),
    ]  # fmt: skip
    log = (logs / f"{member}.log").open("ab")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _counts(args: argparse.Namespace, schema: str) -> dict[str, int]:
    """Effects, redeliveries, the counters' sum and the send-to-effect latency percentiles."""
    sql = (
        "SELECT count(*) FILTER (WHERE key LIKE 'effect:%%') AS handled, "
        "count(*) FILTER (WHERE key LIKE 'redelivered:%%') AS twice, "
        "COALESCE(sum((value #>> '{}')::bigint) FILTER (WHERE key LIKE 'count:%%'), 0) AS counted, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY (value ->> 'ms')::float) "
        "FILTER (WHERE key LIKE 'effect:%%') AS p50, "
        "percentile_cont(0.99) WITHIN GROUP (ORDER BY (value ->> 'ms')::float) "
        "FILTER (WHERE key LIKE 'effect:%%') AS p99 "
        f"FROM {schema}.actor_state WHERE NOT deleted"
    )
    try:
        with psycopg.connect(args.postgres, connect_timeout=5) as conn:
            row = conn.execute(sql).fetchone()
    except psycopg.Error:
        return {}  # the server is restarting, or the table is not there yet
    assert row is not None
    return {
        "handled": int(row[0]), "twice": int(row[1]), "counted": int(row[2]),
        "p50_ms": round(row[3] or 0), "p99_ms": round(row[4] or 0),
    }  # fmt: skip


def _fault(name: str, workers: list[subprocess.Popen[bytes]]) -> str:
    if name == "kill-worker":
        victim = workers[0]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        return f"kill -9 worker pid {victim.pid}"
    for command in RESTART[name]:
        subprocess.run(["bash", "-c", command], check=True, capture_output=True, timeout=120)
    return name


async def _send_all(queues: QueueService, args: argparse.Namespace, on_progress: Any) -> int:
    index = RuleIndex()
    for name, pattern in RULES.items():
        index.add(name, pattern)
    pending: dict[str, list[OutgoingMessage]] = {}
    sent = 0

    async def flush(queue: str) -> None:
        batch = pending.pop(queue, [])
        for attempt in range(600):  # a server restart makes sends fail for a while: retry (dedup ids)
            try:
                await queues.send_batch(queue, batch)
                return
            except Exception as error:
                if attempt % 20 == 0:
                    print(f"send to {queue} failed ({error!r}); retrying", flush=True)
                await asyncio.sleep(0.25)
        raise RuntimeError(f"could not send to {queue} for 150 s")

    for n in range(args.events):
        client = f"C-{n % args.keys:05d}"
        event = {
            "id": f"e{n:08d}", "detail-type": KINDS[n % len(KINDS)], "source": "hexad.faults",
            "detail": {"client": client, "amount": 10 + n % 90},
        }  # fmt: skip
        if not index.match(event):
            continue
        queue = partition_queue(QUEUE, partition_of(client, args.partitions))
        event["sent_at"] = time.time()
        pending.setdefault(queue, []).append(
            OutgoingMessage(json.dumps(event), group_id=client, deduplication_id=event["id"])
        )
        sent += 1
        if len(pending[queue]) == 10:
            await flush(queue)
        await on_progress(sent)
    for queue in list(pending):
        await flush(queue)
    return sent


async def _drive(args: argparse.Namespace) -> dict[str, Any]:
    run = uuid.uuid4().hex[:10]
    names = {"stream": f"HEXAD_FAULTS_{run}", "bucket": f"hexad_faults_{run}", "schema": f"faults_{run}"}
    logs = Path(args.logs or f"/tmp/hexad-faults-{run}")
    logs.mkdir(parents=True, exist_ok=True)
    adopt_running_loop()
    clock = SystemClock()
    backend = NatsQueueBackend(args.nats, stream=names["stream"])
    queues = QueueService(backend, clock)
    database = PostgresDatabase(args.postgres, schema=names["schema"])
    PostgresStateStore(database, clock)  # creates the schema and table before the workers count
    await ensure_partition_queues(queues, QUEUE, args.partitions, visibility_timeout=args.visibility)
    workers = [_start_worker(args, names, f"w{n}", logs) for n in range(args.workers)]
    fault_at = int(args.events * args.fault_at)
    injected: list[str] = []
    started = time.perf_counter()

    async def progress(sent: int) -> None:
        if sent == fault_at and args.fault != "none" and not injected:
            injected.append(await asyncio.to_thread(_fault, args.fault, workers))
            print(f"fault after {sent} events: {injected[-1]}", flush=True)
            if args.fault == "kill-worker":
                await asyncio.sleep(2.0)
                workers.append(_start_worker(args, names, f"w{len(workers)}", logs))

    try:
        sent = await _send_all(queues, args, progress)
        sent_seconds = time.perf_counter() - started
        counts: dict[str, int] = {}
        last_change, last_handled = time.monotonic(), -1
        while time.monotonic() - last_change < args.stall:
            counts = _counts(args, names["schema"]) or counts
            if counts.get("handled", 0) != last_handled:
                last_handled, last_change = counts.get("handled", 0), time.monotonic()
            if last_handled >= sent:
                break
            await asyncio.sleep(1.0)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(1.0)  # redeliveries still in flight get counted
        counts = _counts(args, names["schema"]) or counts
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        await _cleanup(args, names, backend)
        database.close()
    handled = counts.get("handled", 0)
    return {
        "fault": args.fault, "injected": injected[0] if injected else "-", "workers": args.workers,
        "events": args.events, "sent": sent, "handled": handled, "handled_twice": counts.get("twice", 0),
        "lost": sent - handled, "effects_applied_twice": counts.get("counted", 0) - handled,
        "send_seconds": round(sent_seconds, 1), "seconds": round(elapsed, 1),
        "events_per_second": round(handled / elapsed) if elapsed else 0,
        "p50_ms": counts.get("p50_ms", 0), "p99_ms": counts.get("p99_ms", 0),
    }  # fmt: skip


async def _cleanup(args: argparse.Namespace, names: dict[str, str], backend: NatsQueueBackend) -> None:
    await backend.close()
    await call(delete_stream(args.nats, names["stream"]))
    leases = NatsKvLeases(args.nats, bucket=names["bucket"])
    await leases.delete_bucket()
    await leases.close()
    with contextlib.suppress(psycopg.Error), psycopg.connect(args.postgres, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {names['schema']} CASCADE")


def _print(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"faults: {result['fault']} ({result['injected']})")
    for column in ("workers", "sent", "handled", "handled_twice", "lost", "effects_applied_twice", "seconds",
                   "events_per_second"):  # fmt: skip
        table.add_column(column.replace("_", " "), justify="right")
    table.add_row(*(str(result[c]) for c in (
        "workers", "sent", "handled", "handled_twice", "lost", "effects_applied_twice", "seconds",
        "events_per_second",
    )))  # fmt: skip
    Console().print(table)
    print(json.dumps({"benchmark": "faults", **result}))


def _arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("mode", nargs="?", default="drive", choices=["drive", "worker"])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--fault", default="kill-worker", choices=["none", "kill-worker", *RESTART])
    parser.add_argument(
        "--fault-at", type=float, default=0.3, help="fraction of events sent before the fault"
    )
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=2, help="keyed pumps per partition")
    parser.add_argument("--keys", type=int, default=500)
    parser.add_argument("--ttl", type=float, default=3.0, help="lease TTL in seconds")
    parser.add_argument("--visibility", type=float, default=5.0, help="visibility timeout of the mailboxes")
    parser.add_argument("--stall", type=float, default=60.0, help="give up after this long without progress")
    parser.add_argument("--nats", default=NATS_URL)
    parser.add_argument("--postgres", default=POSTGRES_URL)
    parser.add_argument("--logs", default=None, help="folder for the workers' logs")
    parser.add_argument("--member", default="w0")
    parser.add_argument("--stream", default="")
    parser.add_argument("--bucket", default="")
    parser.add_argument("--schema", default="")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    args = _arguments(argv)
    if args.mode == "worker":
        asyncio.run(_worker(args))
        return None
    result = asyncio.run(_drive(args))
    _print(result)
    return result


if __name__ == "__main__":
    main()
