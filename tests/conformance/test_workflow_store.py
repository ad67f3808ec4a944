"""The workflow store and the durable service on every backend: `workflows[sqlite]`, `workflows[postgres]`.

Time is a `ManualClock`; a "restart" is a new store and service on the same backend data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hexad.adapters.postgres.workflows import PostgresWorkflowStore
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.workflows import SqliteWorkflowStore
from hexad.errors import (
    ConflictError,
    ValidationError,
    WorkflowDefinitionError,
    WorkflowError,
    WorkflowNotFoundError,
    WorkflowTaskTokenError,
)
from hexad.ports.workflows import WorkflowStore
from hexad.runtime.clock import ManualClock
from hexad.runtime.workflows.resources import ResourceTable
from hexad.runtime.workflows.service import WorkflowService
from tests.support.postgres import postgres_schema

DAY = 86_400.0


@dataclass
class Backend:
    """Makes stores on one backend's data; each call is a fresh connection (a restarted process)."""

    make: Callable[[], WorkflowStore]


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    ids=lambda name: f"workflows[{name}]",
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        path = tmp_path / "runtime.db"
        return Backend(lambda: SqliteWorkflowStore(SqliteDatabase(path)))
    if request.param == "postgres":
        schema = postgres_schema(request)
        return Backend(lambda: PostgresWorkflowStore(schema.database()))
    raise AssertionError(request.param)


def service(backend: Backend, clock: ManualClock, **activities: Callable[[Any], Any]) -> WorkflowService:
    return WorkflowService(
        backend.make(),
        clock,
        resources=ResourceTable(activities=activities),
        inline_wait_seconds=0,
        lease_seconds=30,
    )


CHAIN = {
    "StartAt": "Charge",
    "States": {
        "Charge": {"Type": "Task", "Resource": "charge", "ResultPath": "$.charged", "Next": "Hold"},
        "Hold": {"Type": "Wait", "Seconds": 90 * 86400, "Next": "Remind"},
        "Remind": {"Type": "Task", "Resource": "remind", "ResultPath": "$.reminded", "End": True},
    },
}

APPROVAL = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "notify.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token", "contract.$": "$.contract"},
            "TimeoutSeconds": 3600,
            "HeartbeatSeconds": 600,
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection", "Next": "Rejected"}],
            "ResultPath": "$.approval",
            "End": True,
        },
        "Rejected": {"Type": "Pass", "End": True},
    },
}


async def test_state_machines_are_validated_created_updated_listed(backend: Backend) -> None:
    workflows = service(backend, ManualClock())
    await workflows.create_state_machine("chain", CHAIN)
    with pytest.raises(ConflictError):
        await workflows.create_state_machine("chain", CHAIN)
    with pytest.raises(WorkflowDefinitionError, match="state 'Hold', field Next"):
        await workflows.update_state_machine(
            "chain", {"StartAt": "Hold", "States": {"Hold": {"Type": "Pass", "Next": "Gone"}}}
        )
    await workflows.update_state_machine("chain", APPROVAL)
    assert [m.name for m in await workflows.list_state_machines()] == ["chain"]
    with pytest.raises(WorkflowNotFoundError):
        await workflows.get_state_machine("missing")
    with pytest.raises(WorkflowNotFoundError):
        await workflows.start("missing", {})


async def test_a_wait_of_90_days_survives_a_restart_and_tasks_are_not_rerun(backend: Backend) -> None:
    clock = ManualClock()
    calls: list[str] = []
    first = service(
        backend,
        clock,
        charge=lambda p: calls.append("charge") or "ok",
        remind=lambda p: calls.append("remind") or 1,
    )
    await first.create_state_machine("chain", CHAIN)
    execution = await first.start("chain", {"contract": "C-1"}, name="c1")
    await first.run_until_idle()
    assert (await first.describe(execution)).status == "RUNNING"
    assert calls == ["charge"]

    clock.advance(89 * DAY)
    restarted = service(
        backend,
        clock,
        charge=lambda p: calls.append("charge") or "ok",
        remind=lambda p: calls.append("remind") or 1,
    )
    await restarted.run_until_idle()
    assert calls == ["charge"]
    clock.advance(DAY)
    await restarted.run_until_idle()
    record = await restarted.describe(execution)
    assert record.status == "SUCCEEDED"
    assert calls == ["charge", "remind"]
    assert record.output == '{"contract":"C-1","charged":"ok","reminded":1}'
    history = await restarted.history(execution)
    assert history[0]["type"] == "ExecutionStarted"
    assert history[-1]["type"] == "ExecutionSucceeded"
    assert [event["id"] for event in history] == list(range(1, len(history) + 1))
    assert sum(event["type"] == "TaskSucceeded" for event in history) == 2


VARIABLES = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Assign": {"rate": 3}, "Next": "Each"},
        "Each": {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "Price",
                "States": {
                    "Price": {
                        "Type": "Task",
                        "Resource": "price",
                        "Parameters": {"n.$": "$", "rate.$": "$rate"},
                        "Assign": {"priced.$": "$"},
                        "ResultPath": None,
                        "Next": "Hold",
                    },
                    "Hold": {"Type": "Wait", "Seconds": 30 * 86400, "Next": "Report"},
                    "Report": {
                        "Type": "Pass",
                        "Parameters": {"item.$": "$", "priced.$": "$priced"},
                        "End": True,
                    },
                },
            },
            "Assign": {"count.$": "States.ArrayLength($)"},
            "Next": "Done",
        },
        "Done": {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": {"results": "{% $states.input %}", "count": "{% $count %}", "rate": "{% $rate %}"},
            "End": True,
        },
    },
}


async def test_variables_of_every_scope_survive_a_restart(backend: Backend) -> None:
    clock = ManualClock()
    calls: list[int] = []

    def price(payload: Any) -> int:
        calls.append(payload["n"])
        return int(payload["n"] * payload["rate"])

    first = service(backend, clock, price=price)
    await first.create_state_machine("vars", VARIABLES)
    execution = await first.start("vars", [1, 2], name="v1")
    await first.run_until_idle()
    assert (await first.describe(execution)).status == "RUNNING"

    clock.advance(30 * DAY)
    restarted = service(backend, clock, price=price)
    await restarted.run_until_idle()
    record = await restarted.describe(execution)
    assert record.status == "SUCCEEDED", record.cause
    assert sorted(calls) == [1, 2]
    assert record.output == ('{"results":[{"item":1,"priced":3},{"item":2,"priced":6}],"count":2,"rate":3}')


async def test_task_token_success_resumes_the_execution(backend: Backend) -> None:
    clock = ManualClock()
    tokens: list[str] = []
    workflows = service(backend, clock, notify=lambda p: tokens.append(p["token"]))
    await workflows.create_state_machine("approval", APPROVAL)
    execution = await workflows.start("approval", {"contract": "C-9"})
    await workflows.run_until_idle()
    assert len(tokens) == 1 and (await workflows.describe(execution)).status == "RUNNING"

    other_process = service(backend, clock)
    await other_process.send_task_heartbeat(tokens[0])
    await other_process.send_task_success(tokens[0], {"by": "manager"})
    with pytest.raises(WorkflowTaskTokenError):
        await other_process.send_task_success(tokens[0], {"by": "twice"})
    await workflows.run_until_idle()
    record = await workflows.describe(execution)
    assert record.status == "SUCCEEDED"
    assert record.output == '{"contract":"C-9","approval":{"by":"manager"}}'
    assert len(tokens) == 1


async def test_task_token_failure_is_caught(backend: Backend) -> None:
    clock = ManualClock()
    tokens: list[str] = []
    workflows = service(backend, clock, notify=lambda p: tokens.append(p["token"]))
    await workflows.create_state_machine("approval", APPROVAL)
    execution = await workflows.start("approval", {"contract": "C-2"})
    await workflows.run_until_idle()
    await workflows.send_task_failure(tokens[0], "Rejected", "too expensive")
    await workflows.run_until_idle()
    record = await workflows.describe(execution)
    assert record.status == "SUCCEEDED"
    assert '"rejection":{"Error":"Rejected","Cause":"too expensive"}' in (record.output or "")


@pytest.mark.parametrize(("advance", "error"), [(700.0, "States.HeartbeatTimeout"), (None, "States.Timeout")])
async def test_task_token_heartbeat_and_timeout(backend: Backend, advance: float | None, error: str) -> None:
    clock = ManualClock()
    tokens: list[str] = []
    workflows = service(backend, clock, notify=lambda p: tokens.append(p["token"]))
    await workflows.create_state_machine("approval", APPROVAL)
    execution = await workflows.start("approval", {"contract": "C-3"})
    await workflows.run_until_idle()
    if advance is None:
        for _ in range(8):  # heartbeats keep it alive until the task's own timeout
            clock.advance(500)
            await workflows.send_task_heartbeat(tokens[0])
            await workflows.run_until_idle()
    else:
        clock.advance(advance)
    await workflows.run_until_idle()
    record = await workflows.describe(execution)
    assert (record.status, record.error) == ("FAILED", error)
    with pytest.raises(WorkflowTaskTokenError):
        await workflows.send_task_success("not-a-token", {})


async def test_stop_lists_and_filters(backend: Backend) -> None:
    clock = ManualClock()
    workflows = service(backend, clock, charge=lambda p: "ok", remind=lambda p: 1)
    await workflows.create_state_machine("chain", CHAIN)
    first = await workflows.start("chain", {}, name="one")
    clock.advance(1)
    second = await workflows.start("chain", {}, name="two")
    with pytest.raises(ConflictError):
        await workflows.start("chain", {}, name="two")
    await workflows.run_until_idle()
    stopped = await workflows.stop(first, "Operator.Stop", "not needed")
    assert stopped.status == "ABORTED"
    with pytest.raises(WorkflowError):
        await workflows.stop(first)
    clock.advance(91 * DAY)
    await workflows.run_until_idle()
    assert [r.id for r in await workflows.list_executions("chain")] == [second, first]
    assert [r.id for r in await workflows.list_executions(status="ABORTED")] == [first]
    assert [r.id for r in await workflows.list_executions(status="SUCCEEDED")] == [second]
    assert (await workflows.history(first))[-1]["type"] == "ExecutionAborted"


async def test_failed_execution_records_error_and_cause(backend: Backend) -> None:
    class DeclinedError(Exception):
        error = "Payment.Declined"

    def charge(payload: Any) -> Any:
        raise DeclinedError("card expired")

    clock = ManualClock()
    workflows = service(backend, clock, charge=charge)
    await workflows.create_state_machine("chain", CHAIN)
    execution = await workflows.start("chain", {})
    await workflows.run_until_idle()
    record = await workflows.describe(execution)
    assert (record.status, record.error, record.cause) == ("FAILED", "Payment.Declined", "card expired")


async def test_retries_wait_durably_between_attempts(backend: Backend) -> None:
    attempts: list[float] = []
    clock = ManualClock()

    def flaky(payload: Any) -> Any:
        attempts.append(clock.time())
        if len(attempts) < 3:
            raise ConnectionError("down")
        return "up"

    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "flaky",
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 60, "BackoffRate": 3}],
                "End": True,
            }
        },
    }
    workflows = service(backend, clock, flaky=flaky)
    await workflows.create_state_machine("flaky", definition)
    execution = await workflows.start("flaky", {})
    await workflows.run_until_idle()
    clock.advance(60)
    await service(backend, clock, flaky=flaky).run_until_idle()
    clock.advance(180)
    await workflows.run_until_idle()
    assert (await workflows.describe(execution)).output == '"up"'
    assert [t - attempts[0] for t in attempts] == [0, 60, 240]


async def test_execution_timeout_seconds(backend: Backend) -> None:
    clock = ManualClock()
    workflows = service(backend, clock, charge=lambda p: "ok")
    await workflows.create_state_machine("slow", {**CHAIN, "TimeoutSeconds": 3600})
    execution = await workflows.start("slow", {})
    await workflows.run_until_idle()
    clock.advance(3600)
    await workflows.run_until_idle()
    record = await workflows.describe(execution)
    assert (record.status, record.error) == ("TIMED_OUT", "States.Timeout")


async def test_map_of_token_tasks_survives_restarts_and_keeps_order(backend: Backend) -> None:
    clock = ManualClock()
    asked: list[tuple[int, str]] = []

    def ask(payload: Any) -> None:
        asked.append((payload["item"], payload["token"]))

    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": 2,
                "ItemSelector": {"item.$": "$$.Map.Item.Value", "token.$": "$$.Map.Item.Index"},
                "ItemProcessor": {
                    "StartAt": "Ask",
                    "States": {
                        "Ask": {
                            "Type": "Task",
                            "Resource": "ask.waitForTaskToken",
                            "Parameters": {"item.$": "$.item", "token.$": "$$.Task.Token"},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }
    first = service(backend, clock, ask=ask)
    await first.create_state_machine("fan", definition)
    execution = await first.start("fan", [10, 20, 30])
    await first.run_until_idle()
    assert [item for item, _ in asked] == [10, 20]
    for _round in range(3):
        restarted = service(backend, clock, ask=ask)
        pending = [
            (item, token) for item, token in asked if (await restarted.store.get_token(token)).outcome is None
        ]  # type: ignore[union-attr]
        for item, token in pending:
            await restarted.send_task_success(token, {"answer": item * 2})
        await restarted.run_until_idle()
        if (await restarted.describe(execution)).status != "RUNNING":
            break
    record = await restarted.describe(execution)
    assert record.status == "SUCCEEDED", record
    assert record.output == '[{"answer":20},{"answer":40},{"answer":60}]'
    assert [item for item, _ in asked] == [10, 20, 30]


async def test_stop_during_a_drive_ends_it_at_the_next_history_write(backend: Backend) -> None:
    clock = ManualClock()
    calls: list[str] = []
    workflows = service(backend, clock)

    async def stop_myself(payload: Any) -> str:
        calls.append("stop")
        executions = await workflows.list_executions("chain")
        await workflows.stop(executions[0].id, "Operator.Stop", "changed my mind")
        return "ok"

    workflows.register_activity("charge", stop_myself)
    workflows.register_activity("remind", lambda p: calls.append("remind"))
    await workflows.create_state_machine(
        "chain", {**CHAIN, "States": {**CHAIN["States"], "Hold": {"Type": "Pass", "Next": "Remind"}}}
    )
    execution = await workflows.start("chain", {})
    await workflows.run_until_idle()
    record = await workflows.describe(execution)
    assert (record.status, record.error) == ("ABORTED", "Operator.Stop")
    assert calls == ["stop"]


async def test_a_long_task_keeps_its_lease_so_no_other_process_takes_over(backend: Backend) -> None:
    clock = ManualClock()
    claimed_by_other: list[int] = []
    other = service(backend, clock)

    async def long_task(payload: Any) -> str:
        for _ in range(3):
            clock.advance(25)  # past the 30 s lease, twice over
            for _ in range(5):
                await asyncio.sleep(0)
            due = await other.store.claim_due(clock.time(), other.owner, clock.time() + 30, 10)
            claimed_by_other.append(len(due))
        return "done"

    workflows = service(backend, clock)
    workflows.register_activity("long", long_task)
    await workflows.create_state_machine(
        "long", {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "long", "End": True}}}
    )
    execution = await workflows.start("long", {})
    await workflows.run_until_idle()
    assert claimed_by_other == [0, 0, 0]
    assert (await workflows.describe(execution)).output == '"done"'


async def test_names_and_input_are_checked(backend: Backend) -> None:
    workflows = service(backend, ManualClock())
    with pytest.raises(ValidationError, match="state machine name"):
        await workflows.create_state_machine("has space", CHAIN)
    await workflows.create_state_machine("chain", CHAIN)
    with pytest.raises(ValidationError, match="execution name"):
        await workflows.start("chain", {}, name="a:b")
    with pytest.raises(ValidationError, match="JSON value"):
        await workflows.start("chain", {"when": object()})
