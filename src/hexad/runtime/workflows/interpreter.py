"""The Amazon States Language interpreter: runs one execution of a validated definition on a `Host`.

Durability is event sourcing with replay. Every state visit has a stable key (its branch scope, its
name and how many times that scope entered it); its exit, each Task attempt's outcome, each wait's
deadline and each task token are recorded in the history with that key. A restarted execution runs
the definition again from the start with those records: a state whose exit is recorded is skipped
with its recorded output, so a completed Task is never called again and a Wait keeps its original
deadline. Everything not recorded yet simply runs, so the history is the only state to keep.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from hexad.runtime.workflows.assign import (
    Assigned,
    evaluate_assign,
    jsonata_bindings,
    jsonata_output,
    value_sizes,
)
from hexad.runtime.workflows.failures import StateFailure, Suspended, find_rule, retry_delay
from hexad.runtime.workflows.host import Event, Host
from hexad.runtime.workflows.processing import (
    result_path,
)
from hexad.runtime.workflows.variables import Scope, current_scope, enter_scope, leave_scope

__all__ = ["DATA_LIMIT_BYTES", "Execution", "iso_time", "to_json"]

DATA_LIMIT_BYTES = 262_144
_YIELD_EVERY = 64
_EVENT_PREFIX = {
    "Pass": "PassState",
    "Task": "TaskState",
    "Choice": "ChoiceState",
    "Wait": "WaitState",
    "Succeed": "SucceedState",
    "Fail": "FailState",
    "Parallel": "ParallelState",
    "Map": "MapState",
}


_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def to_json(value: Any) -> str:
    return _ENCODE(value)


def iso_time(seconds: float) -> str:
    """Seconds since the epoch as Step Functions writes times (`2026-01-01T00:00:00.000Z`)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Execution:
    """One run of a definition. `run()` returns the output or raises `StateFailure`/`Suspended`."""

    def __init__(
        self,
        definition: Mapping[str, Any],
        input: Any,
        host: Host,
        *,
        execution_id: str,
        name: str,
        state_machine: str = "local",
        start_time: float | None = None,
        memo: dict[str, Any] | None = None,
    ) -> None:
        self.definition = definition
        self.input = input
        self.host = host
        self.execution_id = execution_id
        self.pending: list[Event] = []
        self.memo = memo or {}
        self.query_language: str = definition.get("QueryLanguage", "JSONPath")
        self.staged: dict[str, Assigned] = {}
        self._steps = 0
        start = host.now() if start_time is None else start_time
        self._context = {
            "Execution": {"Id": execution_id, "Input": input, "Name": name, "StartTime": iso_time(start)},
            "StateMachine": {"Id": state_machine, "Name": state_machine.rsplit(":", 1)[-1]},
        }

    # --- recording

    def record(self, type: str, details: dict[str, Any], key: str | None = None, memo: Any = None) -> None:
        """Append an event to the pending history (a recorded key is not recorded twice)."""
        if key is not None:
            if key in self.memo:
                return
            self.memo[key] = memo
        self.pending.append(Event(type, self.host.now(), details, key, memo))

    async def checkpoint(self, force: bool = False) -> None:
        """Hand new events to the host (a durable host appends them in one transaction)."""
        await self.host.checkpoint(self.pending, force)

    # --- the execution

    async def run(self) -> Any:
        """Run to the end: the output, or `StateFailure` (execution failed) / `Suspended` (wait)."""
        self.host.busy(1)
        token = enter_scope(Scope())
        try:
            return await self.run_machine(self.definition, self.input, "")
        finally:
            leave_scope(token)
            self.host.busy(-1)

    def jsonata(self, state: Mapping[str, Any]) -> bool:
        """True when `state` uses the JSONata query language (its own, else the machine's)."""
        return bool(state.get("QueryLanguage", self.query_language) == "JSONata")

    def stage(self, key: str, assigned: Assigned | None) -> None:
        """Hold a state's evaluated Assign until the state exits (then its values take effect)."""
        if assigned is not None:
            self.staged[key] = assigned

    async def run_machine(self, machine: Mapping[str, Any], data: Any, scope: str) -> Any:
        """Run a state machine (the top level, a Parallel branch, a Map iteration) to its end."""
        states = machine["States"]
        name: str | None = machine["StartAt"]
        visits: dict[str, int] = {}
        while name is not None:
            visit = visits.get(name, 0)
            visits[name] = visit + 1
            key = f"{scope}/{name}#{visit}"
            done = self.memo.get("x" + key)
            if done is not None:
                if done.get("assigned"):
                    values = done["assigned"]
                    current_scope().assign(values, value_sizes(values), name)
                data, name = done["output"], done["next"]
                continue
            data, name = await self._run_state(name, states[name], data, key)
            self._steps += 1
            if self._steps % _YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let timers and stop requests in, even in a tight loop
        return data

    def context(self, name: str, entered: float, retry: int = 0, **extra: Any) -> dict[str, Any]:
        """The context object (`$$`) for a state."""
        context = dict(self._context)
        context["State"] = {"Name": name, "EnteredTime": iso_time(entered), "RetryCount": retry}
        context.update(extra)
        return context

    async def _run_state(
        self, name: str, state: dict[str, Any], data: Any, key: str
    ) -> tuple[Any, str | None]:
        kind = state["Type"]
        prefix = _EVENT_PREFIX[kind]
        self.record(f"{prefix}Entered", {"name": name, "input": to_json(data)}, "e" + key, None)
        handler = _HANDLERS[kind]
        try:
            output, following = await handler(self, name, state, data, key)
        except StateFailure as failure:
            self.staged.pop(key, None)  # a failed state assigns nothing; its Catch may
            output, following = self._catch(name, state, data, failure, key)
        text = to_json(output)
        if len(text) > DATA_LIMIT_BYTES:
            raise StateFailure(
                "States.DataLimitExceeded",
                f"The state '{name}' produced {len(text)} bytes of output; the limit is {DATA_LIMIT_BYTES}.",
            )
        assigned = self.staged.pop(key, None)
        if assigned is not None:
            current_scope().assign(assigned[0], assigned[1], name)
        if kind != "Fail":
            memo = {"output": output, "next": following}
            details: dict[str, Any] = {"name": name, "output": text}
            if assigned is not None:
                memo["assigned"] = assigned[0]
                details["assignedVariables"] = {k: to_json(v) for k, v in assigned[0].items()}
                details["assignedVariablesDetails"] = {"truncated": False}
            self.record(f"{prefix}Exited", details, "x" + key, memo)
        await self.checkpoint(kind in ("Task", "Parallel", "Map"))
        return output, following

    def _catch(
        self, name: str, state: dict[str, Any], data: Any, failure: StateFailure, key: str
    ) -> tuple[Any, str]:
        catchers = state.get("Catch", [])
        index = find_rule(catchers, failure.error) if catchers else None
        if index is None:
            raise failure
        catcher, error = catchers[index], failure.as_output()
        field = f"Catch[{index}].Assign"
        context = self.context(name, self.host.now())
        if self.jsonata(state):
            bindings = jsonata_bindings(data, context, error=error)
            self.stage(key, evaluate_assign(catcher, name, field, bindings=bindings))
            return jsonata_output(catcher, bindings, name, error), catcher["Next"]
        self.stage(key, evaluate_assign(catcher, name, field, data=error, context=context))
        output = result_path(catcher.get("ResultPath", "$"), data, error, name, "Catch.ResultPath")
        return output, catcher["Next"]

    async def with_retry(
        self, name: str, state: dict[str, Any], key: str, body: Callable[[int], Awaitable[Any]]
    ) -> Any:
        """Run `body(attempt)` under the state's Retry rules, waiting (durably) between attempts."""
        retriers = state.get("Retry", [])
        counts = [0] * len(retriers)
        attempt = 0
        while True:
            try:
                return await body(attempt)
            except StateFailure as failure:
                index = find_rule(retriers, failure.error) if retriers else None
                if index is None or counts[index] >= retriers[index].get("MaxAttempts", 3):
                    raise
                delay = retry_delay(retriers[index], counts[index], _Chance(self.host))
                counts[index] += 1
                attempt += 1
                deadline = self._deadline(f"r{key}:{attempt}", delay)
                await self.sleep(deadline)

    def _deadline(self, key: str, seconds: float) -> float:
        recorded = self.memo.get(key)
        if recorded is not None:
            return float(recorded)
        deadline = self.host.now() + seconds
        self.memo[key] = deadline
        self.pending.append(
            Event("RetryScheduled", self.host.now(), {"until": iso_time(deadline)}, key, deadline)
        )
        return deadline

    async def sleep(self, deadline: float) -> None:
        """Sleep until a recorded deadline; checkpoint first so a suspension keeps what ran."""
        if deadline > self.host.now():
            await self.checkpoint(True)
            self.host.busy(-1)
            try:
                await self.host.sleep_until(deadline)
            finally:
                self.host.busy(1)

    async def gather(self, coroutines: Sequence[Awaitable[Any]], tolerated: int | None) -> list[Any]:
        """Run branches concurrently; results or exceptions in order; stop past `tolerated` failures."""
        loop = asyncio.get_running_loop()
        tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
        finished = loop.create_future()
        state = {"left": len(tasks), "failed": 0}

        def on_done(task: asyncio.Future[Any]) -> None:
            state["left"] -= 1
            if not task.cancelled() and isinstance(task.exception(), StateFailure):
                state["failed"] += 1
            failed_too_often = tolerated is not None and state["failed"] > tolerated
            escaped = (
                not task.cancelled()
                and task.exception() is not None
                and not isinstance(task.exception(), (StateFailure, Suspended))
            )
            if (state["left"] == 0 or failed_too_often or escaped) and not finished.done():
                finished.set_result(None)

        for task in tasks:
            task.add_done_callback(on_done)
        self.host.busy(-1)
        try:
            if tasks:
                await finished
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            self.host.busy(1)
        return list(results)

    async def branch(self, machine: Mapping[str, Any], data: Any, scope: str) -> Any:
        """One Parallel branch or Map iteration, counted as a running branch for the virtual clock."""
        self.host.busy(1)
        inner = Scope(current_scope())
        token = enter_scope(inner)
        try:
            return await self.run_machine(machine, data, scope)
        finally:
            leave_scope(token)
            inner.close()
            self.host.busy(-1)


class _Chance:
    def __init__(self, host: Host) -> None:
        self.host = host

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.host.random()


_Handler = Callable[[Execution, str, dict[str, Any], Any, str], Awaitable[tuple[Any, str | None]]]


def _register() -> dict[str, _Handler]:
    from hexad.runtime.workflows import compound, flow, task

    return {
        "Pass": flow.run_pass,
        "Succeed": flow.run_succeed,
        "Fail": flow.run_fail,
        "Choice": flow.run_choice,
        "Wait": flow.run_wait,
        "Task": task.run_task,
        "Parallel": compound.run_parallel,
        "Map": compound.run_map,
    }


class _Handlers(dict[str, _Handler]):
    def __missing__(self, kind: str) -> _Handler:
        self.update(_register())
        return self[kind]


_HANDLERS: dict[str, _Handler] = _Handlers()
