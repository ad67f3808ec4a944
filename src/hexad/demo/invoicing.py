"""Monthly invoices and their lines, built from agreements, additions, licences, labour and projects.

One invoice per client and month, issued on the month's last day, due 30 days later. Lines:
`recurring` (the agreement fee), `product` (additions), `licence` (seats_billed x unit_price),
`labour` (time-and-materials hours, and block-hours overage, at the labour rate) and `project` (the
fixed fee, in the month the project completes). Payment behaviour follows `health`: most clients pay
before the due date, "late payers" always 5-20 days late, churn-risk clients 15-60 days late in the
last six months. An invoice unpaid at the reference date is `overdue` past its due date, else `open`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hexad.demo.context import MONTHS, REFERENCE_DATE, DemoContext

__all__ = ["LABOUR_RATE", "build_invoices"]

LABOUR_RATE = 135.0


def build_invoices(ctx: DemoContext) -> None:
    """Add `invoices` and `invoice_lines`."""
    rng = ctx.rng("invoicing")
    lines = pd.concat(
        [_recurring(ctx), _additions(ctx), _licences(ctx), _labour(ctx), _projects(ctx)], ignore_index=True
    )
    lines = lines.sort_values(["month", "client_id", "kind", "description"], kind="stable").reset_index(
        drop=True
    )
    keys = lines[["client_id", "month"]].drop_duplicates().reset_index(drop=True)
    keys["invoice_id"] = [f"IN-{i + 1:06d}" for i in range(len(keys))]
    lines = lines.merge(keys, on=["client_id", "month"], how="left")
    lines["amount"] = (lines["quantity"] * lines["unit_price"]).round(2)
    lines["line_id"] = [f"IL-{i + 1:07d}" for i in range(len(lines))]
    totals = lines.groupby("invoice_id")["amount"].sum().round(2)
    ctx.tables["invoices"] = _invoices(ctx, rng, keys, totals)
    ctx.tables["invoice_lines"] = lines[
        ["line_id", "invoice_id", "agreement_id", "kind", "description", "quantity", "unit_price", "amount"]
    ]


def _month_grid(frame: pd.DataFrame) -> pd.DataFrame:
    """Cross every row with the window's months in which it is active (start <= month end, end >= start)."""
    months = pd.DataFrame({"month": MONTHS})
    months["first"] = pd.to_datetime(months["month"])
    months["last"] = months["first"] + pd.offsets.MonthEnd(0)
    grid = frame.merge(months, how="cross")
    end = grid["end_date"].fillna(pd.Timestamp("2100-01-01"))
    return grid[(grid["start_date"] <= grid["last"]) & (end >= grid["first"])]


def _recurring(ctx: DemoContext) -> pd.DataFrame:
    agreements = ctx.tables["agreements"]
    paid = agreements[agreements["monthly_recurring_revenue"] > 0]
    grid = _month_grid(paid)
    return pd.DataFrame(
        {
            "client_id": grid["client_id"],
            "month": grid["month"],
            "agreement_id": grid["agreement_id"],
            "kind": "recurring",
            "description": grid["name"],
            "quantity": 1.0,
            "unit_price": grid["monthly_recurring_revenue"],
        }
    )


def _additions(ctx: DemoContext) -> pd.DataFrame:
    additions = ctx.tables["agreement_additions"]
    owners = ctx.tables["agreements"].set_index("agreement_id")["client_id"]
    grid = _month_grid(additions.assign(client_id=additions["agreement_id"].map(owners)))
    return pd.DataFrame(
        {
            "client_id": grid["client_id"],
            "month": grid["month"],
            "agreement_id": grid["agreement_id"],
            "kind": "product",
            "description": grid["product"],
            "quantity": grid["quantity"],
            "unit_price": grid["unit_price"],
        }
    )


def _licences(ctx: DemoContext) -> pd.DataFrame:
    subs = ctx.tables["licence_subscriptions"]
    grid = _month_grid(subs.assign(end_date=pd.Series(pd.NaT, index=subs.index, dtype="datetime64[ns]")))
    grid = grid[grid["seats_billed"] > 0]
    return pd.DataFrame(
        {
            "client_id": grid["client_id"],
            "month": grid["month"],
            "agreement_id": None,
            "kind": "licence",
            "description": grid["product_name"],
            "quantity": grid["seats_billed"].astype(float),
            "unit_price": grid["unit_price"],
        }
    )


def _labour(ctx: DemoContext) -> pd.DataFrame:
    """Time-and-materials hours, and block-hours hours above the included hours."""
    entries = ctx.tables["time_entries"]
    agreements = ctx.tables["agreements"].set_index("agreement_id")
    billable = entries[entries["billable"]]
    hours = billable.groupby([billable["agreement_id"], billable["work_date"].dt.strftime("%Y-%m")])[
        "hours"
    ].sum()
    frame = hours.rename("hours").reset_index().rename(columns={"work_date": "month"})
    kind = frame["agreement_id"].map(agreements["type"])
    included = frame["agreement_id"].map(agreements["included_hours"]).fillna(0.0)
    frame["quantity"] = np.where(
        kind == "block_hours", np.maximum(0.0, frame["hours"] - included), frame["hours"]
    )
    frame = frame[kind.isin(["time_and_materials", "block_hours"]) & (frame["quantity"] > 0)]
    return pd.DataFrame(
        {
            "client_id": frame["agreement_id"].map(agreements["client_id"]),
            "month": frame["month"],
            "agreement_id": frame["agreement_id"],
            "kind": "labour",
            "description": "Labour",
            "quantity": frame["quantity"],
            "unit_price": LABOUR_RATE,
        }
    )


def _projects(ctx: DemoContext) -> pd.DataFrame:
    projects = ctx.tables["projects"]
    done = projects[projects["status"] == "completed"]
    return pd.DataFrame(
        {
            "client_id": done["client_id"],
            "month": done["end_date"].dt.strftime("%Y-%m"),
            "agreement_id": done["agreement_id"],
            "kind": "project",
            "description": done["name"],
            "quantity": 1.0,
            "unit_price": done["budget"],
        }
    )


def _invoices(
    ctx: DemoContext, rng: np.random.Generator, keys: pd.DataFrame, totals: pd.Series
) -> pd.DataFrame:
    n = len(keys)
    issue = pd.to_datetime(keys["month"]) + pd.offsets.MonthEnd(0)
    due = issue + pd.Timedelta(days=30)
    delay = _payment_delay(ctx, rng, keys)
    paid = (issue + pd.to_timedelta(delay, unit="D")).where(lambda d: d <= REFERENCE_DATE)
    void = rng.random(n) < 0.005
    status = np.where(paid.notna(), "paid", np.where(due < REFERENCE_DATE, "overdue", "open"))
    return pd.DataFrame(
        {
            "invoice_id": keys["invoice_id"],
            "client_id": keys["client_id"],
            "invoice_number": [f"INV-{m.replace('-', '')}-{i + 1:05d}" for i, m in enumerate(keys["month"])],
            "issue_date": issue,
            "due_date": due,
            "paid_date": paid.where(~void),
            "total": keys["invoice_id"].map(totals).to_numpy(),
            "status": np.where(void, "void", status),
        }
    )


def _payment_delay(ctx: DemoContext, rng: np.random.Generator, keys: pd.DataFrame) -> np.ndarray:
    """Days from issue to payment for each invoice."""
    clients = ctx.tables["clients"]["client_id"].to_numpy()
    health = ctx.hidden["health"]
    n = len(keys)
    delay = rng.integers(5, 29, size=n)
    late_payer = keys["client_id"].isin(clients[health["late_payers"]]).to_numpy()
    delay = np.where(late_payer, 30 + rng.integers(5, 21, size=n), delay)
    recent = keys["month"].isin(MONTHS[-6:]).to_numpy()
    churn = keys["client_id"].isin(clients[health["churn"]]).to_numpy() & recent
    delay = np.where(churn, 30 + rng.integers(15, 61, size=n), delay)
    return _past_churn_delay(ctx, keys, delay)


def _past_churn_delay(ctx: DemoContext, keys: pd.DataFrame, delay: np.ndarray) -> np.ndarray:
    """Clients that churned with warning signs paid 15-60 days late in their last six months."""
    past: dict[int, int] = ctx.hidden.get("past_churn", {})
    if not past:
        return delay
    clients = ctx.tables["clients"]["client_id"].to_numpy()
    end_month = pd.Series({clients[c]: end for c, end in past.items()})
    month_index = keys["month"].map({m: i for i, m in enumerate(MONTHS)}).to_numpy()
    ends = keys["client_id"].map(end_month).to_numpy(dtype=float)
    window = ~np.isnan(ends) & (month_index >= ends - 5) & (month_index <= ends)
    late = 30 + ctx.rng("invoicing.history").integers(15, 61, size=len(keys))
    return np.where(window, late, delay)
