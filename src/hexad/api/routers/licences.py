"""/api/v1/licences: the four-way seat reconciliation of every client subscription (SLI).

Purchased vs assigned vs active (30/60/90 days) vs billed, and the money at stake, from
`hexad.agents.sli.reconcile_licences` on the analysis reference date, held in the app's analysis
cache. The detail adds the subscription's assignments (idle days each) and its open findings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from hexad.agents.base import FrameSource
from hexad.agents.findings import Finding, FindingStore
from hexad.agents.sli import reconcile_licences
from hexad.api.pagination import MAX_LIMIT
from hexad.api.routers.analysis import analysis_cache
from hexad.api.routers.listing import check_sort, keyset_page
from hexad.api.security import Principal, require
from hexad.errors import NotFoundError

__all__ = ["Reconciliation", "build_reconciliation", "router"]

router = APIRouter(prefix="/api/v1/licences", tags=["licences"])

_TEXT = ("subscription_id", "client_id", "vendor", "product_name", "sku")
_NUMBERS = (
    "seats_purchased", "seats_assigned", "active_30d", "active_60d", "active_90d", "seats_unused",
    "seats_billed", "over_deployed", "under_billed", "unit_cost", "unit_price", "unused_monthly_cost",
    "under_billed_monthly",
)  # fmt: skip
Issue = Literal["unused", "over_deployed", "under_billed"]
_ISSUE_COLUMN = {"unused": "seats_unused", "over_deployed": "over_deployed", "under_billed": "under_billed"}


class LicenceOut(BaseModel):
    """One subscription's seats four ways, and the money per month at stake."""

    subscription_id: str
    client_id: str
    vendor: str | None
    sku: str | None
    product_name: str | None
    seats_purchased: int
    seats_assigned: int
    active_30d: int
    active_60d: int
    active_90d: int
    seats_unused: int
    seats_billed: int
    over_deployed: int
    under_billed: int
    unit_cost: float | None
    unit_price: float | None
    unused_monthly_cost: float | None
    under_billed_monthly: float | None


class LicencePage(BaseModel):
    items: list[LicenceOut]
    next_cursor: str | None = None
    reference_date: date | None = None


class AssignmentOut(BaseModel):
    assignment_id: str
    user_principal: str | None
    assigned_date: date | None
    last_activity_date: date | None
    idle_days: int | None


class LicenceDetail(LicenceOut):
    reference_date: date
    assignments: list[AssignmentOut]
    open_findings: list[Finding]


@dataclass(frozen=True)
class Reconciliation:
    reference_date: date
    rows: list[LicenceOut]
    assignments: dict[str, list[AssignmentOut]]


def _clean(value: Any) -> Any:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _day(value: Any) -> date | None:
    value = _clean(value)
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def build_reconciliation(frames: FrameSource, reference: date) -> Reconciliation:
    """Reconcile every subscription on `reference` (the analysis cache runs this in a thread)."""
    subscriptions, assignments = frames("licence_subscriptions"), frames("licence_assignments")
    table = reconcile_licences(subscriptions, assignments, pd.Timestamp(reference))
    fields = LicenceOut.model_fields
    rows = [
        LicenceOut(**{k: _clean(v) for k, v in row.items() if k in fields})
        for row in table.to_dict(orient="records")
    ]
    seen = assignments["last_activity_date"].fillna(assignments["assigned_date"])
    idle = (pd.Timestamp(reference) - seen).dt.days
    by_subscription: dict[str, list[AssignmentOut]] = {}
    for row, days in zip(assignments.to_dict(orient="records"), idle, strict=True):
        by_subscription.setdefault(str(row["subscription_id"]), []).append(
            AssignmentOut(
                assignment_id=str(row["assignment_id"]),
                user_principal=_clean(row["user_principal"]),
                assigned_date=_day(row["assigned_date"]),
                last_activity_date=_day(row["last_activity_date"]),
                idle_days=None if pd.isna(days) else int(days),
            )
        )
    return Reconciliation(reference, rows, by_subscription)


async def _reconciliation(request: Request) -> Reconciliation:
    return await analysis_cache(request).get("licences", build_reconciliation)


def _value(row: LicenceOut, field: str) -> Any:
    return getattr(row, field)


@router.get("", response_model=LicencePage)
async def list_licences(
    request: Request,
    _: Annotated[Principal, Depends(require("licences:read"))],
    client_id: str | None = None,
    vendor: str | None = None,
    issue: Annotated[Issue | None, Query(description="only subscriptions with this problem")] = None,
    q: Annotated[str | None, Query(max_length=200, description="text in product, SKU or vendor")] = None,
    sort: Annotated[str, Query(description="a field, '-' first for descending")] = "subscription_id",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> LicencePage:
    """Subscriptions reconciled, filtered by client, vendor, problem or text."""
    check_sort(sort, _TEXT + _NUMBERS)
    found = await _reconciliation(request)
    rows = [r for r in found.rows if _matches(r, client_id, vendor, issue, q)]
    page, next_cursor = keyset_page(
        rows, sort=sort, text_fields=_TEXT, value=_value, ident=lambda r: r.subscription_id,
        limit=limit, cursor=cursor,
    )  # fmt: skip
    return LicencePage(items=page, next_cursor=next_cursor, reference_date=found.reference_date)


def _matches(
    row: LicenceOut, client_id: str | None, vendor: str | None, issue: str | None, text: str | None
) -> bool:
    if client_id is not None and row.client_id != client_id:
        return False
    if vendor is not None and (row.vendor or "").casefold() != vendor.casefold():
        return False
    if issue is not None and getattr(row, _ISSUE_COLUMN[issue]) <= 0:
        return False
    if text:
        haystack = " ".join(v or "" for v in (row.product_name, row.sku, row.vendor))
        return text.casefold() in haystack.casefold()
    return True


@router.get("/{subscription_id}", response_model=LicenceDetail)
async def get_licence(
    request: Request, subscription_id: str, _: Annotated[Principal, Depends(require("licences:read"))]
) -> LicenceDetail:
    """One subscription: its reconciliation, its assignments (idle days each) and open findings."""
    found = await _reconciliation(request)
    row = next((r for r in found.rows if r.subscription_id == subscription_id), None)
    if row is None:
        raise NotFoundError(f"no licence subscription with id {subscription_id!r}")
    store: FindingStore = request.app.state.findings
    findings = store.list(subject_id=subscription_id, status="open", limit=MAX_LIMIT)
    return LicenceDetail(
        **row.model_dump(),
        reference_date=found.reference_date,
        assignments=found.assignments.get(subscription_id, []),
        open_findings=list(findings),
    )
