"""Workflow engine: state transitions per second, in memory and durable (SQLite runtime file).

Two shapes, as the issue asks: a chain of 100 Pass states, and a Map over 1,000 items (one Pass state
per item); and two more chains that show what data handling costs: each state assigning a variable
from its input (JSONPath `Assign`), and each state a JSONata one computing its output and a variable
with `{% %}` expressions. Each runs
- in memory (`run_local_async`: virtual clock, history kept in a list),
- durable, batched (`WorkflowService` on a SQLite file: history appended in batches of up to 256
  events per transaction, and always right after a Task's outcome; the default),
- durable, strict (every state's events appended in their own transaction, the slowest safe setting).
A transition is one state entered; medians of RUNS runs. The baseline is Step Functions Standard's
documented state-transition refill rate (1,500/s in the largest regions). LocalStack's ASL interpreter
(`localstack-core` on PyPI) runs beside it when HEXAD_BENCH_LOCALSTACK_PYTHON names a python that has
it (it cannot be a project dependency: see the note the benchmark prints).

Run: `uv run python benchmarks/workflows_transitions.py`
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.workflows import SqliteWorkflowStore
from hexad.runtime.clock import SystemClock
from hexad.runtime.workflows import run_local_async
from hexad.runtime.workflows.service import WorkflowService

RUNS = 5
STEP_FUNCTIONS_REFILL = 1500.0
TARGET = 5000.0


def chain(length: int = 100) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for n in range(length):
        states[f"S{n}"] = {"Type": "Pass", **({"Next": f"S{n + 1}"} if n < length - 1 else {"End": True})}
    return {"StartAt": "S0", "States": states}


def assign_chain(length: int = 100) -> dict[str, Any]:
    """Each state assigns a variable from its input and reads the previous one (JSONPath)."""
    machine = chain(length)
    for state in machine["States"].values():
        state.update({"Assign": {"last.$": "$.n"}, "Parameters": {"n.$": "$.n"}})
    return machine


def jsonata_chain(length: int = 100) -> dict[str, Any]:
    """Each state a JSONata Pass: an Output and an Assign computed by expressions."""
    machine = chain(length)
    machine["QueryLanguage"] = "JSONata"
    for state in machine["States"].values():
        state.update(
            {"Output": {"n": "{% $states.input.n + 1 %}"}, "Assign": {"last": "{% $states.input.n %}"}}
        )
    return machine


def fan_out() -> dict[str, Any]:
    processor = {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}
    return {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemProcessor": processor, "End": True}}}


SHAPES: dict[str, tuple[dict[str, Any], Any, int, int]] = {
    # name: (definition, input, transitions per execution, executions per run)
    "100-state Pass chain": (chain(), {"n": 1}, 100, 20),
    "Map over 1,000 items": (fan_out(), list(range(1000)), 1001, 2),
    "100-state chain with Assign": (assign_chain(), {"n": 1}, 100, 20),
    "100-state JSONata chain": (jsonata_chain(), {"n": 1}, 100, 20),
}
BASE_SHAPES = ("100-state Pass chain", "Map over 1,000 items")


async def in_memory(definition: dict[str, Any], data: Any, executions: int) -> float:
    started = time.perf_counter()
    for _ in range(executions):
        result = await run_local_async(definition, data)
        assert result.status == "SUCCEEDED", result.error
    return time.perf_counter() - started


async def durable(definition: dict[str, Any], data: Any, executions: int, flush_events: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        database = SqliteDatabase(Path(folder) / "runtime.db")
        service = WorkflowService(SqliteWorkflowStore(database), SystemClock(), flush_events=flush_events)
        await service.create_state_machine("bench", definition)
        started = time.perf_counter()
        for index in range(executions):
            execution = await service.start("bench", data, name=f"e{index}")
            await service.run_until_idle()
            assert (await service.describe(execution)).status == "SUCCEEDED"
        elapsed = time.perf_counter() - started
        database.close()
    return elapsed


_LOCALSTACK_SCRIPT = r"""
import datetime, json, statistics, sys, time
from localstack.aws.api.stepfunctions import StateMachineType
from localstack.services.stepfunctions.asl.eval.environment import Environment
from localstack.services.stepfunctions.asl.eval.evaluation_details import AWSExecutionDetails
from localstack.services.stepfunctions.asl.eval.event.event_manager import EventHistoryContext
from localstack.services.stepfunctions.asl.eval.states import (
    ContextObjectData, ExecutionData, StateMachineData)
from localstack.services.stepfunctions.asl.parse.asl_parser import AmazonStateLanguageParser

def run(program, data):
    env = Environment(
        aws_execution_details=AWSExecutionDetails("000000000000", "us-east-1", "arn:aws:iam::0:role/bench"),
        execution_type=StateMachineType.STANDARD,
        context=ContextObjectData(
            Execution=ExecutionData(Id="arn:e", Input=data, Name="e", RoleArn="r",
                                    StartTime=datetime.datetime.now(datetime.timezone.utc).isoformat()),
            StateMachine=StateMachineData(Id="arn:sm", Name="sm")),
        event_history_context=EventHistoryContext.of_program_start(),
        cloud_watch_logging_session=None, activity_store={})
    env.states.reset(data)
    program.eval(env)

out = {}
for name, definition, data, transitions in json.loads(sys.stdin.read()):
    program, _ = AmazonStateLanguageParser.parse(json.dumps(definition))
    times = []
    for _ in range(3):
        started = time.perf_counter()
        run(program, data)
        times.append(time.perf_counter() - started)
    out[name] = transitions / statistics.median(times)
print(json.dumps(out))
"""


def localstack(python: str | None) -> tuple[dict[str, float], str]:
    """LocalStack's ASL interpreter, in its own interpreter (it needs Python and packages of its own)."""
    if not python:
        return {}, (
            "LocalStack: localstack-core is not a project dependency (its 2026.3 release fails to import on "
            "Python 3.11; 4.4.0 imports with its [runtime] extra, which brings antlr4). Set "
            "HEXAD_BENCH_LOCALSTACK_PYTHON to a throwaway venv's python with localstack-core[runtime]==4.4.0 "
            "to time its interpreter in-process (definition parsed once, Environment evaluated directly)."
        )
    cases = [[name, *SHAPES[name][:3]] for name in BASE_SHAPES]
    done = subprocess.run(
        [python, "-c", _LOCALSTACK_SCRIPT],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        return {}, f"LocalStack could not run: {done.stderr.strip().splitlines()[-1:]}"
    return json.loads(
        done.stdout.strip().splitlines()[-1]
    ), "LocalStack: localstack-core 4.4.0 evaluated in-process"


async def measure() -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for name, (definition, data, transitions, executions) in SHAPES.items():
        total = transitions * executions
        modes = {
            "in memory": lambda d=definition, x=data, e=executions: in_memory(d, x, e),
            "durable, batched": lambda d=definition, x=data, e=executions: durable(d, x, e, 256),
            "durable, per state": lambda d=definition, x=data, e=executions: durable(d, x, e, 1),
        }
        results[name] = {}
        for mode, run in modes.items():
            times = [await run() for _ in range(RUNS)]
            results[name][mode] = total / statistics.median(times)
    return results


def main() -> None:
    results = asyncio.run(measure())
    table = Table(title=f"Workflow state transitions per second (median of {RUNS} runs)")
    table.add_column("shape")
    for mode in ("in memory", "durable, batched", "durable, per state"):
        table.add_column(mode, justify="right")
    table.add_column("LocalStack ASL", justify="right")
    table.add_column("Step Functions refill", justify="right")
    other, note = localstack(os.environ.get("HEXAD_BENCH_LOCALSTACK_PYTHON"))
    for name, modes in results.items():
        theirs = f"{other[name]:,.0f}" if name in other else "n/a"
        table.add_row(
            name, *(f"{value:,.0f}" for value in modes.values()), theirs, f"{STEP_FUNCTIONS_REFILL:,.0f}"
        )
    console = Console()
    console.print(table)
    console.print(f"[dim]{note}[/]")
    slowest_durable = min(results[name]["durable, batched"] for name in BASE_SHAPES)
    summary = {
        "benchmark": "workflows_transitions",
        "runs": RUNS,
        "transitions_per_second": {
            name: {k: round(v) for k, v in modes.items()} for name, modes in results.items()
        },
        "baseline_step_functions_refill_per_second": STEP_FUNCTIONS_REFILL,
        "target_durable_per_second": TARGET,
        "durable_target_met": slowest_durable >= TARGET,
        "localstack_transitions_per_second": {name: round(value) for name, value in other.items()},
        "localstack": note,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
