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
