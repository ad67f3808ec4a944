"""Slot extraction (fuzzy names, ids, periods), planning and the offline answer text, without data."""

from __future__ import annotations

from datetime import date

import pytest

from hexad.intelligence.ask.answers import compose_offline, table_parts
from hexad.intelligence.ask.planner import plan_calls
from hexad.intelligence.ask.slots import Catalog, extract_slots
from hexad.intelligence.ask.tools import ToolResult

CATALOG = Catalog(
    clients={"CL-0001": "Case-White", "CL-0003": "Hardy PLC", "CL-0009": "Stevens, Bonilla and Salas"},
    vendors={"VN-021": "Savage Software", "VN-002": "Payne Cloud"},
    technicians={"TC-019": "Heather Brewer", "TC-007": "Vanessa Flores"},
    departments=("Engineering", "IT Operations", "Sales"),
)
TODAY = date(2026, 9, 30)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("why is case white's margin falling", {"client_id": "CL-0001"}),
        ("how is Hardy doing", {"client_id": "CL-0003"}),
        ("spend with Savage Sofware over the last 6 months", {"vendor_id": "VN-021", "months": 6}),
        ("utilization of heather brewer", {"technician_id": "TC-019"}),
        ("is IT operations over budget this year", {"department": "IT Operations", "months": 12}),
        ("contracts ending in the next sixty days", {"days": 60}),
        ("renewals next quarter", {"months": 3, "days": 90}),
        ("CL-0042 and VN-007 since March 2026", {"client_id": "CL-0042", "vendor_id": "VN-007", "months": 7}),
        ("what did the agents find", {}),
    ],
)
def test_slots(question: str, expected: dict[str, object]) -> None:
    assert extract_slots(question, CATALOG, TODAY).as_dict() == expected


def test_names_are_masked_by_their_kind_before_classifying() -> None:
    slots = extract_slots("What should Vanessa Flores work on for Hardy PLC?", CATALOG, TODAY)
    assert slots.masked("What should Vanessa Flores work on for Hardy PLC?") == (
        "what should technician work on for client"
    )


def test_plans_refine_by_keywords() -> None:
    slots = extract_slots("which of Hardy's licences are we not billing?", CATALOG, TODAY)
    [call] = plan_calls("licences", "which of Hardy's licences are we not billing?", slots)
    assert (call.tool, call.arguments) == (
        "licence_reconciliation",
        {"client_id": "CL-0003", "issue": "under_billed"},
    )
    [search] = plan_calls("contract_search", "which contracts mention data protection?", slots)
    assert search.arguments == {"query": "data protection"}


def test_offline_text_cites_each_call_says_failures_and_collects_actions() -> None:
    findings = ToolResult(
        "list_findings", {}, "Findings", "2 findings (status=open)",
        ["id", "agent", "kind", "subject", "severity", "score", "summary"],
        [["f1", "dsa", "duplicate_payment", "EX-1", "critical", 0.9, "EX-1 pays VN-1 10.00 again"]],
        {"findings": [{"id": "f1", "summary": "x", "recommended_action": "Ask VN-1 for a refund."}]},
    )  # fmt: skip
    text = compose_offline("q", [findings, None], [None, "ValidationError: months: too big"])
    assert text.startswith("2 findings (status=open) [1]. Critical: EX-1 pays VN-1 10.00 again [1].")
    assert "I could not get this part of the answer: ValidationError: months: too big [2]." in text
    assert text.endswith("What to do: Ask VN-1 for a refund [1].")
    [table] = table_parts([findings, None])
    assert (table.kind, table.source, table.rows[0][0]) == ("table", 1, "f1")
