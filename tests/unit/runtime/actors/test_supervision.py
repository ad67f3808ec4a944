"""Supervision: every strategy, directive, the restart budget, escalation and the root's last word."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hexad.runtime.actors import (
    Actor,
    ActorContext,
    ActorSystem,
    Directive,
    Status,
    decider_from,
    one_for_all,
    one_for_one,
    rest_for_one,
)
from hexad.runtime.actors.supervision import SupervisorStrategy
from hexad.runtime.clock import ManualClock
from tests.unit.runtime.actors.helpers import FAST, BoomError, Counter, supervisor, until


@pytest.fixture(autouse=True)
def _clear_journal() -> None:
    Counter.journal = []


async def _counts(system: ActorSystem, parent: str, names: list[str]) -> list[int]:
    counts = []
    for name in names:
        ref = system.lookup(f"{parent}/{name}")
        assert ref is not None
        counts.append(await ref.ask("count"))
    return counts


async def _prime(system: ActorSystem, parent: str, names: list[str]) -> None:
    await until(lambda: all(system.lookup(f"{parent}/{n}") is not None for n in names))
    for name in names:
        ref = system.lookup(f"{parent}/{name}")
        assert ref is not None
        ref.tell("x")
    assert await _counts(system, parent, names) == [1] * len(names)


async def _fail_child(system: ActorSystem, path: str) -> None:
    ref = system.lookup(path)
    assert ref is not None
    with pytest.raises(BoomError):
        await ref.ask("boom")


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (one_for_one(**FAST), [1, 0, 1]),
        (one_for_all(**FAST), [0, 0, 0]),
        (rest_for_one(**FAST), [1, 0, 0]),
    ],
    ids=["one_for_one", "one_for_all", "rest_for_one"],
)
async def test_each_strategy_restarts_the_children_it_names(
    strategy: SupervisorStrategy, expected: list[int]
) -> None:
    names = ["c0", "c1", "c2"]
    async with ActorSystem() as system:
        system.spawn(supervisor(strategy), name="sup")
        await _prime(system, "/sup", names)
        await _fail_child(system, "/sup/c1")
        await until(lambda: all(system.lookup(f"/sup/{n}").status is Status.RUNNING for n in names))  # type: ignore[union-attr]
        assert await _counts(system, "/sup", names) == expected
        restarted = {n for n, count in zip(names, expected, strict=True) if count == 0}
        assert {line.split()[1] for line in Counter.journal if line.startswith("restarting")} == restarted


async def test_resume_keeps_the_instance_and_its_state() -> None:
    strategy = one_for_one({BoomError: Directive.RESUME}, **FAST)
    async with ActorSystem(guardian_strategy=strategy) as system:
        ref = system.spawn(Counter, name="c")
        ref.tell("x")
        with pytest.raises(BoomError):
            await ref.ask("boom")
        assert await ref.ask("count") == 1
        assert not any(line.startswith("restarting") for line in Counter.journal)


async def test_stop_directive_stops_the_child_only() -> None:
    strategy = one_for_one({BoomError: Directive.STOP}, **FAST)
    async with ActorSystem() as system:
        system.spawn(supervisor(strategy), name="sup")
        await _prime(system, "/sup", ["c0", "c1"])
        await _fail_child(system, "/sup/c0")
        await until(lambda: system.lookup("/sup/c0") is None)
        assert await _counts(system, "/sup", ["c1"]) == [1]


async def test_the_decider_picks_the_most_specific_exception_type() -> None:
    decide = decider_from(
        {Exception: Directive.STOP, BoomError: Directive.RESUME, KeyError: Directive.ESCALATE}
    )
    assert decide(BoomError()) is Directive.RESUME
    assert decide(ValueError()) is Directive.STOP
    assert decide(KeyError()) is Directive.ESCALATE
    assert decider_from({KeyError: Directive.STOP})(ValueError()) is Directive.RESTART


async def test_escalate_fails_the_supervisor_whose_parent_restarts_it() -> None:
    inner = one_for_one({BoomError: Directive.ESCALATE}, **FAST)

    class Top(Actor):
        supervisor_strategy = one_for_one(**FAST)

        async def started(self, context: ActorContext) -> None:
            context.spawn(supervisor(inner, children=2), name="mid")

        async def receive(self, message: Any, context: ActorContext) -> Any:
            return None

    async with ActorSystem() as system:
        system.spawn(Top, name="top")
        await _prime(system, "/top/mid", ["c0", "c1"])
        await _fail_child(system, "/top/mid/c0")
        await until(lambda: any(r.actor == "/top/mid" for r in system.restart_log))
        await until(lambda: Counter.journal.count("started c1") == 2)
        assert await _counts(system, "/top/mid", ["c0", "c1"]) == [0, 0]
        mid = system.lookup("/top/mid")
        assert mid is not None and mid.status is Status.RUNNING


async def test_a_spent_budget_stops_the_children_and_escalates() -> None:
    tight = one_for_one(max_restarts=2, within_seconds=60, **FAST)

    class Top(Actor):
        supervisor_strategy = one_for_one({Exception: Directive.STOP}, **FAST)

        async def started(self, context: ActorContext) -> None:
            context.spawn(supervisor(tight, children=2), name="mid")

        async def receive(self, message: Any, context: ActorContext) -> Any:
            return None

    async with ActorSystem() as system:
        system.spawn(Top, name="top")
        await _prime(system, "/top/mid", ["c0", "c1"])
        for _ in range(2):
            await _fail_child(system, "/top/mid/c0")
            await until(lambda: system.lookup("/top/mid/c0").status is Status.RUNNING)  # type: ignore[union-attr]
        await _fail_child(system, "/top/mid/c0")
        await until(lambda: system.lookup("/top/mid") is None)
        escalated = [r for r in system.restart_log if r.actor == "/top/mid"]
        assert escalated and escalated[-1].error_type == "RestartBudgetExhaustedError"
        assert escalated[-1].directive == "stop"
        assert "failed more than 2 times within 60 s" in escalated[-1].error
        assert system.lookup("/top") is not None


async def test_the_budget_window_slides_with_the_clock() -> None:
    clock = ManualClock()
    strategy = one_for_one(max_restarts=1, within_seconds=10, **FAST)
    async with ActorSystem(clock=clock, guardian_strategy=strategy) as system:
        ref = system.spawn(Counter, name="c")
        with pytest.raises(BoomError):
            await ref.ask("boom")
        await until(lambda: ref.status is Status.RUNNING)
        clock.advance(11)
        with pytest.raises(BoomError):
            await ref.ask("boom")
        await until(lambda: ref.status is Status.RUNNING)
        assert ref.is_alive


async def test_the_root_logs_stops_the_top_level_actor_and_keeps_the_system_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    strategy = one_for_one({BoomError: Directive.ESCALATE}, **FAST)
    async with ActorSystem(guardian_strategy=strategy) as system:
        doomed, other = system.spawn(Counter, name="doomed"), system.spawn(Counter, name="other")
        with pytest.raises(BoomError):
            await doomed.ask("boom")
        await until(lambda: not doomed.is_alive)
        assert "the root stops it" in caplog.text
        other.tell("still here")
        assert await other.ask("count") == 1
        assert system.spawn(Counter, name="new").is_alive


async def test_restarts_wait_out_an_exponential_backoff_on_the_clock() -> None:
    clock = ManualClock()
    strategy = one_for_one(min_backoff=1.0, max_backoff=8.0, jitter=0.0)
    async with ActorSystem(clock=clock, guardian_strategy=strategy) as system:
        ref = system.spawn(Counter, name="c")
        delays = []
        for _ in range(5):
            with pytest.raises(BoomError):
                await ref.ask("boom")
            assert ref.status is Status.RESTARTING
            await asyncio.sleep(0.01)  # let the restart task start waiting on the clock
            delays.append(system.restart_log[-1].delay)
            clock.advance(delays[-1] - 0.01)
            await asyncio.sleep(0.01)
            assert ref.status is Status.RESTARTING
            clock.advance(0.02)
            await until(lambda: ref.status is Status.RUNNING)
        assert delays == [1.0, 2.0, 4.0, 8.0, 8.0]


def test_backoff_jitter_stays_within_its_band() -> None:
    strategy = one_for_one(min_backoff=0.5, max_backoff=4.0, jitter=0.2)
    for restarts in range(8):
        base = min(4.0, 0.5 * 2**restarts)
        delay = strategy.backoff(restarts)
        assert base <= delay <= base * 1.2


async def test_every_restart_is_recorded_with_time_exception_and_traceback() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock, guardian_strategy=one_for_one(**FAST)) as system:
        ref = system.spawn(Counter, name="c")
        with pytest.raises(BoomError):
            await ref.ask("boom")
        await until(lambda: ref.status is Status.RUNNING)
        [node] = system.tree()
        assert node["restarts"] == 1 and node["failures"] == 1
        assert node["last_error"] == "BoomError: boom in c"
        [record] = node["restart_log"]
        assert record["time"] == clock.time() and record["directive"] == "restart"
        assert "Traceback" in record["traceback"] and "raise BoomError" in record["traceback"]


async def test_a_failing_started_hook_is_supervised_like_a_failing_message() -> None:
    attempts: list[int] = []

    class Flaky(Actor):
        async def started(self, context: ActorContext) -> None:
            attempts.append(1)
            if len(attempts) < 3:
                raise BoomError("not yet")

        async def receive(self, message: Any, context: ActorContext) -> Any:
            return "up"

    async with ActorSystem(guardian_strategy=one_for_one(**FAST)) as system:
        ref = system.spawn(Flaky)
        assert await ref.ask("ping") == "up"
        assert len(attempts) == 3
