from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from hexad.agents.base import AgentContext, FrameSource
from hexad.agents.sli import SoftwareLicenceAgent, reconcile_licences
from hexad.config import load_settings


def _subscription(**overrides: Any) -> dict[str, Any]:
    row = {"subscription_id": "LS-1", "client_id": "CL-1", "vendor": "Microsoft", "sku": "SPE_E3",
           "product_name": "E3", "seats_purchased": 3, "unit_cost": 36.0, "unit_price": 43.2,
           "seats_billed": 3, "term": "annual", "start_date": pd.Timestamp("2025-01-01"),
           "renewal_date": pd.Timestamp("2026-12-31")}  # fmt: skip
    return row | overrides


def _assignments(idle_days: list[int | None]) -> pd.DataFrame:
    ref = pd.Timestamp("2026-09-30")
    return pd.DataFrame(
        {
            "assignment_id": [f"LA-{i}" for i in range(len(idle_days))],
            "subscription_id": "LS-1",
            "user_principal": [f"u{i}@x" for i in range(len(idle_days))],
            "assigned_date": ref - pd.Timedelta(days=400),
            "last_activity_date": [None if d is None else ref - pd.Timedelta(days=d) for d in idle_days],
        }
    )


def test_reconciliation_counts_each_window() -> None:
    table = reconcile_licences(
        pd.DataFrame([_subscription(seats_purchased=4, seats_billed=2)]),
        _assignments([1, 45, 75, 120, None]),
        pd.Timestamp("2026-09-30"),
    )
    row = table.iloc[0]
    assert (row.seats_assigned, row.active_30d, row.active_60d, row.active_90d) == (5, 1, 2, 3)
    assert (row.seats_unused, row.over_deployed, row.under_billed) == (2, 1, 3)
    assert row.unused_monthly_cost == 72.0
    assert row.under_billed_monthly == 129.6


def test_sli_matches_ground_truth(frames: FrameSource, truth: dict[str, Any], tmp_path: Path) -> None:
    ctx = AgentContext(frames, date(2026, 9, 30), tmp_path, load_settings(home=tmp_path))
    run = SoftwareLicenceAgent().run(ctx)
    for kind in ("licence_unused_seats", "licence_over_deployed", "licence_under_billed"):
        found = {f.subject_id for f in run.findings if f.kind == kind}
        planted = {s["subject_id"] for s in truth["signals"] if s["kind"] == kind}
        assert found == planted, kind
    assert {e.detail_type for e in run.events} == {"license.compliance.violation", "license.savings.found"}
    over = next(f for f in run.findings if f.kind == "licence_over_deployed")
    assert over.evidence["seats_assigned"] - over.evidence["seats_purchased"] == over.evidence["excess_seats"]


def test_sli_for_one_client(frames: FrameSource, tmp_path: Path) -> None:
    ctx = AgentContext(frames, date(2026, 9, 30), tmp_path, load_settings(home=tmp_path))
    client = frames("licence_subscriptions")["client_id"].iloc[0]
    run = SoftwareLicenceAgent().run(ctx, subject_id=client)
    assert {f.evidence["client_id"] for f in run.findings} <= {client}
    assert run.metrics["subscriptions"] == int((frames("licence_subscriptions")["client_id"] == client).sum())
