"""Actors: tell, ask, spawn at run time, hooks, stop and dead letters."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hexad.errors import ActorError, ActorStoppedError, AskTimeoutError
from hexad.runtime.actors import Actor, ActorContext, ActorSystem, Status
from hexad.runtime.clock import ManualClock
from tests.unit.runtime.actors.helpers import Counter, until


@pytest.fixture(autouse=True)
def _clear_journal() -> None:
    Counter.journal = []


async def test_messages_are_handled_in_the_order_they_were_told() -> None:
    async with ActorSystem() as system:
        ref = system.spawn(Counter, name="counter")
        for number in range(1000):
            ref.tell(number)
        assert await ref.ask("seen") == list(range(1000))


async def test_ask_returns_what_receive_returns_and_raises_what_it_raises() -> None:
    async with ActorSystem() as system:
        ref = system.spawn(Counter)
        ref.tell("a")
        assert await ref.ask("count") == 1
        with pytest.raises(Exception, match="boom in"):
            await ref.ask("boom")


async def test_ask_times_out_on_the_system_clock() -> None:
    class Silent(Actor):
        async def receive(self, message: Any, context: ActorContext) -> Any:
            await asyncio.Event().wait()

    clock = ManualClock()
    system = ActorSystem(clock=clock)
    ref = system.spawn(Silent)
    question = asyncio.ensure_future(ref.ask("hello?", timeout=30))
    await asyncio.sleep(0.01)
    assert not question.done()
    clock.advance(31)
    with pytest.raises(AskTimeoutError, match="did not answer within 30 s"):
        await question
    await system.shutdown(grace=0)


async def test_actors_spawn_children_at_run_time_and_find_them_by_path() -> None:
    class Parent(Actor):
        async def receive(self, message: Any, context: ActorContext) -> Any:
            child = context.spawn(Counter, name=message)
            child.tell("hi")
            return child.path

    async with ActorSystem() as system:
        parent = system.spawn(Parent, name="parent")
        path = await parent.ask("kid")
        assert path == "/parent/kid"
        kid = system.lookup("/parent/kid")
        assert kid is not None
        assert await kid.ask("count") == 1


async def test_sibling_names_are_unique_and_checked() -> None:
    async with ActorSystem() as system:
        system.spawn(Counter, name="same")
        with pytest.raises(ActorError, match="already runs"):
            system.spawn(Counter, name="same")
        with pytest.raises(ActorError, match="invalid actor name"):
            system.spawn(Counter, name="a/b")


async def test_stop_runs_hooks_children_first_and_counts_dead_letters() -> None:
    class Parent(Actor):
        async def started(self, context: ActorContext) -> None:
            context.spawn(Counter, name="kid")

        async def receive(self, message: Any, context: ActorContext) -> Any:
            return None

        async def stopping(self, context: ActorContext) -> None:
            Counter.journal.append("stopping parent")

    system = ActorSystem()
    parent = system.spawn(Parent, name="parent")
    await parent.ask("ready")
    await until(lambda: system.lookup("/parent/kid") is not None)
    kid = system.lookup("/parent/kid")
    assert kid is not None
    await kid.ask("count")
    await parent.stop()
    assert Counter.journal[-2:] == ["stopping kid", "stopping parent"]
    assert not kid.is_alive and parent.status is Status.STOPPED
    kid.tell("lost")
    assert system.dead_letters == 1
    with pytest.raises(ActorStoppedError):
        await kid.ask("count")
    assert system.lookup("/parent") is None


async def test_stop_lets_the_message_in_hand_finish() -> None:
    finished: list[str] = []

    class Slow(Actor):
        async def receive(self, message: Any, context: ActorContext) -> Any:
            await asyncio.sleep(0.05)
            finished.append(message)

    system = ActorSystem()
    ref = system.spawn(Slow)
    ref.tell("in hand")
    ref.tell("queued")
    await asyncio.sleep(0.01)
    await ref.stop()
    assert finished == ["in hand"]
    assert system.dead_letters == 1


async def test_an_actor_can_stop_itself_from_receive() -> None:
    class Quitter(Actor):
        async def receive(self, message: Any, context: ActorContext) -> Any:
            context.stop(context.ref)
            return "bye"

    async with ActorSystem() as system:
        ref = system.spawn(Quitter)
        assert await ref.ask("quit") == "bye"
        await until(lambda: not ref.is_alive)


async def test_a_busy_actor_does_not_starve_the_others() -> None:
    order: list[str] = []

    class Recorder(Actor):
        async def receive(self, message: Any, context: ActorContext) -> Any:
            order.append(message)

    async with ActorSystem() as system:
        busy, other = system.spawn(Recorder), system.spawn(Recorder)
        await busy.ask("warm")
        await other.ask("warm")
        for _ in range(2000):
            busy.tell("busy")
        other.tell("other")
        await busy.ask("done")
        assert order.index("other") < 1000
