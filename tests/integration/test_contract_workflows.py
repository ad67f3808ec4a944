"""Hexad's own workflows on real data: contract approval, renewal and consensus with the agents' actions.

A small generated MSP (seed 7, 60 clients) is imported once into a template home; each test copies it
into its own HEXAD_HOME. The approval runs under a real `hexad worker` process; renewal and consensus
are driven in this process on a manual clock, so waits of months take no time.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hexad import wiring
from hexad.agents.cpi import monthly_profitability
from hexad.agents.frames import frames_from_database
from hexad.agents.rules import install_workflow_rules
from hexad.api.app import create_app
from hexad.cli.app import app as cli
from hexad.config import get_settings, load_settings
from hexad.demo import generate
from hexad.demo.files import COLUMNS
from hexad.domain.database import engine_for, upgrade
from hexad.ingest import import_paths
from hexad.runtime.clock import ManualClock
from hexad.runtime.workflows.service import WorkflowService

runner = CliRunner()


def _now() -> datetime:
    """A manual clock's start: just after the executions the CLI starts on the system clock."""
    return datetime.now(UTC) + timedelta(minutes=1)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the small demo MSP imported (and its documents in the lake, as the demo places them)."""
    home = tmp_path_factory.mktemp("contracts-home")
    previous = os.environ.get("HEXAD_HOME")
    os.environ["HEXAD_HOME"] = str(home)
    get_settings.cache_clear()
    try:
        settings = get_settings()
        generated = generate(7, home / "data", clients=60)
        upgrade(settings)
        import_paths([generated.paths[entity] for entity in COLUMNS], settings=settings)
        shutil.copytree(home / "data" / "contracts", home / "lake" / "raw" / "contracts")
    finally:
        os.environ["HEXAD_HOME"] = previous or ""
        get_settings.cache_clear()
    return home


@pytest.fixture
def home(template: Path, _isolated_home: Path) -> Path:
    shutil.copytree(template, _isolated_home, dirs_exist_ok=True)
    get_settings.cache_clear()
    return _isolated_home


def _register(home: Path) -> pd.DataFrame:
    return pd.read_csv(home / "data" / "vendor_contracts.csv", dtype=str, keep_default_na=False)


def _status(contract_id: str) -> str:
    with engine_for(get_settings()).connect() as conn:
        query = sa.text("SELECT status FROM vendor_contracts WHERE contract_id = :c")
        return str(conn.execute(query, {"c": contract_id}).scalar_one())


def _cli(*args: str) -> Any:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def _wait_for(what: Callable[[], Any], seconds: float, worker: subprocess.Popen[bytes]) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the worker exited"
        found = what()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"not reached within {seconds} s")


def _waiting(state: str) -> Callable[[], dict[str, Any] | None]:
    def find() -> dict[str, Any] | None:
        tasks = json.loads(_cli("workflows", "tasks", "--json").output)
        return next((t for t in tasks if t["state"] == state), None)

    return find


def _execution(execution_id: str) -> dict[str, Any]:
    return dict(json.loads(_cli("workflows", "describe", execution_id, "--json").output))


@pytest.mark.slow
def test_an_added_contract_is_approved_by_manager_and_finance_under_a_worker(home: Path) -> None:
    register = _register(home)
    end = pd.to_datetime(register["renewal_date"].where(register["renewal_date"] != "", register["end_date"]))
    ahead = end > pd.Timestamp(_now().date()) + pd.Timedelta(days=200)  # its reminders are still ahead
    big = register[
        ahead
        & (register["notice_period_days"] != "")
        & (register["value"].astype(float) > 50_000)
        & ~register["document"].str.endswith(".pdf")  # text or DOCX: no OCR in this test
    ]
    contract = big.iloc[0]
    added = json.loads(_cli("contracts", "add", str(home / "data" / contract["document"]), "--json").output)
    execution = added["added"][0]["approval_execution"]
    assert execution.startswith("contract_approval:approval-doc-")
    env = {**os.environ, "HEXAD_HOME": str(home)}
    command = [sys.executable, "-m", "hexad", "worker", "--agents", "vcm", "--no-scheduler"]
    log = (home / "worker.log").open("wb")
    worker = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        manager = _wait_for(_waiting("ManagerApproval"), 90, worker)
        assert (manager["approver"], manager["contract"]) == ("manager", contract["contract_id"])
        listed = json.loads(_cli("workflows", "list", "--json").output)
        assert [row["waitingFor"] for row in listed if row["executionId"] == execution] == [
            f"ManagerApproval {manager['token']}"
        ]
        _cli("workflows", "approve", manager["token"])
        finance = _wait_for(_waiting("FinanceApproval"), 60, worker)
        app = create_app(load_settings())
        headers = {"Authorization": f"Bearer {app.state.tokens.issue('cfo', ['admin'])}"}
        with TestClient(app) as client:
            response = client.post(f"/api/v1/workflows/tasks/{finance['token']}/approve", headers=headers)
        assert response.status_code == 200, response.text
        _wait_for(lambda: _execution(execution)["status"] != "RUNNING", 60, worker)
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()
    output = _execution(execution)["output"]
    assert output["finance_approval"] == {"approved": True, "by": "cfo"}
    assert output["activation"]["status"] == "active" and _status(contract["contract_id"]) == "active"
    names = {s["name"] for s in output["reminders"]["schedules"]}
    scheduled = json.loads(_cli("schedules", "list", "--json").output)
    assert names and names <= {s["name"] for s in scheduled}
    assert {s["days_before"] for s in output["reminders"]["schedules"]} <= {90, 60, 30}


async def _service(clock: ManualClock) -> tuple[WorkflowService, list[dict[str, Any]]]:
    """A workflow service with the agents' actions on `clock`, recording what it publishes."""
    published: list[dict[str, Any]] = []

    def put_events(entries: list[dict[str, Any]]) -> None:
        published.extend(entries)

    service = wiring.workflow_service(clock=clock, put_events=put_events)
    bus = wiring.event_bus(clock=clock)
    await install_workflow_rules(bus, service)
    return service, published


def test_a_contract_that_fails_validation_ends_in_the_invalid_state(home: Path, tmp_path: Path) -> None:
    document = tmp_path / "unsigned.txt"
    document.write_text(
        'SERVICE AGREEMENT\nThis agreement is made between Hexad Demo MSP, Inc. ("Customer") and '
        'Nobody Known Corp. ("Supplier").\nThe Supplier provides consulting services as agreed.\n'
    )
    added = json.loads(_cli("contracts", "add", str(document), "--json").output)["added"][0]

    async def run() -> Any:
        service, published = await _service(ManualClock(_now()))
        await service.run_until_idle()
        return await service.describe(added["approval_execution"]), published

    record, published = asyncio.run(run())
    assert (record.status, record.error) == ("FAILED", "Contract.Invalid")
    for problem in ("contract_id:", "vendor:", "end_date: not found", "value:", "currency:"):
        assert problem in (record.cause or "")
    assert published == []  # nobody was asked to approve it


def _renewal_subject(home: Path) -> tuple[pd.Series, float]:
    """An active contract whose vendor was billed in the last 12 months, and what was billed."""
    register = _register(home)
    expenses = pd.read_csv(home / "data" / "expenses.csv", parse_dates=["expense_date"])
    reference = expenses["expense_date"].max()
    recent = expenses[expenses["expense_date"] > reference - pd.DateOffset(months=12)]
    spend = recent.groupby("vendor_id")["amount"].sum()
    active = register[(register["status"] == "active") & register["vendor_id"].isin(spend.index)]
    contract = active.iloc[0]
    return contract, round(float(spend[contract["vendor_id"]]), 2)


async def _advance_until_waiting(service: WorkflowService, clock: ManualClock, execution: str) -> None:
    """Run the execution, jumping the clock to each wake-up, until it waits for a person or ends."""
    for _ in range(20):
        await service.run_until_idle()
        record = await service.describe(execution)
        if record.status != "RUNNING" or await service.waiting_tasks(execution):
            return
        assert record.wake_at is not None
        clock.set(max(record.wake_at, clock.time()))
    raise AssertionError("the execution neither waited for a person nor ended")


@pytest.mark.parametrize("decision", [{"approved": True}, {"action": "terminate", "by": "ops"}])
def test_a_renewal_due_event_starts_the_renewal_which_analyses_spend_and_decides(
    home: Path, decision: dict[str, Any]
) -> None:
    contract, billed = _renewal_subject(home)
    now = _now()
    deadline = (now + timedelta(days=100)).date()
    end = deadline + timedelta(days=60)
    detail = {"contract_id": contract["contract_id"], "vendor_id": contract["vendor_id"],
              "notice_deadline": deadline.isoformat(), "end_date": end.isoformat()}  # fmt: skip
    entry = {"Source": "hexad.vcm", "DetailType": "contract.renewal.due", "Detail": json.dumps(detail)}

    async def run() -> tuple[Any, ...]:
        clock = ManualClock(now)
        service, published = await _service(clock)
        bus = wiring.event_bus(clock=clock)
        await bus.put_events([entry])
        await bus.put_events([entry])  # the agent repeats the event daily: one renewal handles it
        assert await bus.dispatch_pending() == 2
        executions = await service.list_executions("contract_renewal")
        assert len(executions) == 2
        for record in executions:
            await _advance_until_waiting(service, clock, record.id)
        waiting = await service.waiting_tasks(state_machine="contract_renewal")
        assert len(waiting) == 1 and waiting[0].state == "Decision"
        await service.send_task_success(waiting[0].token, decision)
        await service.run_until_idle()
        first, second = [await service.describe(r.id) for r in executions]
        return first, second, published

    first, second, published = asyncio.run(run())
    done = first if first.output and "outcome" in json.loads(first.output) else second
    other = second if done is first else first
    assert (done.status, other.status) == ("SUCCEEDED", "SUCCEEDED")
    assert "duplicate" in json.loads(other.output or "{}")
    output = json.loads(done.output or "{}")
    assert [e["Detail"]["days_before"] for e in published if e["DetailType"] == "contract.renewal.due"] == [
        90, 60, 30,
    ]  # fmt: skip
    spend = output["spend"]
    assert spend["spend_last_12_months"] == pytest.approx(billed, abs=0.01)
    assert spend["recommendation"] in ("renew", "terminate") and spend["reason"]
    chosen = decision.get("action", spend["recommendation"])
    assert output["outcome"]["action"] == {"renew": "renewed", "terminate": "terminated"}[chosen]
    assert _status(contract["contract_id"]) == ("active" if chosen == "renew" else "terminated")


def _profitable_client() -> str:
    """The client with the best margin over the whole history (CPI's own figures)."""
    source = frames_from_database(get_settings())
    names = ("technicians", "time_entries", "invoices", "agreement_additions", "agreements")
    monthly = monthly_profitability({name: source(name) for name in (*names, "licence_subscriptions")})
    totals = monthly.groupby("client_id")[["revenue", "gross_margin"]].sum()
    return str((totals["gross_margin"] / totals["revenue"]).idxmax())


def test_consensus_asks_three_agents_and_decides_on_their_evidence(home: Path) -> None:
    register = _register(home)
    vendor = register[register["status"] == "active"]["vendor_id"].iloc[0]
    budgets = pd.read_csv(home / "data" / "budgets.csv", dtype={"period": str})
    department, category = budgets.iloc[0][["department", "category"]]
    client = _profitable_client()
    question = {"vendor_id": vendor, "client_id": client, "department": department, "category": category}

    async def decide(amount: float) -> dict[str, Any]:
        service, _ = await _service(ManualClock(_now()))
        execution = await service.start("multi_agent_consensus", {"question": question | {"amount": amount}})
        await service.run_until_idle()
        record = await service.describe(execution)
        assert record.status == "SUCCEEDED", record.cause
        return dict(json.loads(record.output or "{}"))

    small, huge = asyncio.run(decide(1.0)), asyncio.run(decide(1e9))
    assert small["decision"] == "approved" and small["approvals"] == 3
    assert huge["decision"] == "rejected"
    votes = {vote["agent"]: vote for vote in huge["votes"]}
    assert (votes["cpi"]["vote"], votes["dsa"]["vote"], votes["vcm"]["vote"]) == (
        "reject",
        "reject",
        "approve",
    )
    assert votes["cpi"]["evidence"]["margin_after"] < votes["cpi"]["evidence"]["margin"]
    assert vendor in votes["vcm"]["reason"] and "left" in votes["dsa"]["reason"]


def test_the_api_upload_starts_the_approval_and_lists_its_waiting_task(home: Path) -> None:
    register = _register(home)
    contract = register[register["document"].str.endswith(".txt")].iloc[-1]
    data = (home / "data" / contract["document"]).read_bytes()
    clock = ManualClock(_now())
    app = create_app(load_settings(), clock=clock)
    headers = {"Authorization": f"Bearer {app.state.tokens.issue('u-1', ['admin'])}"}

    def drive() -> list[dict[str, Any]]:  # the worker's part: the API only records
        async def run() -> list[dict[str, Any]]:
            service, published = await _service(clock)
            await service.run_until_idle()
            return published

        return asyncio.run(run())

    with TestClient(app) as client:
        files = {"file": (f"{contract['contract_id']}.txt", data, "text/plain")}
        uploaded = client.post("/api/v1/contracts", files=files, headers=headers).json()
        execution = uploaded["approval_execution"]
        [request] = drive()
        assert request["DetailType"] == "contract.approval.requested"
        tasks = client.get("/api/v1/workflows/tasks", headers=headers).json()["items"]
        assert [(t["execution_id"], t["state"]) for t in tasks] == [(execution, "ManagerApproval")]
        assert tasks[0]["token"] == request["Detail"]["token"]
        detail = tasks[0]["request"]["Entries"][0]["Detail"]
        assert detail["contract"]["contract_id"] == contract["contract_id"]
        rejected = client.post(
            f"/api/v1/workflows/tasks/{tasks[0]['token']}/reject",
            json={"error": "Rejected", "cause": "price too high"},
            headers=headers,
        )
        assert rejected.status_code == 200
        drive()
        described = client.get(f"/api/v1/workflows/executions/{execution}", headers=headers).json()
        assert client.get("/api/v1/workflows/tasks", headers=headers).json()["items"] == []
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "Contract.Rejected",
        "price too high",
    )
    assert _status(contract["contract_id"]) == contract["status"]  # a rejected contract is not activated
