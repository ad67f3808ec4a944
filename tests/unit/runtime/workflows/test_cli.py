"""`hexad workflows ...` on the isolated HEXAD_HOME's runtime file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.errors import WorkflowDefinitionError
from hexad.wiring import workflow_service

runner = CliRunner()

SIMPLE = {
    "StartAt": "Greet",
    "States": {
        "Greet": {
            "Type": "Pass",
            "Parameters": {"greeting.$": "States.Format('hello {}', $.who)"},
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def invoke(*args: str) -> Any:
    result = runner.invoke(app, ["workflows", *args])
    assert result.exit_code == 0, result.output
    return result


def test_create_start_list_describe_history(tmp_path: Path) -> None:
    path = tmp_path / "greet.asl.json"
    path.write_text(json.dumps(SIMPLE))
    invoke("create", "greet", str(path))
    started = invoke("start", "greet", "--input", '{"who": "ana"}', "--name", "first", "--run")
    assert started.output.splitlines()[0] == "greet:first"
    assert "SUCCEEDED" in started.output
    listed = json.loads(invoke("list", "--json").output)
    assert [(e["executionId"], e["status"]) for e in listed] == [("greet:first", "SUCCEEDED")]
    described = json.loads(invoke("describe", "greet:first", "--json").output)
    assert described["output"] == {"greeting": "hello ana"}
    tree = invoke("history", "greet:first").output
    assert "PassStateEntered" in tree and "ExecutionSucceeded" in tree
    events = json.loads(invoke("history", "greet:first", "--json").output)
    assert events[-1]["type"] == "ExecutionSucceeded"
    machines = json.loads(invoke("list", "--machines", "--json").output)
    assert [m["name"] for m in machines] == ["greet"]


def test_invalid_definition_is_reported_with_state_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}))
    result = runner.invoke(app, ["workflows", "create", "bad", str(path)])
    assert isinstance(result.exception, WorkflowDefinitionError)
    assert result.exception.exit_code == 2
    assert "state 'A', field Next" in str(result.exception)


def test_approve_and_reject_answer_task_tokens() -> None:
    tokens: list[str] = []
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "ask.waitForTaskToken",
                "Parameters": {"token.$": "$$.Task.Token"},
                "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.why", "Next": "No"}],
                "End": True,
            },
            "No": {"Type": "Pass", "End": True},
        },
    }

    async def start_two() -> tuple[str, str]:
        service = workflow_service(activities={"ask": lambda p: tokens.append(p["token"])})
        await service.create_state_machine("ask", definition)
        first = await service.start("ask", {}, name="yes")
        second = await service.start("ask", {}, name="no")
        await service.run_until_idle()
        return first, second

    first, second = asyncio.run(start_two())
    assert len(tokens) == 2
    invoke("approve", tokens[0], "--output", '{"ok": true}', "--run")
    invoke("reject", tokens[1], "--cause", "too costly", "--run")
    assert json.loads(invoke("describe", first, "--json").output)["output"] == {"ok": True}
    rejected = json.loads(invoke("describe", second, "--json").output)
    assert rejected["output"] == {"why": {"Error": "Rejected", "Cause": "too costly"}}
    again = runner.invoke(app, ["workflows", "approve", tokens[0]])
    assert again.exit_code != 0


def test_stop_a_running_execution() -> None:
    definition = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 86400, "End": True}}}

    async def start() -> str:
        service = workflow_service()
        await service.create_state_machine("hold", definition)
        execution = await service.start("hold", {})
        await service.run_until_idle()
        return execution

    execution = asyncio.run(start())
    assert json.loads(invoke("list", "--status", "RUNNING", "--json").output)[0]["executionId"] == execution
    invoke("stop", execution, "--error", "Operator.Stop")
    assert json.loads(invoke("describe", execution, "--json").output)["status"] == "ABORTED"


def test_install_stores_hexads_workflows_and_the_rule_that_starts_the_renewal() -> None:
    invoke("install")
    invoke("install")  # again: the definitions are updated, nothing is duplicated
    machines = json.loads(invoke("list", "--machines", "--json").output)
    assert [m["name"] for m in machines] == ["contract_approval", "contract_renewal", "multi_agent_consensus"]
    rules = runner.invoke(app, ["rules", "list", "--json"])
    assert rules.exit_code == 0, rules.output
    [rule] = [r for r in json.loads(rules.output) if r["name"] == "vcm-contract-renewal"]
    assert rule["targets"][0]["destination"] == "contract_renewal"


def test_tasks_and_list_show_what_an_execution_waits_for() -> None:
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "hexad:events:putEvents.waitForTaskToken",
                "Parameters": {
                    "Entries": [
                        {
                            "DetailType": "contract.approval.requested",
                            "Source": "hexad.workflow",
                            "Detail": {"approver": "manager", "token.$": "$$.Task.Token", "contract.$": "$"},
                        }
                    ]
                },
                "End": True,
            }
        },
    }
    sent: list[dict[str, Any]] = []

    async def start() -> str:
        service = workflow_service(put_events=sent.extend)
        await service.create_state_machine("ask", definition)
        execution = await service.start("ask", {"contract_id": "CT-7", "value": 10.0}, name="one")
        await service.run_until_idle()
        return execution

    execution = asyncio.run(start())
    token = sent[0]["Detail"]["token"]
    assert not token.startswith("-")
    [task] = json.loads(invoke("tasks", "--json").output)
    assert (task["executionId"], task["state"], task["token"]) == (execution, "Ask", token)
    assert (task["approver"], task["contract"], task["value"]) == ("manager", "CT-7", 10.0)
    [row] = json.loads(invoke("list", "--json").output)
    assert row["waitingFor"] == f"Ask {token}"
    invoke("approve", token, "--run")
    assert json.loads(invoke("tasks", "--json").output) == []
    assert json.loads(invoke("describe", execution, "--json").output)["status"] == "SUCCEEDED"
