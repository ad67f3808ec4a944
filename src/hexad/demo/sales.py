"""Leads, opportunities and sales activities.

Planted: `high_value_lead` (~5% of leads). Definition used for the truth: the lead is `new` or
`qualified`, has an open opportunity (stage not closed_*) of amount >= 50,000, and that opportunity
had at least 3 activities in the 30 days up to the reference date.
Confounders: big open deals gone quiet (last activity 45-200 days ago), busy small deals (3-6
recent activities, 5,000-20,000), and closed deals of every size (their leads are converted or
disqualified).
History: about 60% of the leads are closed deals whose outcome is drawn from a noisy model of
plausible drivers (`hexad.demo.sales_outcomes`), about a third of them won; lead scoring learns
from them. The true win probability of each closed deal is kept (not written) for checking
calibration.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hexad.demo.context import REFERENCE_DATE, START_DATE, DemoContext, rows
from hexad.demo.sales_outcomes import closed_outcome

__all__ = ["HIGH_VALUE_AMOUNT", "build_sales", "lead_signals"]

HIGH_VALUE_AMOUNT = 50_000.0
_SOURCES = ["referral", "website", "event", "cold_outreach", "partner"]
_INDUSTRIES = [
    "healthcare",
    "legal",
    "accounting",
    "manufacturing",
    "construction",
    "education",
    "retail",
    "logistics",
]
_SERVICES = np.array(["managed_services", "security", "backup", "m365", "network", "voip", "cloud_migration"])
_OPEN = ["prospecting", "qualification", "proposal", "negotiation"]
_KINDS = np.array(["call", "email", "meeting", "demo", "proposal_sent"])


def build_sales(ctx: DemoContext) -> None:
    """Add `leads`, `opportunities` and `activities`."""
    rng, fake = ctx.rng("sales"), ctx.faker("sales")
    n = ctx.scaled(600, minimum=40)
    profile = rng.choice(
        ["hot", "quiet", "busy_small", "closed", "ordinary"], size=n, p=[0.05, 0.04, 0.04, 0.62, 0.25]
    )
    clients = ctx.tables["clients"]["client_id"].to_numpy()
    upsell = rng.random(n) < 0.15
    created = REFERENCE_DATE - pd.to_timedelta(rng.integers(40, 1000, size=n), unit="D")
    ctx.tables["leads"] = pd.DataFrame(
        {
            "lead_id": [f"LD-{i + 1:04d}" for i in range(n)],
            "company_name": [fake.company() for _ in range(n)],
            "client_id": pd.Series(rng.choice(clients, size=n)).where(upsell),
            "source": np.where(upsell, "upsell", rng.choice(_SOURCES, size=n)),
            "industry": rng.choice(_INDUSTRIES, size=n),
            "employees": np.round(rng.lognormal(np.log(40), 1.0, size=n)).astype(int) + 1,
            "created_at": created + pd.to_timedelta(rng.integers(8 * 60, 18 * 60, size=n), unit="m"),
            "status": [_lead_status(rng, p) for p in profile],
        }
    )
    opportunities, activities, probability = _pipeline(rng, ctx.tables["leads"], profile)
    ctx.tables["opportunities"], ctx.tables["activities"] = opportunities, activities
    ctx.hidden["win_probability"] = probability
    closed = opportunities[opportunities["stage"].str.startswith("closed")]
    converted = closed.set_index("lead_id")["stage"].eq("closed_won")
    leads = ctx.tables["leads"]
    outcome = leads["lead_id"].map(converted)
    leads.loc[outcome.notna(), "status"] = np.where(outcome[outcome.notna()], "converted", "disqualified")


def _lead_status(rng: np.random.Generator, profile: str) -> str:
    if profile == "closed":
        return "disqualified"  # until the deal's outcome is drawn
    return str(rng.choice(["new", "qualified"], p=[0.3, 0.7]))


def _pipeline(
    rng: np.random.Generator, leads: pd.DataFrame, profile: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    opportunities: list[dict[str, Any]] = []
    activities: list[dict[str, Any]] = []
    probability: dict[str, float] = {}
    for lead, kind in zip(rows(leads), profile, strict=True):
        if kind == "ordinary" and rng.random() < 0.4:
            continue
        opp_id = f"OP-{len(opportunities) + 1:04d}"
        if kind == "closed":
            deal, times, probability[opp_id] = _closed_deal(rng, lead, opp_id)
        else:
            deal = _opportunity(rng, lead, kind, opp_id)
            times = _activity_times(rng, kind, deal["created_at"])
        opportunities.append(deal)
        for when in times:
            activities.append(
                {
                    "activity_id": f"AC-{len(activities) + 1:05d}",
                    "opportunity_id": opp_id,
                    "kind": str(rng.choice(_KINDS)),
                    "occurred_at": when,
                    "notes": None,
                }
            )
    return pd.DataFrame(opportunities), pd.DataFrame(activities), probability


def _opportunity(rng: np.random.Generator, lead: Any, kind: str, opp_id: str) -> dict[str, Any]:
    """An open deal: big for the hot and quiet profiles, small otherwise."""
    big = kind in {"hot", "quiet"}
    mrr = float(np.round(rng.uniform(4000, 15000) if big else rng.uniform(300, 1500), -1))
    created = max(lead.created_at, START_DATE) + pd.Timedelta(days=int(rng.integers(1, 20)))
    stage = str(rng.choice(_OPEN[1:] if big else _OPEN))
    expected = REFERENCE_DATE + pd.Timedelta(days=int(rng.integers(10, 120)))
    return _deal(rng, lead, opp_id, mrr, stage, created, expected, pd.NaT)


def _deal(
    rng: np.random.Generator, lead: Any, opp_id: str, mrr: float, stage: str,
    created: pd.Timestamp, expected: pd.Timestamp, closed: Any,
) -> dict[str, Any]:  # fmt: skip
    return {
        "opportunity_id": opp_id,
        "lead_id": lead.lead_id,
        "client_id": lead.client_id,
        "name": f"{lead.company_name}: {'managed services' if mrr >= 4000 else 'project'}",
        "stage": stage,
        "amount": float(np.round(mrr * 12 + rng.uniform(0, 20000), -2)),
        "monthly_recurring_revenue": mrr,
        "created_at": created,
        "expected_close_date": expected,
        "closed_at": closed,
        "services": ";".join(sorted(rng.choice(_SERVICES, size=int(rng.integers(1, 4)), replace=False))),
    }


def _closed_deal(
    rng: np.random.Generator, lead: Any, opp_id: str
) -> tuple[dict[str, Any], list[pd.Timestamp], float]:
    """A decided deal sized by the company, its outcome drawn from its drivers, and its activities."""
    mrr = float(np.clip(np.round(lead.employees * rng.uniform(25, 60), -1), 300, 15000))
    created = max(lead.created_at, START_DATE) + pd.Timedelta(days=int(rng.integers(1, 20)))
    closed = min(created + pd.Timedelta(days=int(rng.integers(20, 120))), REFERENCE_DATE)
    deal = _deal(rng, lead, opp_id, mrr, "closed_lost", created, closed.normalize(), closed)
    services = len(deal["services"].split(";"))
    outcome = closed_outcome(rng, str(lead.source), str(lead.industry), deal["amount"], services)
    deal["stage"] = "closed_won" if outcome.won else "closed_lost"
    first = created + pd.Timedelta(days=outcome.response_days)
    window = closed - pd.Timedelta(days=30)
    recent = [
        window + pd.Timedelta(minutes=int(m)) for m in rng.integers(0, 30 * 1440, outcome.recent_activities)
    ]
    earlier_span = max(0, int((window - first).total_seconds() // 60))
    earlier = [
        first + pd.Timedelta(minutes=int(m)) for m in rng.integers(0, earlier_span + 1, rng.integers(0, 3))
    ]
    times = sorted({first, *(max(t, first) for t in recent + earlier)})
    return deal, [t for t in times if t < closed], outcome.probability


def _activity_times(rng: np.random.Generator, kind: str, created: pd.Timestamp) -> list[pd.Timestamp]:
    span = max(1, (REFERENCE_DATE - created).days)
    if kind in {"hot", "busy_small"}:
        ages = list(rng.integers(0, 29, size=int(rng.integers(3, 7)))) + list(
            rng.integers(31, span + 31, size=2)
        )
    elif kind == "quiet":
        ages = list(rng.integers(45, max(46, min(span, 200)), size=int(rng.integers(3, 8))))
    else:
        ages = list(rng.integers(0, span, size=int(rng.integers(1, 6))))
    times = [
        REFERENCE_DATE - pd.Timedelta(days=int(a)) + pd.Timedelta(minutes=int(rng.integers(480, 1080)))
        for a in ages
    ]
    return sorted(max(t, created) for t in times)


def lead_signals(ctx: DemoContext) -> None:
    """Apply the documented definition to the generated pipeline."""
    leads, opps, acts = ctx.tables["leads"], ctx.tables["opportunities"], ctx.tables["activities"]
    since = REFERENCE_DATE - pd.Timedelta(days=30)
    recent = acts[acts["occurred_at"] >= since].groupby("opportunity_id").size()
    live = opps[~opps["stage"].str.startswith("closed") & (opps["amount"] >= HIGH_VALUE_AMOUNT)]
    status = leads.set_index("lead_id")["status"]
    for opp in rows(live):
        count = int(recent.get(opp.opportunity_id, 0))
        if count >= 3 and status.get(opp.lead_id) in {"new", "qualified"}:
            ctx.signal(
                "high_value_lead",
                "lead",
                opp.lead_id,
                opportunity_id=opp.opportunity_id,
                amount=round(opp.amount, 2),
                stage=opp.stage,
                activities_last_30_days=count,
                window_start=since.date().isoformat(),
            )
