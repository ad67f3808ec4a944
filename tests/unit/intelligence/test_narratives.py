"""Narratives: the offline writer per finding kind, the number check, and the LLM fallback."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from hexad.agents.findings import Finding
from hexad.intelligence.llm import Completion, LlmClient, LlmRequest, OfflineProvider
from hexad.intelligence.narratives import NarrativeWriter, ungrounded, write_finding
from hexad.intelligence.narratives.offline import WRITERS

NOW = datetime(2026, 10, 1, tzinfo=UTC)

EVIDENCE: dict[str, tuple[str, str, dict[str, Any]]] = {
    "margin_erosion": (
        "client",
        "CL-0001",
        {
            "baseline_months": ["2025-10"],
            "recent_months": ["2026-08", "2026-09"],
            "baseline_margin": 0.1397,
            "mean_drop": 0.2615,
            "months": [
                {
                    "month": "2026-08",
                    "revenue": 6166.37,
                    "labour_hours": 50.5,
                    "labour_cost": 2975.56,
                    "addition_cost": 349.2,
                    "licence_cost": 4057.64,
                    "margin": -0.0812,
                },
                {
                    "month": "2026-09",
                    "revenue": 6166.37,
                    "labour_hours": 52.0,
                    "labour_cost": 3010.0,
                    "addition_cost": 349.2,
                    "licence_cost": 4057.64,
                    "margin": -0.1398,
                },
            ],
        },
    ),
    "unprofitable_agreement": (
        "agreement",
        "AG-0001",
        {
            "client_id": "CL-0001",
            "from": "2025-10-01",
            "to": "2026-09-30",
            "monthly_fee": 490.0,
            "revenue": 15567.0,
            "labour_hours": 226.75,
            "labour_cost": 11847.89,
            "addition_cost": 4190.4,
            "profit": -471.29,
            "margin": -0.0303,
        },
    ),
    "churn_risk": (
        "client",
        "CL-0033",
        {
            "probability": 0.3412,
            "method": "model",
            "days_to_agreement_end": 103.0,
            "factors": [
                {
                    "factor": "late_days_mean",
                    "contribution": 2.5,
                    "explanation": "invoices paid 18 days late on average (last 6 months)",
                }
            ],
        },
    ),
    "licence_unused_seats": (
        "licence_subscription",
        "LS-00026",
        {
            "subscription_id": "LS-00026",
            "client_id": "CL-0010",
            "vendor": "Microsoft",
            "sku": "EXCHANGESTANDARD",
            "seats_purchased": 11,
            "seats_assigned": 9,
            "seats_active_30d": 2,
            "unit_cost": 4.0,
            "seats_unused": 7,
            "unused_after_days": 90,
            "monthly_cost_of_unused": 28.0,
        },
    ),
    "licence_over_deployed": (
        "licence_subscription",
        "LS-00009",
        {
            "subscription_id": "LS-00009",
            "client_id": "CL-0004",
            "vendor": "Adobe",
            "sku": "CC_ALL_APPS",
            "seats_purchased": 1,
            "seats_assigned": 2,
            "excess_seats": 1,
            "true_up_monthly_cost": 84.99,
        },
    ),
    "licence_under_billed": (
        "licence_subscription",
        "LS-00010",
        {
            "subscription_id": "LS-00010",
            "client_id": "CL-0005",
            "vendor": "Adobe",
            "sku": "ACROBAT_PRO",
            "seats_assigned": 6,
            "seats_billed": 0,
            "unit_price": 23.99,
            "unbilled_seats": 6,
            "monthly_revenue_missed": 143.94,
        },
    ),
    "spend_anomaly": (
        "expense",
        "EX-03320",
        {
            "expense_id": "EX-03320",
            "department": "Engineering",
            "category": "software",
            "vendor_id": "VN-021",
            "vendor_name": "Savage Software",
            "amount": 4546.85,
            "typical_bill": 617.86,
            "ratio": 7.36,
            "robust_z": 5.52,
            "bills_compared": 168,
            "month": "2026-04",
        },
    ),
    "duplicate_payment": (
        "expense",
        "EX-00971",
        {
            "expense_id": "EX-00971",
            "original_expense_id": "EX-00939",
            "vendor_id": "VN-017",
            "amount": 1743.12,
            "invoice_number": "017-100933",
            "days_apart": 12,
            "department": "Marketing",
        },
    ),
    "unusual_vendor": (
        "expense",
        "EX-01036",
        {
            "expense_id": "EX-01036",
            "vendor_id": None,
            "vendor_name": "Apex Strategic Holdings",
            "amount": 24219.5,
            "department": "Service Desk",
            "expense_date": "2024-07-04",
            "description": "Consulting services",
            "vendor_first_seen": "2024-07-04",
        },
    ),
    "budget_at_risk": (
        "budget",
        "Engineering|cloud|2026",
        {
            "department": "Engineering",
            "category": "cloud",
            "budget_to_date": 73041.21,
            "spend_to_date": 85090.85,
            "ratio_to_date": 1.165,
            "annual_budget": 97388.28,
            "forecast_next_3_months": 28813.56,
            "forecast_interval_80": [23782.4, 33844.72],
            "projected_year_spend": 113904.41,
            "projected_ratio": 1.1696,
            "projected_ratio_low": 1.1179,
        },
    ),
    "technician_over_utilized": (
        "technician",
        "TC-019",
        {
            "technician_id": "TC-019",
            "window_start": "2026-07-02",
            "window_end": "2026-09-30",
            "billable_hours": 551.0,
            "available_hours": 520.0,
            "leave_days": 0,
            "utilization": 1.0596,
            "threshold": 0.9,
        },
    ),
    "technician_under_utilized": (
        "technician",
        "TC-007",
        {
            "technician_id": "TC-007",
            "window_start": "2026-07-02",
            "window_end": "2026-09-30",
            "billable_hours": 206.25,
            "available_hours": 480.0,
            "leave_days": 5,
            "utilization": 0.4297,
            "threshold": 0.65,
        },
    ),
    "high_value_lead": (
        "lead",
        "LD-0139",
        {
            "opportunity_id": "OP-0113",
            "amount": 192200.0,
            "stage": "qualification",
            "activities_last_30_days": 5,
            "win_probability": 0.0614,
            "expected_value": 11799.62,
            "drivers": [{"feature": "log_amount", "contribution": -3.1}],
        },
    ),
    "contract_renewal_due": (
        "vendor_contract",
        "CT-0004",
        {
            "contract_id": "CT-0004",
            "vendor_id": "VN-060",
            "end_date": "2027-03-27",
            "notice_period_days": 90,
            "notice_deadline": "2026-12-27",
            "days_until_deadline": 88,
            "auto_renew": True,
            "value": 23400.0,
            "currency": "USD",
        },
    ),
}


def finding(kind: str) -> Finding:
    subject_type, subject_id, evidence = EVIDENCE[kind]
    return Finding(
        id="f1", agent="cpi", kind=kind, subject_type=subject_type, subject_id=subject_id, severity="high",
        score=0.7, summary=f"{subject_id}: {kind.replace('_', ' ')}", evidence=evidence,
        recommended_action="Act on it.", status="open", created_at=NOW, updated_at=NOW, resolved_at=None,
    )  # fmt: skip


def test_every_kind_with_a_writer_has_an_example() -> None:
    assert set(WRITERS) == set(EVIDENCE)


@pytest.mark.parametrize("kind", sorted(EVIDENCE))
def test_offline_narratives_are_grounded_and_specific(kind: str) -> None:
    item = finding(kind)
    narrative = write_finding(item)
    assert narrative.source == "offline" and narrative.rejected is None
    body = f"{narrative.what} {narrative.why}"
    assert ungrounded(body, item.evidence, item.subject_id) == []
    assert any(ch.isdigit() for ch in narrative.what), "the narrative states the numbers"
    assert narrative.action == "Act on it."


def test_an_unknown_kind_or_odd_evidence_still_gets_a_narrative() -> None:
    item = finding("spend_anomaly")
    odd = Finding(**{**item.__dict__, "kind": "something_new", "evidence": {"amount": 12.5}})
    assert "amount 12.5" in write_finding(odd).why
    broken = Finding(**{**item.__dict__, "evidence": {"amount": 1.0}})  # a key the writer needs is missing
    assert write_finding(broken).what.startswith(item.summary)


def test_the_number_check_accepts_rounding_percentages_ids_and_counts() -> None:
    evidence = {
        "amount": 4546.85,
        "margin": 0.1397,
        "month": "2026-04",
        "vendor_id": "VN-021",
        "months": [1, 2, 3],
    }
    assert (
        ungrounded("VN-021 billed 4,546.85 (about 4.5k) in 2026-04, margin 14% for 3 months", evidence) == []
    )
    assert ungrounded("VN-022 billed 4,600 in 2026-05 at 13%", evidence) == [
        "VN-022",
        "2026-05",
        "4,600",
        "13%",
    ]


def scripted(answer: str) -> tuple[LlmClient, list[LlmRequest]]:
    seen: list[LlmRequest] = []

    def script(request: LlmRequest) -> Completion:
        seen.append(request)
        return Completion(answer, model="scripted")

    provider = OfflineProvider(script)
    provider.name = "scripted"  # type: ignore[misc]  # not "offline", so the writer uses it
    return LlmClient(provider), seen


async def test_a_grounded_llm_narrative_is_used_and_its_prompt_carries_only_the_evidence() -> None:
    answer = {
        "headline": "Savage Software overbilled",
        "what": "EX-03320 was 4,546.85, 7.4x the usual 617.86.",
        "why": "Far above 168 comparable bills.",
        "action": "Dispute it.",
    }
    client, seen = scripted(json.dumps(answer))
    narrative = await NarrativeWriter(client).finding(finding("spend_anomaly"))
    assert narrative.source == "llm:scripted" and narrative.rejected is None
    assert narrative.what == answer["what"]
    sent = json.loads(seen[0].messages[0].content)
    assert sent["evidence"] == EVIDENCE["spend_anomaly"][2]
    assert seen[0].purpose == "narrative"


async def test_an_llm_narrative_with_an_invented_number_falls_back_to_offline() -> None:
    answer = {
        "headline": "Overbilled",
        "what": "EX-03320 was 5,100.00 this month.",
        "why": "High.",
        "action": "x",
    }
    client, _ = scripted(json.dumps(answer))
    narrative = await NarrativeWriter(client).finding(finding("spend_anomaly"))
    assert narrative.source == "offline"
    assert narrative.rejected is not None and "5,100.00" in narrative.rejected
    assert narrative.what == write_finding(finding("spend_anomaly")).what


async def test_an_llm_answer_that_is_not_json_falls_back() -> None:
    client, _ = scripted("Sure! Here is a narrative.")
    narrative = await NarrativeWriter(client).finding(finding("duplicate_payment"))
    assert narrative.source == "offline" and "JSON" in (narrative.rejected or "")


async def test_offline_provider_means_the_offline_writer() -> None:
    narrative = await NarrativeWriter(LlmClient(OfflineProvider())).finding(finding("churn_risk"))
    assert narrative.source == "offline" and narrative.rejected is None
