"""Parallel and Map (inline): branches and iterations run concurrently as asyncio tasks.

A branch or iteration gets its own key scope (`<state key>:<attempt>/b<i>` or `/i<index>`), so its
states replay independently after a restart. A Parallel fails with the first failing branch's error;
a Map fails on the first failed iteration unless `ToleratedFailureCount`/`Percentage` allow more, in
which case a failed iteration's place in the output holds its `{"Error", "Cause"}`; past the tolerance
the Map fails with `States.ExceedToleratedFailureThreshold`.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from hexad.runtime.workflows.assign import (
    NON_NEGATIVE,
    evaluate_assign,
    jsonata_bindings,
    jsonata_output,
    jsonata_value,
    number_field,
)
from hexad.runtime.workflows.failures import StateFailure, Suspended
from hexad.runtime.workflows.interpreter import Execution, to_json
from hexad.runtime.workflows.processing import (
    apply_template,
    input_path,
    output_path,
    read_value,
    state_result_path,
)

__all__ = ["run_map", "run_parallel"]


def _settle(results: list[Any], tolerated: int) -> list[Any]:
    """Outputs in order; raises an escaped error, too many failures, or a combined suspension."""
    failures = [r for r in results if isinstance(r, StateFailure)]
    suspensions = [r for r in results if isinstance(r, Suspended)]
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, (StateFailure, Suspended)):
            raise result
    if len(failures) > tolerated:
        raise (
            failures[0]
            if tolerated == 0
            else StateFailure(
                "States.ExceedToleratedFailureThreshold",
                f"{len(failures)} of {len(results)} iterations failed; at most {tolerated} were tolerated.",
            )
        )
    if suspensions:
        raise Suspended.earliest(suspensions)
    return [r.as_output() if isinstance(r, StateFailure) else r for r in results]


def _finish(
    run: Execution, name: str, state: dict[str, Any], data: Any, result: Any, context: Any, key: str
) -> tuple[Any, Any]:
    if run.jsonata(state):
        bindings = jsonata_bindings(data, context, result=result)
        run.stage(key, evaluate_assign(state, name, "Assign", bindings=bindings))
        return jsonata_output(state, bindings, name, result), state.get("Next")
    if "ResultSelector" in state:
        result = apply_template(state["ResultSelector"], result, context, name, "ResultSelector")
    run.stage(key, evaluate_assign(state, name, "Assign", data=result, context=context))
    output = state_result_path(state, data, result, name)
    return output_path(state, output, context, name), state.get("Next")


async def run_parallel(
    run: Execution, name: str, state: dict[str, Any], data: Any, key: str
) -> tuple[Any, str | None]:
    """Run every branch on the same input; the output is the array of branch outputs."""
    context = run.context(name, run.host.now())
    if run.jsonata(state):
        bindings = jsonata_bindings(data, context)
        effective = jsonata_value(state.get("Arguments", data), bindings, name, "Arguments")
    else:
        effective = input_path(state, data, context, name)
        if "Parameters" in state:
            effective = apply_template(state["Parameters"], effective, context, name, "Parameters")

    async def attempt(number: int) -> list[Any]:
        scope = f"{key}:{number}"
        run.record("ParallelStateStarted", {}, "ps" + scope)
        branches = state["Branches"]
        coroutines = [run.branch(branch, effective, f"{scope}/b{i}") for i, branch in enumerate(branches)]
        try:
            outputs = _settle(await run.gather(coroutines, 0), 0)
        except StateFailure as failure:
            run.record("ParallelStateFailed", {"error": failure.error, "cause": failure.cause}, "pf" + scope)
            raise
        run.record("ParallelStateSucceeded", {}, "pd" + scope)
        return outputs

    result = await run.with_retry(name, state, key, attempt)
    return _finish(run, name, state, data, result, context, key)


def _tolerated(state: dict[str, Any], data: Any, context: Any, name: str, count: int, bindings: Any) -> int:
    allowed = number_field(state, "ToleratedFailureCount", (data, context, bindings), name, NON_NEGATIVE)
    percent = number_field(state, "ToleratedFailurePercentage", (data, context, bindings), name, NON_NEGATIVE)
    limits = [int(allowed)] if allowed is not None else []
    if percent is not None:
        limits.append(math.floor(count * percent / 100.0))
    return min(limits) if limits else 0


async def run_map(
    run: Execution, name: str, state: dict[str, Any], data: Any, key: str
) -> tuple[Any, str | None]:
    """Run the item processor once per item of ItemsPath, at most MaxConcurrency at a time."""
    context = run.context(name, run.host.now())
    bindings = jsonata_bindings(data, context) if run.jsonata(state) else None
    effective, items = _items(state, data, context, name, bindings)
    at = (effective, context, bindings)
    concurrency = int(number_field(state, "MaxConcurrency", at, name, NON_NEGATIVE) or 0)
    tolerated = _tolerated(state, effective, context, name, len(items), bindings)
    processor: dict[str, Any] = state.get("ItemProcessor") or state["Iterator"]
    selector = _Selector(state.get("ItemSelector", state.get("Parameters")), bindings is not None, data)

    async def attempt(number: int) -> list[Any]:
        scope = f"{key}:{number}"
        run.record("MapStateStarted", {"length": len(items)}, "ms" + scope)
        gate = _Gate(concurrency) if 0 < concurrency < len(items) else None

        async def iteration(index: int, item: Any) -> Any:
            if gate is None:
                return await _iteration(run, name, processor, selector, effective, scope, index, item)
            await gate.enter()
            try:
                result = await _iteration(run, name, processor, selector, effective, scope, index, item)
            except Suspended:
                gate.hold()
                raise
            except BaseException:
                gate.leave()
                raise
            gate.leave()
            return result

        coroutines = [iteration(index, item) for index, item in enumerate(items)]
        try:
            outputs = _settle(await run.gather(coroutines, tolerated), tolerated)
        except StateFailure as failure:
            run.record("MapStateFailed", {"error": failure.error, "cause": failure.cause}, "mf" + scope)
            raise
        run.record("MapStateSucceeded", {}, "md" + scope)
        return outputs

    result = await run.with_retry(name, state, key, attempt)
    return _finish(run, name, state, data, result, context, key)


def _items(state: dict[str, Any], data: Any, context: Any, name: str, bindings: Any) -> tuple[Any, list[Any]]:
    """The effective input and the items to iterate (ItemsPath, or JSONata's Items)."""
    if bindings is not None:
        effective, field, error = data, "Items", "States.QueryEvaluationError"
        items = jsonata_value(state.get("Items", data), bindings, name, "Items")
    else:
        effective, field, error = input_path(state, data, context, name), "ItemsPath", "States.Runtime"
        items = read_value(state.get("ItemsPath", "$"), effective, context, name, "ItemsPath")
    if not isinstance(items, list):
        raise StateFailure(
            error, f"The state '{name}', field {field}: expected an array, got {to_json(items)[:200]}"
        )
    return effective, items


class _Selector:
    """ItemSelector: a Parameters-style template (JSONPath) or `{% %}` expressions (JSONata)."""

    def __init__(self, template: Any, jsonata: bool, raw_input: Any) -> None:
        self.template, self.jsonata, self.raw_input = template, jsonata, raw_input

    def apply(self, effective: Any, context: Any, name: str) -> Any:
        if self.jsonata:
            bindings = jsonata_bindings(self.raw_input, context)
            return jsonata_value(self.template, bindings, name, "ItemSelector")
        return apply_template(self.template, effective, context, name, "ItemSelector")


class _Gate:
    """MaxConcurrency: an iteration that suspends (a task token, a long wait) keeps its slot, as in
    Step Functions; once every slot is held that way, the iterations still queued suspend too."""

    def __init__(self, slots: int) -> None:
        self.slots = asyncio.Semaphore(slots)
        self.size = slots
        self.held = 0
        self.stalled = asyncio.Event()

    async def enter(self) -> None:
        acquire = asyncio.ensure_future(self.slots.acquire())
        stall = asyncio.ensure_future(self.stalled.wait())
        await asyncio.wait({acquire, stall}, return_when=asyncio.FIRST_COMPLETED)
        stall.cancel()
        if not acquire.done() or acquire.cancelled():
            acquire.cancel()
            raise Suspended(None)

    def hold(self) -> None:
        self.held += 1
        if self.held >= self.size:
            self.stalled.set()

    def leave(self) -> None:
        self.slots.release()


async def _iteration(
    run: Execution,
    name: str,
    processor: dict[str, Any],
    selector: _Selector,
    effective: Any,
    scope: str,
    index: int,
    item: Any,
) -> Any:
    if selector.template is not None:
        context = run.context(name, run.host.now(), Map={"Item": {"Index": index, "Value": item}})
        item = selector.apply(effective, context, name)
    where = f"{scope}/i{index}"
    run.record("MapIterationStarted", {"name": name, "index": index}, "is" + where)
    try:
        output = await run.branch(processor, item, where)
    except StateFailure as failure:
        details = {"name": name, "index": index, "error": failure.error, "cause": failure.cause}
        run.record("MapIterationFailed", details, "if" + where)
        raise
    run.record("MapIterationSucceeded", {"name": name, "index": index}, "id" + where)
    return output
