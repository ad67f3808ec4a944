"""The agents' workflow actions as plain functions: contract checks, reminder dates, spend analysis, votes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from hexad.agents.actions import ACTION_NAMES, agent_actions
from hexad.agents.contract_actions import (
    ContractInvalidError,
    RenewalError,
    next_term_end,
    reminder_dates,
    validate_contract,
)
from hexad.agents.vendor_spend import vendor_spend_analysis
from hexad.agents.votes import dsa_vote, question_of, vcm_vote
from hexad.agents.workflows import load
from hexad.errors import ValidationError

GOOD = {
    "contract_id": "CT-0042",
    "vendor_id": "VN-001",
    "parties": ["Hexad Demo MSP, Inc.", "Acme Cloud Ltd."],
    "effective_date": "2026-01-01",
    "end_date": "2027-01-01",
    "notice_period_days": 60,
    "notice_deadline": "2026-11-02",
    "value": 12000.0,
    "currency": "GBP",
    "confidence": {"value": 0.4, "currency": 0.9},
    "sources": {"value": "document", "currency": "register"},
}


def test_a_complete_contract_is_valid_and_low_confidence_reads_are_warnings() -> None:
    checked = validate_contract(GOOD, date(2026, 6, 1))
    assert checked["valid"] is True
    assert checked["warnings"] == ["value read with confidence 0.40: check it against the document"]
    late = validate_contract(GOOD | {"confidence": {}}, date(2026, 12, 1))["warnings"]
    assert late == ["the notice deadline 2026-11-02 has passed: this term renews or ends as written"]


def test_every_problem_is_named_in_one_contract_invalid_error() -> None:
    broken = GOOD | {"contract_id": None, "vendor_id": None, "end_date": "2025-06-01", "value": 0,
                     "currency": "pounds", "notice_period_days": 900}  # fmt: skip
    with pytest.raises(ContractInvalidError) as raised:
        validate_contract(broken, date(2026, 6, 1))
    cause = str(raised.value)
    assert raised.value.error == "Contract.Invalid"
    for problem in ("contract_id:", "vendor:", "end_date: 2025-06-01 is not after", "value:", "currency:"):
        assert problem in cause
    assert "Acme Cloud Ltd." in cause  # the parties read, so a person can add the vendor


def test_reminders_fall_before_the_notice_deadline_and_only_ahead_of_now() -> None:
    now = datetime(2026, 8, 20, tzinfo=UTC)
    plan = reminder_dates(GOOD, [30, 90, 60], now)
    assert [(r["days_before"], r["at"]) for r in plan["reminders"]] == [
        (60, "2026-09-03T09:00:00Z"),
        (30, "2026-10-03T09:00:00Z"),
    ]  # 90 days before (2026-08-04) has passed
    after_last = datetime(2026, 11, 2, 23, 59, 59, tzinfo=UTC) - datetime(2026, 10, 3, 9, tzinfo=UTC)
    assert plan["decision_timeout_seconds"] == int(after_last.total_seconds())
    with pytest.raises(RenewalError, match="has passed"):
        reminder_dates(GOOD, [30], datetime(2026, 11, 3, tzinfo=UTC))
    with pytest.raises(RenewalError, match="unknown"):
        reminder_dates(GOOD | {"notice_deadline": None}, [30], now)


def test_the_next_term_uses_the_decision_then_the_renewal_term() -> None:
    assert next_term_end(GOOD, {"term_months": 24}) == date(2029, 1, 1)
    assert next_term_end(GOOD | {"renewal_term_months": 6}, {}) == date(2027, 7, 1)
    assert next_term_end(GOOD, {}) == date(2028, 1, 1)


def _frames(tables: dict[str, pd.DataFrame]) -> Any:
    return lambda entity: tables[entity]


def _expenses(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["vendor_id", "expense_date", "amount"])
    frame["expense_date"] = pd.to_datetime(frame["expense_date"])
    frame["department"], frame["category"] = "IT", "software"
    return frame


@pytest.mark.parametrize(
    ("rows", "recommendation", "change"),
    [
        ([("VN-1", "2025-03-01", 1000.0), ("VN-1", "2026-03-01", 900.0)], "renew", -0.1),
        ([("VN-1", "2025-03-01", 1000.0), ("VN-1", "2026-03-01", 400.0)], "terminate", -0.6),
        ([("VN-1", "2025-03-01", 1000.0), ("VN-2", "2026-03-01", 400.0)], "terminate", -1.0),
    ],
)
def test_spend_analysis_compares_two_years_and_recommends(
    rows: list[tuple[str, str, float]], recommendation: str, change: float
) -> None:
    frames = _frames({"expenses": _expenses(rows)})
    result = vendor_spend_analysis(frames, "VN-1", pd.Timestamp("2026-06-30"), [])
    assert result["recommendation"] == recommendation and result["reason"]
    assert result["change"] == pytest.approx(change)
    assert result["spend_prior_12_months"] == 1000.0


def test_votes_use_each_agents_own_data_and_abstain_without_it() -> None:
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    budgets = pd.DataFrame({"department": "IT", "category": "software", "period": months, "amount": 100.0})
    expenses = _expenses([("VN-1", "2026-02-01", 700.0), ("VN-1", "2025-02-01", 5000.0)])
    vendors = pd.DataFrame({"vendor_id": ["VN-1", "VN-2"]})
    register = pd.DataFrame({"contract_id": ["CT-1", "CT-2"], "vendor_id": ["VN-1", "VN-2"],
                             "status": ["active", "terminated"]})  # fmt: skip
    frames = _frames(
        {"budgets": budgets, "expenses": expenses, "vendors": vendors, "vendor_contracts": register}
    )
    reference = pd.Timestamp("2026-06-30")
    ask = {"vendor_id": "VN-1", "department": "IT", "category": "software"}
    assert dsa_vote(frames, ask | {"amount": 500.0}, reference)["vote"] == "approve"  # 1200 - 700 = 500 left
    assert dsa_vote(frames, ask | {"amount": 500.01}, reference)["vote"] == "reject"
    assert dsa_vote(frames, {"vendor_id": "VN-1", "amount": 1.0}, reference)["vote"] == "abstain"
    assert vcm_vote(frames, {"vendor_id": "VN-1"})["vote"] == "approve"
    assert vcm_vote(frames, {"vendor_id": "VN-2"})["vote"] == "reject"
    assert vcm_vote(frames, {"vendor_id": "VN-9"})["vote"] == "reject"
    with pytest.raises(ValidationError, match="amount"):
        question_of({"question": {"vendor_id": "VN-1", "amount": "a lot"}})


def test_every_agent_task_of_hexads_workflows_has_an_action() -> None:
    used = set()
    for name in ("contract_approval", "contract_renewal", "multi_agent_consensus"):
        definition = load(name)
        stack = [definition["States"]]
        while stack:
            for state in stack.pop().values():
                resource = state.get("Resource", "")
                if resource.startswith("hexad:agent:"):
                    used.add(resource.removeprefix("hexad:agent:"))
                stack += [branch["States"] for branch in state.get("Branches", [])]
                if "ItemProcessor" in state:
                    stack.append(state["ItemProcessor"]["States"])
    actions = agent_actions()
    assert used == set(ACTION_NAMES) == set(actions)
    assert "vcm:nope" not in actions
