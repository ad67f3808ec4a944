"""The Task state: call a resource (or hand out a task token and wait), with timeouts, heartbeats and retries.

Each attempt's outcome is recorded under the attempt's key before the state moves on, so a restarted
execution replays a finished attempt instead of calling the resource again. For `.waitForTaskToken`
the token is recorded once the resource has been called (TaskSubmitted): after a restart the task
waits for that same token rather than calling the resource a second time.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hexad.runtime.workflows.assign import (
    POSITIVE_INTEGER,
    evaluate_assign,
    jsonata_bindings,
    jsonata_output,
    jsonata_value,
    number_field,
)
from hexad.runtime.workflows.failures import StateFailure, error_of
from hexad.runtime.workflows.host import TaskCall
from hexad.runtime.workflows.interpreter import Execution, to_json
from hexad.runtime.workflows.processing import (
    apply_template,
    input_path,
    output_path,
    state_result_path,
)

__all__ = ["TOKEN_SUFFIX", "run_task"]

TOKEN_SUFFIX = ".waitForTaskToken"
_DEFAULT_TIMEOUT = 99_999_999.0


async def run_task(
    run: Execution, name: str, state: dict[str, Any], data: Any, key: str
) -> tuple[Any, str | None]:
    """Run a Task state: input processing, attempts under Retry, result processing."""
    entered = run.host.now()
    context = run.context(name, entered)
    jsonata = run.jsonata(state)
    effective = data if jsonata else input_path(state, data, context, name)

    async def attempt(number: int) -> Any:
        return await _attempt(run, name, state, effective, f"{key}:{number}", number)

    result = await run.with_retry(name, state, key, attempt)
    if jsonata:
        bindings = jsonata_bindings(data, context, result=result)
        run.stage(key, evaluate_assign(state, name, "Assign", bindings=bindings))
        return jsonata_output(state, bindings, name, result), state.get("Next")
    if "ResultSelector" in state:
        result = apply_template(state["ResultSelector"], result, context, name, "ResultSelector")
    run.stage(key, evaluate_assign(state, name, "Assign", data=result, context=context))
    output = state_result_path(state, data, result, name)
    return output_path(state, output, context, name), state.get("Next")


def _payload(run: Execution, state: dict[str, Any], effective: Any, context: Any, name: str) -> Any:
    """What the resource gets: Parameters (JSONPath) or Arguments (JSONata) applied, else the input."""
    if run.jsonata(state):
        if "Arguments" not in state:
            return effective
        return jsonata_value(state["Arguments"], jsonata_bindings(effective, context), name, "Arguments")
    if "Parameters" in state:
        return apply_template(state["Parameters"], effective, context, name, "Parameters")
    return effective


async def _attempt(
    run: Execution, name: str, state: dict[str, Any], effective: Any, key: str, number: int
) -> Any:
    done = run.memo.get("t" + key)
    if done is not None:
        if done["ok"]:
            return done["output"]
        raise StateFailure(done["error"], done["cause"])
    resource: str = state["Resource"]
    waits = resource.endswith(TOKEN_SUFFIX)
    base = resource[: -len(TOKEN_SUFFIX)] if waits else resource
    submitted = run.memo.get("s" + key)
    token = submitted["token"] if submitted else (run.host.new_token() if waits else None)
    context = run.context(name, run.host.now(), number, **({"Task": {"Token": token}} if token else {}))
    try:
        bindings = jsonata_bindings(effective, context) if run.jsonata(state) else None
        at = (effective, context, bindings)
        timeout = number_field(state, "TimeoutSeconds", at, name, POSITIVE_INTEGER)
        heartbeat = number_field(state, "HeartbeatSeconds", at, name, POSITIVE_INTEGER)
        payload = _payload(run, state, effective, context, name)
        call = TaskCall(base, name, run.execution_id, token, context)
        if waits:
            result = await _wait_for_token(run, call, payload, key, submitted, timeout, heartbeat)
        else:
            result = await _call(run, call, payload, timeout, heartbeat)
    except StateFailure as failure:
        kind = (
            "TaskTimedOut" if failure.error in ("States.Timeout", "States.HeartbeatTimeout") else "TaskFailed"
        )
        memo = {"ok": False, "error": failure.error, "cause": failure.cause}
        run.record(
            kind, {"resource": resource, "error": failure.error, "cause": failure.cause}, "t" + key, memo
        )
        await run.checkpoint(True)
        raise
    run.record(
        "TaskSucceeded",
        {"resource": resource, "output": to_json(result)},
        "t" + key,
        {"ok": True, "output": result},
    )
    await run.checkpoint(True)
    return result


def _scheduled(
    run: Execution, call: TaskCall, payload: Any, timeout: float | None, heartbeat: float | None
) -> None:
    details: dict[str, Any] = {"resource": call.resource, "parameters": to_json(payload)}
    if timeout is not None:
        details["timeoutInSeconds"] = int(timeout)
    if heartbeat is not None:
        details["heartbeatInSeconds"] = int(heartbeat)
    run.record("TaskScheduled", details)
    run.record("TaskStarted", {"resource": call.resource})


async def _invoke(run: Execution, call: TaskCall, payload: Any) -> Any:
    try:
        return await run.host.invoke(call, payload)
    except StateFailure:
        raise
    except Exception as exc:
        raise error_of(exc) from None


async def _call(
    run: Execution, call: TaskCall, payload: Any, timeout: float | None, heartbeat: float | None
) -> Any:
    _scheduled(run, call, payload, timeout, heartbeat)
    if timeout is None:
        return await _invoke(run, call, payload)
    work = asyncio.ensure_future(_invoke(run, call, payload))
    timer = asyncio.ensure_future(run.host.timer(run.host.now() + timeout))
    try:
        await asyncio.wait({work, timer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        timed_out = not work.done()
        if timed_out:
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
    if timed_out:
        raise StateFailure(
            "States.Timeout", f"The task in the state '{call.state}' ran longer than {timeout:g} seconds."
        )
    return work.result()


async def _wait_for_token(
    run: Execution,
    call: TaskCall,
    payload: Any,
    key: str,
    submitted: dict[str, Any] | None,
    timeout: float | None,
    heartbeat: float | None,
) -> Any:
    assert call.token is not None
    if submitted is None:
        started = run.host.now()
        _scheduled(run, call, payload, timeout, heartbeat)
        await run.host.open_token(call.token, started)
        answer = await _invoke(run, call, payload)
        memo = {"token": call.token, "started": started}
        run.record("TaskSubmitted", {"resource": call.resource, "output": to_json(answer)}, "s" + key, memo)
        await run.checkpoint(True)
    else:
        started = float(submitted["started"])
    deadline = started + (timeout if timeout is not None else _DEFAULT_TIMEOUT)
    run.host.busy(-1)
    try:
        return await run.host.await_token(call.token, deadline, heartbeat)
    finally:
        run.host.busy(1)
