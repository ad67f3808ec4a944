"""`run_local`: run a definition in memory, on a virtual clock, and return its result and full history.

Time is virtual: it stands still while any branch works and jumps to the next deadline (a Wait, a
retry interval, a timeout) once every branch is waiting, so a 90-day Wait takes no time and results
are reproducible. `max_seconds` bounds the real time a run may take (a resource that hangs, a loop
that never ends); past it the result is TIMED_OUT.

A `.waitForTaskToken` resource gets its token in the context object (`$$.Task.Token`); as nothing
else can answer in memory, a value it returns (other than None) is taken as the token's success
output, and raising fails the task. Returning None leaves the task waiting until its TimeoutSeconds.
A Task's TimeoutSeconds counts in virtual time and, since virtual time stands still while the task
runs, in real time too.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
import json
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hexad.errors import WorkflowError
from hexad.runtime.workflows.definition import parse_definition
from hexad.runtime.workflows.failures import StateFailure, Suspended
from hexad.runtime.workflows.host import Event, TaskCall
from hexad.runtime.workflows.interpreter import Execution, to_json

__all__ = ["ExecutionResult", "ExecutionStatus", "VirtualClock", "run_local", "run_local_async"]

ExecutionStatus = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@dataclass
class ExecutionResult:
    """How an execution ended: `output` when SUCCEEDED, `error`/`cause` when FAILED or TIMED_OUT."""

    status: ExecutionStatus
    output: Any = None
    error: str | None = None
    cause: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def events(self, type: str) -> list[dict[str, Any]]:
        """The history events of one type, in order."""
        return [event for event in self.history if event["type"] == type]


class VirtualClock:
    """Time that jumps to the next deadline when no branch is running (`busy` count at zero)."""

    def __init__(self, start: float = _START) -> None:
        self.now = start
        self.active = 0
        self._sleepers: list[tuple[float, int, asyncio.Future[None], bool]] = []
        self._order = itertools.count()
        self._checking = False

    def busy(self, delta: int) -> None:
        self.active += delta
        if self.active <= 0 and not self._checking:
            self._checking = True
            asyncio.get_running_loop().call_soon(self._check, 2)

    def _check(self, hops: int) -> None:
        if self.active > 0:
            self._checking = False
            return
        if hops:
            asyncio.get_running_loop().call_soon(self._check, hops - 1)
            return
        self._checking = False
        self._advance()

    def _advance(self) -> None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        if not self._sleepers:
            return
        self.now = max(self.now, self._sleepers[0][0])
        while self._sleepers and self._sleepers[0][0] <= self.now:
            _, _, future, idle = heapq.heappop(self._sleepers)
            if not future.done():
                if idle:
                    self.active += 1  # the sleeper counts as running from the moment it is woken
                future.set_result(None)

    async def sleep_until(self, deadline: float, *, idle: bool) -> None:
        """Wait for virtual `deadline`; an `idle` sleeper's caller already counted itself as waiting."""
        if deadline <= self.now:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._order), future, idle))
        if self.active <= 0:
            self.busy(0)
        try:
            await future
        finally:
            if idle and future.done() and not future.cancelled():
                self.active -= 1  # undo the wake-up's count; the caller counts itself running again


class _LocalHost:
    def __init__(self, resources: Mapping[str, Callable[..., Any]], clock: VirtualClock) -> None:
        self.resources = resources
        self.clock = clock
        self.history: list[Event] = []
        self.answers: dict[str, asyncio.Future[Any]] = {}

    def now(self) -> float:
        return self.clock.now

    def busy(self, delta: int) -> None:
        self.clock.busy(delta)

    async def sleep_until(self, deadline: float) -> None:
        await self.clock.sleep_until(deadline, idle=True)

    async def timer(self, deadline: float) -> None:
        # A running task holds virtual time still, so its timeout also counts in real time.
        real = asyncio.ensure_future(asyncio.sleep(max(0.0, deadline - self.clock.now)))
        virtual = asyncio.ensure_future(self.clock.sleep_until(deadline, idle=False))
        try:
            await asyncio.wait({real, virtual}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            real.cancel()
            virtual.cancel()

    async def invoke(self, call: TaskCall, payload: Any) -> Any:
        handler = self.resources.get(call.resource)
        if handler is None:
            raise StateFailure(
                "States.Runtime",
                f"The state '{call.state}': no resource named {call.resource!r} was given to run_local",
            )
        result = handler(payload)
        if inspect.isawaitable(result):
            result = await result
        else:
            await asyncio.sleep(0)  # a blocking resource still lets run_local's time limit in
        if call.token is not None and result is not None:
            self.answers[call.token].set_result(result)
        return result

    def new_token(self) -> str:
        return uuid.uuid4().hex

    async def open_token(self, token: str, started: float) -> None:
        self.answers[token] = asyncio.get_running_loop().create_future()

    async def await_token(self, token: str, deadline: float, heartbeat: float | None) -> Any:
        answer = self.answers[token]
        beat = self.clock.now + heartbeat if heartbeat is not None else deadline
        timer = asyncio.ensure_future(self.clock.sleep_until(min(deadline, beat), idle=False))
        await asyncio.wait({answer, timer}, return_when=asyncio.FIRST_COMPLETED)
        timer.cancel()
        if answer.done():
            return answer.result()
        if beat < deadline:  # nothing in memory can send a heartbeat
            raise StateFailure("States.HeartbeatTimeout", f"No heartbeat for {heartbeat:g} seconds.")
        raise StateFailure("States.Timeout", "The task token was not answered before the task's timeout.")

    async def checkpoint(self, events: list[Event], force: bool) -> None:
        self.history.extend(events)
        events.clear()

    def random(self) -> float:
        return random.random()


def _public(events: list[Event]) -> list[dict[str, Any]]:
    out = []
    for index, event in enumerate(events, start=1):
        event.id = index
        out.append(event.public(index - 1))
    return out


def run_local(
    definition: Mapping[str, Any] | str,
    input: Any,
    *,
    resources: Mapping[str, Callable[..., Any]] | None = None,
    max_seconds: float = 60,
) -> ExecutionResult:
    """Run `definition` on `input` in memory; Task resources are looked up in `resources`."""
    machine = parse_definition(definition)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_run(machine, input, dict(resources or {}), max_seconds))
    raise WorkflowError("run_local runs its own event loop; from async code, use run_local_async")


async def run_local_async(
    definition: Mapping[str, Any] | str,
    input: Any,
    *,
    resources: Mapping[str, Callable[..., Any]] | None = None,
    max_seconds: float = 60,
) -> ExecutionResult:
    """`run_local` for callers already inside an event loop."""
    return await _run(parse_definition(definition), input, dict(resources or {}), max_seconds)


async def _run(
    machine: dict[str, Any], input: Any, resources: dict[str, Any], max_seconds: float
) -> ExecutionResult:
    clock = VirtualClock()
    host = _LocalHost(resources, clock)
    name = uuid.uuid4().hex
    execution = Execution(machine, input, host, execution_id=f"local:{name}", name=name)
    execution.record("ExecutionStarted", {"input": to_json(input)})
    result = await _outcome(execution, machine, clock, max_seconds)
    await host.checkpoint(execution.pending, True)
    result.history = _public(host.history)
    return result


async def _outcome(
    execution: Execution, machine: dict[str, Any], clock: VirtualClock, max_seconds: float
) -> ExecutionResult:
    limit = machine.get("TimeoutSeconds")
    work = asyncio.ensure_future(execution.run())
    timer = asyncio.ensure_future(clock.sleep_until(clock.now + limit, idle=False)) if limit else None
    waiting = {work} | ({timer} if timer else set())
    done, _ = await asyncio.wait(waiting, timeout=max_seconds, return_when=asyncio.FIRST_COMPLETED)
    if timer is not None:
        timer.cancel()
    if work not in done:
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        cause = (
            f"the execution ran longer than {limit} seconds"
            if done
            else f"run_local gave up after {max_seconds:g} s"
        )
        execution.record("ExecutionTimedOut", {"error": "States.Timeout", "cause": cause})
        return ExecutionResult("TIMED_OUT", error="States.Timeout", cause=cause)
    return _ending(execution, work)


def _ending(execution: Execution, work: asyncio.Future[Any]) -> ExecutionResult:
    exc = work.exception()
    if exc is None:
        output = work.result()
        execution.record("ExecutionSucceeded", {"output": to_json(output)})
        return ExecutionResult("SUCCEEDED", output=json.loads(to_json(output)))
    if isinstance(exc, StateFailure):
        execution.record("ExecutionFailed", {"error": exc.error, "cause": exc.cause})
        return ExecutionResult("FAILED", error=exc.error, cause=exc.cause)
    if isinstance(exc, Suspended):
        raise WorkflowError("an in-memory execution cannot suspend") from exc
    raise exc
