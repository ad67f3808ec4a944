"""Actors: in-process tell and ping-pong throughput against Pykka, spawn rate, memory, durable mailboxes.

1. `tell` throughput: one sender tells N messages to one actor on one event loop (one core); the
   clock stops when the actor has handled the last one. Pykka (threads) runs the same. Hexad runs
   on asyncio's default loop and on uvloop (what `hexad worker` uses when it is installed).
2. Ping-pong: two actors pass one message back and forth; Pykka runs the same conversation.
3. Spawn rate and memory per idle actor: spawn N actors (each runs `started`), then measure the
   resident set growth per actor and how many would fit in 1 GiB.
4. Durable mailbox throughput: messages through a `MailboxBinding` on the SQLite runtime file
   (standard queue, batches of 10; FIFO queue, one at a time), beside a bare receive/delete loop on
   the same queue service (the floor an actor binding adds to).

Medians of several runs. Run: `uv run python benchmarks/actors_throughput.py [--quick]`
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pykka
from rich.console import Console
from rich.table import Table

from hexad.runtime.actors import Actor, ActorContext, ActorSystem
from hexad.runtime.actors.worker import event_loop_factory

QUICK = "--quick" in sys.argv
RUNS = 3 if QUICK else 5
TELLS = 100_000 if QUICK else 300_000
PINGS = 20_000 if QUICK else 50_000
PYKKA_TELLS = 20_000 if QUICK else 50_000
PYKKA_PINGS = 5_000 if QUICK else 10_000
IDLE_ACTORS = 20_000 if QUICK else 100_000
DURABLE = 500 if QUICK else 2_000


# --- Hexad ------------------------------------------------------------------------------------------


class Sink(Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any, context: ActorContext) -> Any:
        self.count += 1
        return self.count


class Player(Actor):
    async def receive(self, message: Any, context: ActorContext) -> Any:
        remaining, partner, done = message
        if remaining == 0:
            done.set_result(None)
        else:
            partner.tell((remaining - 1, context.ref, done))


class Idle(Actor):
    async def receive(self, message: Any, context: ActorContext) -> Any:
        return None


async def hexad_tell(count: int) -> float:
    async with ActorSystem() as system:
        sink = system.spawn(Sink)
        await sink.ask("warm-up")
        started = time.perf_counter()
        for number in range(count):
            sink.tell(number)
        await sink.ask("last", timeout=None)
        return count / (time.perf_counter() - started)


async def hexad_ping_pong(count: int) -> float:
    async with ActorSystem() as system:
        ping, pong = system.spawn(Player), system.spawn(Player)
        await ping.ask((0, pong, asyncio.get_running_loop().create_future()))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        ping.tell((count, pong, done))
        await done
        return count / (time.perf_counter() - started)


def _rss_bytes() -> int:
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def hexad_spawn(count: int) -> tuple[float, float]:
    system = ActorSystem()
    gc.collect()
    before = _rss_bytes()
    started = time.perf_counter()
    refs = [system.spawn(Idle) for _ in range(count)]
    await refs[-1].ask("ready", timeout=None)
    await asyncio.sleep(0)
    rate = count / (time.perf_counter() - started)
    gc.collect()
    per_actor = (_rss_bytes() - before) / count
    await system.shutdown()
    return rate, per_actor


# --- Pykka (the baseline) -------------------------------------------------------------------------


class PykkaSink(pykka.ThreadingActor):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def on_receive(self, message: Any) -> Any:
        self.count += 1
        return self.count


class PykkaPlayer(pykka.ThreadingActor):  # type: ignore[misc]
    def on_receive(self, message: Any) -> Any:
        remaining, partner, done = message
        if remaining == 0:
            done.set()
        else:
            partner.tell((remaining - 1, self.actor_ref, done))


def pykka_tell(count: int) -> float:
    sink = PykkaSink.start()
    sink.ask("warm-up")
    started = time.perf_counter()
    for number in range(count):
        sink.tell(number)
    sink.ask("last")
    rate = count / (time.perf_counter() - started)
    sink.stop()
    return rate


def pykka_ping_pong(count: int) -> float:
    ping, pong = PykkaPlayer.start(), PykkaPlayer.start()
    done = threading.Event()
    started = time.perf_counter()
    ping.tell((count, pong, done))
    done.wait()
    rate = count / (time.perf_counter() - started)
    pykka.ActorRegistry.stop_all()
    return rate


# --- durable mailboxes ------------------------------------------------------------------------------


async def durable(count: int, fifo: bool) -> tuple[float, float]:
    """Messages/s through a MailboxBinding, and through a bare receive/delete loop."""
    from hexad import wiring
    from hexad.ports.queue import OutgoingMessage
    from hexad.runtime.actors.mailbox import MailboxBinding

    queues = wiring.queue_service()
    name = f"bench-{'fifo' if fifo else 'std'}-{time.monotonic_ns()}"
    await queues.ensure_queue(name, fifo=fifo)

    async def fill(round_name: str) -> None:
        for start in range(0, count, 10):
            batch = [
                OutgoingMessage(
                    f"m{n}", group_id=f"g{n % 4}" if fifo else None, deduplication_id=f"{round_name}-{n}"
                )
                for n in range(start, min(count, start + 10))
            ]
            await queues.send_batch(name, batch)

    await fill("actor")
    system = ActorSystem()
    binding = MailboxBinding(system.spawn(Sink), queues, name, wait_seconds=0.05)
    started = time.perf_counter()
    binding.start()
    while binding.delivered < count:
        await asyncio.sleep(0.005)
    actor_rate = count / (time.perf_counter() - started)
    await binding.stop()
    await system.shutdown()

    await fill("bare")
    started = time.perf_counter()
    done = 0
    while done < count:
        for message in await queues.receive(name, max_messages=1 if fifo else 10):
            await queues.delete(name, message.receipt_handle)
            done += 1
    return actor_rate, count / (time.perf_counter() - started)


# --- report -------------------------------------------------------------------------------------------


def median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def on_loop(factory: Callable[[], asyncio.AbstractEventLoop] | None, make: Callable[[], Any]) -> Any:
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(make())


def main() -> None:
    os.environ.setdefault("HEXAD_HOME", tempfile.mkdtemp(prefix="hexad-bench-"))
    uvloop = event_loop_factory()
    tell = median(RUNS, lambda: on_loop(None, lambda: hexad_tell(TELLS)))
    tell_uvloop = median(RUNS, lambda: on_loop(uvloop, lambda: hexad_tell(TELLS))) if uvloop else 0.0
    pykka_tell_rate = median(RUNS, lambda: pykka_tell(PYKKA_TELLS))
    ping = median(RUNS, lambda: on_loop(None, lambda: hexad_ping_pong(PINGS)))
    ping_uvloop = median(RUNS, lambda: on_loop(uvloop, lambda: hexad_ping_pong(PINGS))) if uvloop else 0.0
    pykka_ping = median(RUNS, lambda: pykka_ping_pong(PYKKA_PINGS))
    spawns = [asyncio.run(hexad_spawn(IDLE_ACTORS)) for _ in range(3)]
    spawn_rate = statistics.median(rate for rate, _ in spawns)
    per_actor = statistics.median(size for _, size in spawns)
    standard = [asyncio.run(durable(DURABLE, fifo=False)) for _ in range(3)]
    fifo = [asyncio.run(durable(DURABLE // 2, fifo=True)) for _ in range(3)]
    results = {
        "tell_per_s": tell,
        "tell_uvloop_per_s": tell_uvloop,
        "pykka_tell_per_s": pykka_tell_rate,
        "ping_pong_per_s": ping,
        "ping_pong_uvloop_per_s": ping_uvloop,
        "pykka_ping_pong_per_s": pykka_ping,
        "spawn_per_s": spawn_rate,
        "bytes_per_idle_actor": per_actor,
        "idle_actors_per_gib": (1 << 30) / per_actor if per_actor > 0 else float("inf"),
        "durable_standard_per_s": statistics.median(a for a, _ in standard),
        "bare_queue_standard_per_s": statistics.median(b for _, b in standard),
        "durable_fifo_per_s": statistics.median(a for a, _ in fifo),
        "bare_queue_fifo_per_s": statistics.median(b for _, b in fifo),
    }
    table = Table(title=f"actors (median of {RUNS} runs; durable and spawn: 3)")
    for column in ("measure", "hexad", "baseline", "ratio"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    rows = [
        ("tell msg/s (one core, asyncio)", "tell_per_s", "pykka_tell_per_s", "Pykka"),
        ("tell msg/s (one core, uvloop)", "tell_uvloop_per_s", "pykka_tell_per_s", "Pykka"),
        ("ping-pong msg/s (asyncio)", "ping_pong_per_s", "pykka_ping_pong_per_s", "Pykka"),
        ("ping-pong msg/s (uvloop)", "ping_pong_uvloop_per_s", "pykka_ping_pong_per_s", "Pykka"),
        (
            "durable mailbox msg/s, standard",
            "durable_standard_per_s",
            "bare_queue_standard_per_s",
            "bare queue",
        ),
        ("durable mailbox msg/s, FIFO", "durable_fifo_per_s", "bare_queue_fifo_per_s", "bare queue"),
    ]
    for label, ours, theirs, name in rows:
        ratio = results[ours] / results[theirs]
        table.add_row(label, f"{results[ours]:,.0f}", f"{results[theirs]:,.0f} ({name})", f"{ratio:.1f}x")
    table.add_row("spawn actors/s", f"{spawn_rate:,.0f}", "", "")
    table.add_row("bytes per idle actor", f"{per_actor:,.0f}", "", "")
    table.add_row("idle actors per GiB", f"{results['idle_actors_per_gib']:,.0f}", "target 100,000", "")
    Console().print(table)
    print(
        json.dumps(
            {"benchmark": "actors_throughput", "quick": QUICK, **{k: round(v, 1) for k, v in results.items()}}
        )
    )


if __name__ == "__main__":
    main()
