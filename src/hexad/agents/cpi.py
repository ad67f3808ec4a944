"""CPI, client profitability intelligence: revenue, cost and margin per client and month, and trends.

Money is summed as DECIMAL and rounded half away from zero once, to the cent.
Monthly figures come from one DuckDB query over the frames (fast on millions of time entries):
revenue = the client's non-void invoices issued in the month; labour cost = hours x the technician's
fully burdened `hourly_cost` (a technician without one is costed at the median of the same role, and
the run's metrics name them so the data can be fixed); addition cost = quantity x `unit_cost` (an
addition without one is costed at `addition_cost_share` of its price, and named too); licence cost =
seats purchased x unit cost. From those: gross margin, margin %, effective hourly rate
((revenue - addition and licence cost) / labour hours), contribution rate (profit / labour hours),
labour vs included hours and fixed-fee efficiency (revenue / labour at standard bill rates).

Findings: `margin_erosion` (every one of the last 3 months well below the client's baseline margin,
confirmed by a one-sided test against the baseline's robust spread (MAD); a single bad month never
qualifies), `unprofitable_agreement` (a managed-services agreement that lost money over the last
12 months) and `churn_risk` (see
`hexad.agents.churn`). Event `client.profitability.changed` when the last month's margin moved more
than `change_threshold` from the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy import stats  # type: ignore[import-untyped]

from hexad.agents.base import AgentContext, AgentEvent, AgentRun, FindingDraft, severity_for
from hexad.agents.churn import churn_findings

__all__ = ["ClientProfitabilityAgent", "agreement_profitability", "monthly_profitability"]

_MONTHLY_SQL = """
WITH tech AS (
    SELECT technician_id, bill_rate,
           CAST(COALESCE(hourly_cost, median(hourly_cost) OVER (PARTITION BY role)) AS DECIMAL(18, 4)) AS cost
    FROM technicians
), labour AS (
    SELECT e.client_id, strftime(e.work_date, '%Y-%m') AS month, SUM(e.hours) AS labour_hours,
           SUM(CASE WHEN e.billable THEN e.hours ELSE 0 END) AS billable_hours,
           SUM(CAST(e.hours AS DECIMAL(18, 2)) * t.cost) AS labour_cost,
           SUM(CAST(e.hours AS DECIMAL(18, 2)) * CAST(t.bill_rate AS DECIMAL(18, 2))) AS standard_value
    FROM time_entries e JOIN tech t USING (technician_id)
    GROUP BY ALL
), revenue AS (
    SELECT client_id, strftime(issue_date, '%Y-%m') AS month, SUM(CAST(total AS DECIMAL(18, 2))) AS revenue
    FROM invoices WHERE status <> 'void' GROUP BY ALL
), addition_cost AS (
    SELECT a.client_id, SUM(CAST(d.quantity AS DECIMAL(18, 2))
        * CAST(COALESCE(d.unit_cost, d.unit_price * $share) AS DECIMAL(18, 4))) AS cost
    FROM agreement_additions d JOIN agreements a USING (agreement_id) GROUP BY ALL
), licence_cost AS (
    SELECT client_id, SUM(seats_purchased * CAST(unit_cost AS DECIMAL(18, 2))) AS cost
    FROM licence_subscriptions GROUP BY ALL
), included AS (
    SELECT client_id, SUM(included_hours) AS hours FROM agreements
    WHERE status = 'active' AND included_hours IS NOT NULL GROUP BY ALL
), cells AS (
    SELECT client_id, month FROM revenue UNION SELECT client_id, month FROM labour
)
SELECT c.client_id, c.month,
       ROUND(COALESCE(r.revenue, 0), 2) AS revenue,
       COALESCE(l.labour_hours, 0) AS labour_hours,
       COALESCE(l.billable_hours, 0) AS billable_hours,
       ROUND(COALESCE(l.labour_cost, 0), 2) AS labour_cost,
       ROUND(COALESCE(d.cost, 0), 2) AS addition_cost,
       ROUND(COALESCE(s.cost, 0), 2) AS licence_cost,
       ROUND(COALESCE(l.standard_value, 0), 2) AS standard_value,
       i.hours AS included_hours
FROM cells c
LEFT JOIN revenue r USING (client_id, month)
LEFT JOIN labour l USING (client_id, month)
LEFT JOIN addition_cost d ON d.client_id = c.client_id
LEFT JOIN licence_cost s ON s.client_id = c.client_id
LEFT JOIN included i ON i.client_id = c.client_id
ORDER BY c.client_id, c.month
"""

_AGREEMENT_SQL = """
WITH tech AS (
    SELECT technician_id, COALESCE(hourly_cost, median(hourly_cost) OVER (PARTITION BY role)) AS cost
    FROM technicians
), labour AS (
    SELECT e.agreement_id, SUM(e.hours) AS hours, SUM(e.hours * t.cost) AS cost
    FROM time_entries e JOIN tech t USING (technician_id)
    WHERE e.work_date >= $first AND e.work_date <= $last GROUP BY ALL
), additions AS (
    SELECT agreement_id, SUM(quantity * COALESCE(unit_cost, unit_price * $share)) AS cost,
           SUM(quantity * unit_price) AS revenue
    FROM agreement_additions GROUP BY ALL
)
SELECT a.agreement_id, a.client_id, a.monthly_recurring_revenue,
       12 * a.monthly_recurring_revenue + 12 * COALESCE(d.revenue, 0) AS revenue,
       COALESCE(l.hours, 0) AS labour_hours, COALESCE(l.cost, 0) AS labour_cost,
       12 * COALESCE(d.cost, 0) AS addition_cost
FROM agreements a
LEFT JOIN labour l USING (agreement_id)
LEFT JOIN additions d USING (agreement_id)
WHERE a.type = 'managed_services' AND a.start_date <= $first
  AND (a.end_date IS NULL OR a.end_date >= $last)
ORDER BY a.agreement_id
"""

_ENTITIES = ("technicians", "time_entries", "invoices", "agreement_additions", "agreements")


def _connect(frames: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    for name, frame in frames.items():
        conn.register(name, frame)
    return conn


def monthly_profitability(frames: dict[str, pd.DataFrame], addition_cost_share: float = 0.6) -> pd.DataFrame:
    """Per client and month: revenue, hours, costs, margin, rates (money rounded to the cent)."""
    with _connect(frames) as conn:
        table = conn.execute(_MONTHLY_SQL, {"share": addition_cost_share}).df()
    for column in ("revenue", "labour_cost", "addition_cost", "licence_cost", "standard_value"):
        table[column] = table[column].astype(float).round(2)
    table["labour_hours"] = table["labour_hours"].astype(float).round(2)
    cost = table["labour_cost"] + table["addition_cost"] + table["licence_cost"]
    table["gross_margin"] = (table["revenue"] - cost).round(2)
    revenue = table["revenue"].where(table["revenue"] != 0)
    hours = table["labour_hours"].where(table["labour_hours"] != 0)
    table["margin"] = (table["gross_margin"] / revenue).round(4)
    product_cost = table["addition_cost"] + table["licence_cost"]
    table["effective_hourly_rate"] = ((table["revenue"] - product_cost) / hours).round(2)
    table["contribution_rate"] = (table["gross_margin"] / hours).round(2)
    standard = table["standard_value"].where(table["standard_value"] != 0)
    table["fixed_fee_efficiency"] = (table["revenue"] / standard).round(4)
    return table


def agreement_profitability(
    frames: dict[str, pd.DataFrame], first: pd.Timestamp, last: pd.Timestamp, addition_cost_share: float = 0.6
) -> pd.DataFrame:
    """Per managed-services agreement active over [first, last] (12 months): revenue, costs, profit."""
    with _connect(frames) as conn:
        params = {"first": first.to_pydatetime(), "last": last.to_pydatetime(), "share": addition_cost_share}
        table = conn.execute(_AGREEMENT_SQL, params).df()
    for column in ("revenue", "labour_cost", "addition_cost"):
        table[column] = table[column].astype(float).round(2)
    table["profit"] = (table["revenue"] - table["labour_cost"] - table["addition_cost"]).round(2)
    table["margin"] = (table["profit"] / table["revenue"].where(table["revenue"] != 0)).round(4)
    return table


def _months_back(reference: pd.Timestamp, count: int, skip: int = 0) -> list[str]:
    end = reference.to_period("M") - skip
    return [str(p) for p in pd.period_range(end - (count - 1), end, freq="M")]


@dataclass
class ClientProfitabilityAgent:
    """Profitability per client and month, margin erosion, loss-making agreements and churn risk."""

    name: str = "cpi"
    title: str = "Client profitability intelligence"
    reads: tuple[str, ...] = (
        "clients", "agreements", "agreement_additions", "time_entries", "technicians", "invoices",
        "invoice_lines", "licence_subscriptions", "tickets",
    )  # fmt: skip
    triggers: tuple[str, ...] = ()
    addition_cost_share: float = 0.6
    erosion_month_drop: float = 0.10
    erosion_mean_drop: float = 0.15
    erosion_p_value: float = 0.05
    change_threshold: float = 0.10

    def run(self, ctx: AgentContext, *, subject_id: str | None = None) -> AgentRun:
        """Full run, or one client's figures and findings when `subject_id` is a client id."""
        ctx.report("reading data", 0.05)
        frames = {name: ctx.frames(name) for name in (*_ENTITIES, "licence_subscriptions")}
        reference = pd.Timestamp(ctx.reference_date)
        ctx.report("monthly profitability", 0.25)
        monthly = monthly_profitability(frames, self.addition_cost_share)
        if subject_id is not None:
            monthly = monthly[monthly["client_id"] == subject_id]
        ctx.report("margin trends", 0.5)
        findings, events = self._erosion(monthly, reference)
        ctx.report("agreements", 0.6)
        first = (reference.to_period("M") - 11).to_timestamp()
        agreements = agreement_profitability(frames, first, reference, self.addition_cost_share)
        if subject_id is not None:
            agreements = agreements[agreements["client_id"] == subject_id]
        findings += _unprofitable(agreements, first, reference)
        ctx.report("churn risk", 0.7)
        churn, churn_metrics = churn_findings(ctx, subject_id=subject_id)
        findings += churn
        ctx.report("done", 1.0)
        metrics = {
            "clients": int(monthly["client_id"].nunique()),
            "client_months": len(monthly),
            "time_entries": len(frames["time_entries"]),
            "agreements_checked": len(agreements),
            "technicians_without_cost": _missing(frames["technicians"], "hourly_cost", "technician_id"),
            "additions_without_cost": _missing(frames["agreement_additions"], "unit_cost", "addition_id"),
        } | churn_metrics
        return AgentRun(agent=self.name, findings=findings, events=events, metrics=metrics)

    def _erosion(
        self, monthly: pd.DataFrame, reference: pd.Timestamp
    ) -> tuple[list[FindingDraft], list[AgentEvent]]:
        baseline_months = _months_back(reference, 6, skip=6)
        recent_months = _months_back(reference, 3)
        table = monthly.pivot(index="client_id", columns="month", values="margin")
        if any(m not in table.columns for m in baseline_months + recent_months):
            return [], []
        table = table[baseline_months + recent_months].dropna().astype(float)
        base, recent = table[baseline_months].to_numpy(), table[recent_months].to_numpy()
        baseline = np.median(base, axis=1)
        drop = baseline - recent.mean(axis=1)
        changed = np.abs(baseline - recent[:, -1]) > self.change_threshold
        events = [
            _change_event(str(c), float(b), float(r), recent_months[-1])
            for c, b, r in zip(table.index[changed], baseline[changed], recent[changed, -1], strict=True)
        ]
        eroded = (recent <= (baseline - self.erosion_month_drop)[:, None]).all(axis=1)
        eroded &= drop >= self.erosion_mean_drop
        eroded &= _drop_p_values(base, drop, len(recent_months)) < self.erosion_p_value
        window = monthly[monthly["month"].isin(baseline_months + recent_months)]
        rows = dict(tuple(window.groupby("client_id")))
        findings = [
            _erosion_finding(
                rows[str(c)], str(c), float(b), float(d), table.loc[c], baseline_months, recent_months
            )
            for c, b, d in zip(table.index[eroded], baseline[eroded], drop[eroded], strict=True)
        ]
        return findings, events


def _drop_p_values(base: np.ndarray, drop: np.ndarray, recent_count: int) -> np.ndarray:
    """One-sided p-values that the recent mean is below the baseline, with a robust (MAD) spread.

    A t-test is thrown off by the one-off project month many baselines contain; the median absolute
    deviation is not, and a one-month dip cannot pass the all-three-months rule before this anyway.
    """
    spread = np.maximum(1.4826 * stats.median_abs_deviation(base, axis=1), 0.02)
    z = drop / (spread / np.sqrt(recent_count))
    return np.asarray(stats.norm.sf(z))


def _change_event(client_id: str, baseline: float, latest: float, month: str) -> AgentEvent:
    detail = {"client_id": client_id, "month": month, "baseline_margin": round(baseline, 4),
              "margin": round(latest, 4), "change": round(latest - baseline, 4)}  # fmt: skip
    return AgentEvent("client.profitability.changed", detail)


def _erosion_finding(
    monthly: pd.DataFrame, client_id: str, baseline: float, drop: float, row: pd.Series,
    baseline_months: list[str], recent_months: list[str],
) -> FindingDraft:  # fmt: skip
    mine = monthly
    score = min(1.0, 0.4 + drop)
    recent_text = ", ".join(f"{row[m]:.0%}" for m in recent_months)
    columns = ["month", "revenue", "labour_hours", "labour_cost", "addition_cost", "licence_cost", "margin"]
    return FindingDraft(
        kind="margin_erosion", subject_type="client", subject_id=client_id,
        severity=severity_for(score), score=round(score, 4),
        summary=f"{client_id}: margin fell from {baseline:.0%} (baseline) to {recent_text} in 3 months",
        evidence={"baseline_months": baseline_months, "recent_months": recent_months,
                  "baseline_margin": round(baseline, 4), "mean_drop": round(drop, 4),
                  "months": mine[columns].to_dict(orient="records")},
        recommended_action="Review the client's ticket load and agreement price; re-plan or re-price it.",
    )  # fmt: skip


def _unprofitable(agreements: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> list[FindingDraft]:
    findings = []
    losing: list[Any] = list(agreements[agreements["profit"] < 0].itertuples(index=False))
    for row in losing:
        score = min(1.0, 0.5 + abs(float(row.margin)))
        findings.append(
            FindingDraft(
                kind="unprofitable_agreement", subject_type="agreement", subject_id=row.agreement_id,
                severity=severity_for(score), score=round(score, 4),
                summary=(f"{row.agreement_id} ({row.client_id}) lost {-row.profit:,.2f} over 12 months "
                         f"(revenue {row.revenue:,.2f}, margin {row.margin:.0%})"),
                evidence={"client_id": row.client_id, "from": first.date().isoformat(),
                          "to": last.date().isoformat(), "monthly_fee": float(row.monthly_recurring_revenue),
                          "revenue": float(row.revenue), "labour_hours": round(float(row.labour_hours), 2),
                          "labour_cost": float(row.labour_cost), "addition_cost": float(row.addition_cost),
                          "profit": float(row.profit), "margin": float(row.margin)},
                recommended_action="Re-price the agreement at renewal or reduce the labour it takes.",
            )
        )  # fmt: skip
    return findings


def _missing(frame: pd.DataFrame, column: str, key: str) -> list[str]:
    return sorted(str(v) for v in frame.loc[frame[column].isna(), key])
