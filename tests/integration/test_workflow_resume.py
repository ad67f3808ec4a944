"""A workflow process killed with `kill -9` mid-execution resumes from its history, without re-running
completed Task states.

The worker is a subprocess (this file's `__main__`) running `WorkflowService.run()` on a ten-Task chain.
Each Task appends `step pid` to a side-effects file; the first process hangs inside step 5 until the
test kills it. The restarted process waits out the dead owner's one-second lease, replays steps 0-4
from the history and runs 5-9. Step 5 is the only one seen twice: it was in flight, not completed.
The same runs with the running total kept in a workflow variable instead of the state data: the
restarted process must get the variable back from the history to continue the sum.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

STEPS = 10
HANG_ON = 5
DEFINITION = {
    "StartAt": "Step0",
    "States": {
        f"Step{n}": {
            "Type": "Task",
            "Resource": "step",
            "Parameters": {"n": n, "total.$": "$.total"},
            "ResultPath": "$.total",
            **({"Next": f"Step{n + 1}"} if n < STEPS - 1 else {"End": True}),
        }
        for n in range(STEPS)
    },
}
VARIABLES = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Assign": {"sum": 0}, "Next": "Step0"},
        **{
            f"Step{n}": {
                "Type": "Task",
                "Resource": "step",
                "Parameters": {"n": n, "total.$": "$sum"},
                "Assign": {"sum.$": "$"},
                "ResultPath": None,
                "Next": f"Step{n + 1}" if n < STEPS - 1 else "Report",
            }
            for n in range(STEPS)
        },
        "Report": {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": {"total": "{% $sum %}"},
            "End": True,
        },
    },
}
DEFINITIONS = {"paths": DEFINITION, "variables": VARIABLES}


async def _worker(runtime_db: str, effects: str, hang_on: int, kind: str) -> None:
    from hexad.adapters.sqlite.database import open_database
    from hexad.adapters.sqlite.workflows import SqliteWorkflowStore
    from hexad.runtime.clock import SystemClock
    from hexad.runtime.workflows.resources import ResourceTable
    from hexad.runtime.workflows.service import WorkflowService

    async def step(payload: dict[str, int]) -> int:
        with Path(effects).open("a") as out:
            out.write(f"{payload['n']} {os.getpid()}\n")
        if payload["n"] == hang_on:
            await asyncio.sleep(3600)  # stay inside the task until the test kills this process
        return payload["total"] + payload["n"]

    store = SqliteWorkflowStore(open_database(runtime_db))
    service = WorkflowService(
        store,
        SystemClock(),
        resources=ResourceTable(activities={"step": step}),
        lease_seconds=1.0,
        tick_seconds=0.05,
    )
    if not await store.list_state_machines():
        await service.create_state_machine("chain", DEFINITIONS[kind])
        await service.start("chain", {"total": 0}, name="run-1")
    await service.run()


def _start(runtime_db: Path, effects: Path, hang_on: int, kind: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, str(runtime_db), str(effects), str(hang_on), kind])


def _effects(path: Path) -> list[tuple[int, int]]:
    if not path.exists():
        return []
    return [(int(n), int(pid)) for n, pid in (line.split() for line in path.read_text().splitlines() if line)]


def _wait_for(predicate: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the worker")


def _status(runtime_db: Path) -> str | None:
    from hexad.adapters.sqlite.database import SqliteDatabase

    database = SqliteDatabase(runtime_db)
    try:
        rows = database.query("SELECT status, output FROM workflow_executions")
    except Exception:
        return None
    finally:
        database.close()
    return f"{rows[0]['status']} {rows[0]['output']}" if rows else None


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["paths", "variables"])
def test_a_killed_execution_resumes_without_rerunning_completed_tasks(tmp_path: Path, kind: str) -> None:
    runtime_db, effects = tmp_path / "runtime.db", tmp_path / "effects.txt"
    first = _start(runtime_db, effects, HANG_ON, kind)
    try:
        _wait_for(lambda: any(n == HANG_ON for n, _ in _effects(effects)), 60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    second = _start(runtime_db, effects, -1, kind)
    try:
        _wait_for(lambda: (_status(runtime_db) or "").startswith("SUCCEEDED"), 60)
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait()

    seen = _effects(effects)
    counts = Counter(n for n, _ in seen)
    assert {n: c for n, c in counts.items() if c != 1} == {HANG_ON: 2}
    assert sorted(counts) == list(range(STEPS))
    assert {pid for n, pid in seen if n < HANG_ON} == {first.pid}
    assert {pid for n, pid in seen if n > HANG_ON} == {second.pid}
    assert _status(runtime_db) == f'SUCCEEDED {{"total":{sum(range(STEPS))}}}'


if __name__ == "__main__":
    asyncio.run(_worker(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
