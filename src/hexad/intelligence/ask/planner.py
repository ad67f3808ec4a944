"""From an intent and the question's slots to tool calls: the offline supervisor's plan.

Keywords refine a plan where the intent alone is too broad: which finding kind ("duplicate",
"churn"), which licence issue ("unused", "over-deployed"), which severity. A search takes the
question's content words as its query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hexad.intelligence.ask.slots import Slots

__all__ = ["PlannedCall", "plan_calls"]

_KINDS = (
    (r"duplicate|\btwice\b|double[- ]pa", "duplicate_payment"),
    (r"not in the vendor master|unknown vendor|unusual vendor|unapproved vendor", "unusual_vendor"),
    (r"anomal|unusual (bill|spend|charge)|odd bill|spike", "spend_anomaly"),
    (r"unprofitable agreement|agreements? (are|is) unprofitable|losing agreement", "unprofitable_agreement"),
    (r"margin erosion|margin (drop|fall)", "margin_erosion"),
    (r"over[- ]budget|budget at risk", "budget_at_risk"),
    (r"renewal", "contract_renewal_due"),
    (r"high[- ]value lead", "high_value_lead"),
)
_AGENTS = (
    (r"\bspend agent\b|\bdsa\b", "dsa"),
    (r"\blicen[cs]e agent\b|\bsli\b", "sli"),
    (r"\bprofitability agent\b|\bcpi\b", "cpi"),
    (r"\bsales agent\b|\bspo\b", "spo"),
    (r"\bresource agent\b|\bram\b", "ram"),
    (r"\bcontract agent\b|\bvcm\b", "vcm"),
)
_ISSUES = (
    (r"over[- ]?deploy|complian|more (\w+ )?than (we |they )?(purchased|bought|own)", "over_deployed"),
    (r"true[- ]up|over the purchased", "over_deployed"),
    (r"under[- ]?bill|not bill|unbilled|not invoic", "under_billed"),
    (r"unused|idle|nobody uses|inactive|cancel|savings|not used|wast", "unused"),
)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "any",
        "anything",
        "about",
        "all",
        "and",
        "are",
        "contract",
        "contracts",
        "agreement",
        "agreements",
        "clause",
        "clauses",
        "cover",
        "covers",
        "do",
        "does",
        "everything",
        "find",
        "for",
        "in",
        "include",
        "includes",
        "look",
        "me",
        "mention",
        "mentioning",
        "mentions",
        "notes",
        "of",
        "on",
        "related",
        "search",
        "show",
        "some",
        "that",
        "the",
        "to",
        "up",
        "what",
        "which",
        "with",
        "vendor",
        "findings",
        "talk",
        "talks",
        "have",
        "has",
    ]
)


@dataclass(frozen=True)
class PlannedCall:
    """A tool to call with its arguments."""

    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


def _first(patterns: tuple[tuple[str, str], ...], text: str) -> str | None:
    return next((value for pattern, value in patterns if re.search(pattern, text)), None)


def _query(question: str) -> str:
    words = re.findall(r"[\w'-]+", question.lower().split(":", 1)[-1])
    kept = [w for w in words if w not in _STOP]
    return " ".join(kept) or question


def _severity(text: str) -> str | None:
    if re.search(r"\bcritical\b", text):
        return "critical"
    return "high" if re.search(r"\bhigh[- ]severity\b|\bhigh\b priority", text) else None


def _findings(question: str, slots: Slots) -> list[PlannedCall]:
    text = question.lower()
    args: dict[str, Any] = {}
    if kind := _first(_KINDS, text):
        args["kind"] = kind
    if agent := _first(_AGENTS, text):
        args["agent"] = agent
    if severity := _severity(text):
        args["severity"] = severity
    if subject := slots.client_id or slots.technician_id or slots.contract_id:
        args["subject_id"] = subject
    return [PlannedCall("list_findings", args)]


def _slots(slots: Slots, *names: str) -> dict[str, Any]:
    return {name: getattr(slots, name) for name in names if getattr(slots, name)}


def _profitability(question: str, slots: Slots) -> list[PlannedCall]:
    months = _slots(slots, "months")
    if slots.client_id:
        return [
            PlannedCall("client_profitability", {"client_id": slots.client_id} | months),
            PlannedCall("list_findings", {"subject_id": slots.client_id}),
        ]
    return [PlannedCall("client_profitability", months)]


def _churn(question: str, slots: Slots) -> list[PlannedCall]:
    subject = {"subject_id": slots.client_id} if slots.client_id else {}
    return [PlannedCall("list_findings", {"kind": "churn_risk"} | subject)]


def _licences(question: str, slots: Slots) -> list[PlannedCall]:
    issue = _first(_ISSUES, question.lower())
    return [
        PlannedCall(
            "licence_reconciliation", _slots(slots, "client_id") | ({"issue": issue} if issue else {})
        )
    ]


def _renewals(question: str, slots: Slots) -> list[PlannedCall]:
    return [PlannedCall("contract_renewals", _slots(slots, "days"))]


def _one(tool: str, *slot_names: str) -> Callable[[str, Slots], list[PlannedCall]]:
    return lambda question, slots: [PlannedCall(tool, _slots(slots, *slot_names))]


def _searching(tool: str) -> Callable[[str, Slots], list[PlannedCall]]:
    return lambda question, slots: [PlannedCall(tool, {"query": _query(question)})]


_PLANS: dict[str, Callable[[str, Slots], list[PlannedCall]]] = {
    "client_profitability": _profitability,
    "findings": _findings,
    "churn": _churn,
    "licences": _licences,
    "spend": _one("spend_series", "department", "vendor_id", "months"),
    "budget": _one("budget_status", "department"),
    "forecast": _one("pipeline_forecast"),
    "leads": _one("top_leads"),
    "contract_search": _searching("contract_search"),
    "renewals": _renewals,
    "utilization": _one("technician_utilization", "technician_id"),
    "plan": _one("assignment_plan", "client_id", "technician_id"),
    "search": _searching("semantic_search"),
}


def plan_calls(intent: str, question: str, slots: Slots) -> list[PlannedCall]:
    """The tool calls that answer `question` of kind `intent` (independent calls, run in parallel)."""
    return _PLANS.get(intent, _searching("semantic_search"))(question, slots)
