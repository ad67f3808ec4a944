"""Hexad's own workflows (contract approval, contract renewal, consensus) run end to end with fake agents."""

from __future__ import annotations

from typing import Any

import pytest

from hexad.agents.workflows import NAMES, load
from hexad.errors import WorkflowNotFoundError
from hexad.runtime.workflows import run_local


class RejectedError(Exception):
    error = "Rejected"


def test_every_workflow_loads_and_validates() -> None:
    for name in NAMES:
        assert load(name)["States"]
    with pytest.raises(WorkflowNotFoundError, match="contract_approval"):
        load("nope")


def _approval_resources(events: list[dict[str, Any]], answer: Any) -> dict[str, Any]:
    def put_events(payload: dict[str, Any]) -> Any:
        entry = payload["Entries"][0]
        events.append(entry)
        assert entry["Detail"]["token"]
        if isinstance(answer, Exception):
            raise answer
        return {"approved_by": entry["Detail"]["approver"]}

    return {
        "hexad:agent:vcm:extract_contract": lambda p: {"vendor": "Acme", "value": p["document"]["value"]},
        "hexad:agent:vcm:validate_contract": lambda p: {"valid": True, "warnings": []},
        "hexad:events:putEvents": put_events,
        "hexad:agent:vcm:activate_contract": lambda p: {"status": "active"},
        "hexad:agent:vcm:schedule_renewal_reminders": lambda p: {"offsets": p["offsets_days"]},
    }


@pytest.mark.parametrize(("value", "approvers"), [(120_000, ["manager", "finance"]), (9_000, ["manager"])])
def test_contract_approval_asks_finance_only_above_the_threshold(value: int, approvers: list[str]) -> None:
    events: list[dict[str, Any]] = []
    result = run_local(
        load("contract_approval"), {"document": {"value": value}}, resources=_approval_resources(events, None)
    )
    assert result.status == "SUCCEEDED", result.cause
    assert [event["Detail"]["approver"] for event in events] == approvers
    assert result.output["activation"] == {"status": "active"}
    assert result.output["reminders"] == {"offsets": [90, 60, 30]}


def test_contract_approval_threshold_from_the_input() -> None:
    events: list[dict[str, Any]] = []
    data = {"document": {"value": 9_000}, "finance_threshold": 5_000}
    result = run_local(load("contract_approval"), data, resources=_approval_resources(events, None))
    assert [event["Detail"]["approver"] for event in events] == ["manager", "finance"]
    assert result.status == "SUCCEEDED"


def test_contract_rejected_by_the_manager_fails_with_the_cause() -> None:
    events: list[dict[str, Any]] = []
    resources = _approval_resources(events, RejectedError("over budget"))
    result = run_local(load("contract_approval"), {"document": {"value": 10}}, resources=resources)
    assert (result.status, result.error, result.cause) == ("FAILED", "Contract.Rejected", "over budget")


class HandledError(Exception):
    error = "Renewal.AlreadyHandled"


def _renewal_resources(sent: list[int], done: list[str], decision: Any, claimed: bool = True) -> Any:
    def put_events(payload: dict[str, Any]) -> Any:
        entry = payload["Entries"][0]
        if entry["DetailType"] == "contract.renewal.due":
            sent.append(entry["Detail"]["days_before"])
            return None
        assert entry["Detail"]["spend"]["recommendation"] == "terminate"
        return decision

    def claim(payload: dict[str, Any]) -> Any:
        if not claimed:
            raise HandledError("handled by another execution")
        return {"claimed": True}

    reminders = [
        {"days_before": 90, "at": "2026-03-01T00:00:00Z"},
        {"days_before": 60, "at": "2026-03-31T00:00:00Z"},
        {"days_before": 30, "at": "2026-04-30T00:00:00Z"},
    ]
    return {
        "hexad:agent:vcm:claim_renewal": claim,
        "hexad:agent:vcm:reminder_dates": lambda p: {
            "reminders": reminders,
            "notice_deadline": "2026-05-30",
            "decision_timeout_seconds": 86400,
        },
        "hexad:events:putEvents": put_events,
        "hexad:agent:dsa:vendor_spend_analysis": lambda p: {
            "vendor_id": p["vendor_id"],
            "recommendation": "terminate",
        },
        "hexad:agent:vcm:renew_contract": lambda p: done.append("renew") or {"renewed": True},
        "hexad:agent:vcm:terminate_contract": lambda p: done.append("terminate") or {},
    }


@pytest.mark.parametrize(
    ("decision", "outcome"),
    [({"action": "renew"}, "renew"), ({"approved": True}, "terminate"), ({"approved": False}, None)],
)
def test_contract_renewal_reminds_analyses_and_follows_the_decision(
    decision: Any, outcome: str | None
) -> None:
    sent: list[int] = []
    done: list[str] = []
    resources = _renewal_resources(sent, done, decision)
    data = {"contract": {"contract_id": "C-7", "vendor_id": "VN-1"}}
    result = run_local(load("contract_renewal"), data, resources=resources)
    assert sent == [90, 60, 30]
    assert result.history[-1]["timestamp"].startswith("2026-04-30")
    if outcome is None:  # approving nothing in particular is no decision
        assert (result.status, result.error) == ("FAILED", "Renewal.NoDecision")
        return
    assert result.status == "SUCCEEDED", result.cause
    assert done == [outcome]
    assert result.output["spend"] == {"vendor_id": "VN-1", "recommendation": "terminate"}


def test_a_renewal_another_execution_handles_ends_at_once() -> None:
    sent: list[int] = []
    resources = _renewal_resources(sent, [], {"action": "renew"}, claimed=False)
    data = {"contract": {"contract_id": "C-7", "vendor_id": "VN-1"}}
    result = run_local(load("contract_renewal"), data, resources=resources)
    assert result.status == "SUCCEEDED" and sent == []
    assert result.output["duplicate"]["Error"] == "Renewal.AlreadyHandled"


def _voter(vote: str | None) -> Any:
    def cast(payload: Any) -> Any:
        if vote is None:
            raise TimeoutError("agent did not answer")
        return {"vote": vote, "reason": f"because {vote}", "evidence": {}}

    return cast


@pytest.mark.parametrize(
    ("votes", "decision", "approvals"),
    [
        (("approve", "approve", None), "approved", 2),
        (("approve", "reject", None), "rejected", 1),
        (("approve", "approve", "approve"), "approved", 3),
    ],
)
def test_consensus_counts_votes_and_an_agent_that_fails_abstains(
    votes: tuple[str | None, ...], decision: str, approvals: int
) -> None:
    resources = {
        f"hexad:agent:{agent}:vote": _voter(vote)
        for agent, vote in zip(("cpi", "dsa", "vcm"), votes, strict=True)
    }
    result = run_local(load("multi_agent_consensus"), {"question": "renew Acme?"}, resources=resources)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["decision"] == decision
    assert result.output["approvals"] == approvals
    assert [vote["agent"] for vote in result.output["votes"]] == ["cpi", "dsa", "vcm"]
    if None in votes:
        assert result.output["votes"][2]["vote"] == "abstain"
