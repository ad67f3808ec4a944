"""/api/v1/spend: departmental spend against budget (DSA), per month and per department.

`GET /spend` lists budget, spend and variance per department, category and month
(`hexad.agents.dsa.spend_vs_budget`); `GET /spend/departments` sums the reference year to date per
department and adds the next 3 months' spend forecast with its 80% interval
(`hexad.agents.dsa.budget_forecast`, the same figures the agent's `budget_at_risk` judges).
Both come from the app's analysis cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from hexad.agents.base import FrameSource
from hexad.agents.dsa import budget_forecast, spend_vs_budget
from hexad.api.pagination import MAX_LIMIT
from hexad.api.routers.analysis import analysis_cache
from hexad.api.routers.listing import check_sort, keyset_page
from hexad.api.security import Principal, require

__all__ = ["SpendAnalysis", "build_spend", "router"]

router = APIRouter(prefix="/api/v1/spend", tags=["spend"])

_TEXT = ("department", "category", "period")
_NUMBERS = ("budget", "spend", "variance", "variance_pct")


class SpendRow(BaseModel):
    """One department, category and month: budget, spend, variance (spend - budget)."""

    department: str
    category: str
    period: str
    budget: float
    spend: float
    variance: float
    variance_pct: float | None


class SpendPage(BaseModel):
    items: list[SpendRow]
    next_cursor: str | None = None


class DepartmentOut(BaseModel):
    """A department's year to date and the next 3 months' forecast (80% interval)."""

    department: str
    year: int
    budget_to_date: float
    spend_to_date: float
    variance_to_date: float
    next_3_months_budget: float
    forecast_next_3_months: float
    forecast_low: float
    forecast_high: float


class DepartmentList(BaseModel):
    reference_date: date
    items: list[DepartmentOut]


@dataclass(frozen=True)
class SpendAnalysis:
    reference_date: date
    rows: list[SpendRow]
    departments: list[DepartmentOut]


def _row(record: Mapping[Any, Any]) -> SpendRow:
    budget, spend = round(float(record["budget"]), 2), round(float(record["spend"]), 2)
    return SpendRow(
        department=str(record["department"]),
        category=str(record["category"]),
        period=str(record["period"]),
        budget=budget,
        spend=spend,
        variance=round(spend - budget, 2),
        variance_pct=round(100 * (spend - budget) / budget, 2) if budget else None,
    )


def _department(name: str, table: pd.DataFrame, reference: date) -> DepartmentOut:
    month = reference.strftime("%Y-%m")
    to_date = table[(table["period"] >= f"{reference.year}-01") & (table["period"] <= month)]
    past = table[table["period"] <= month].groupby("period")["spend"].sum().sort_index()
    coming = pd.period_range(pd.Period(month, freq="M") + 1, periods=3, freq="M").astype(str)
    point, low, high = budget_forecast(past)
    budget, spend = float(to_date["budget"].sum()), float(to_date["spend"].sum())
    return DepartmentOut(
        department=name,
        year=reference.year,
        budget_to_date=round(budget, 2),
        spend_to_date=round(spend, 2),
        variance_to_date=round(spend - budget, 2),
        next_3_months_budget=round(float(table[table["period"].isin(coming)]["budget"].sum()), 2),
        forecast_next_3_months=round(point, 2),
        forecast_low=round(low, 2),
        forecast_high=round(high, 2),
    )


def build_spend(frames: FrameSource, reference: date) -> SpendAnalysis:
    """Spend vs budget on `reference` (the analysis cache runs this in a thread)."""
    table = spend_vs_budget(frames("expenses"), frames("budgets"))
    rows = [_row(record) for record in table.to_dict(orient="records")]
    departments = [_department(str(name), part, reference) for name, part in table.groupby("department")]
    return SpendAnalysis(reference, rows, departments)


async def _analysis(request: Request) -> SpendAnalysis:
    return await analysis_cache(request).get("spend", build_spend)


def _matches(row: SpendRow, filters: dict[str, str | None]) -> bool:
    if filters["department"] is not None and row.department != filters["department"]:
        return False
    if filters["category"] is not None and row.category != filters["category"]:
        return False
    if filters["period_from"] is not None and row.period < filters["period_from"]:
        return False
    return filters["period_to"] is None or row.period <= filters["period_to"]


_PERIOD = Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="month YYYY-MM")


@router.get("", response_model=SpendPage)
async def list_spend(
    request: Request,
    _: Annotated[Principal, Depends(require("spend:read"))],
    department: str | None = None,
    category: str | None = None,
    period_from: Annotated[str | None, _PERIOD] = None,
    period_to: Annotated[str | None, _PERIOD] = None,
    sort: Annotated[str, Query(description="a field, '-' first for descending")] = "period",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> SpendPage:
    """Budget, spend and variance per department, category and month."""
    check_sort(sort, _TEXT + _NUMBERS)
    filters = {"department": department, "category": category}
    filters |= {"period_from": period_from, "period_to": period_to}
    rows = [row for row in (await _analysis(request)).rows if _matches(row, filters)]
    page, next_cursor = keyset_page(
        rows, sort=sort, text_fields=_TEXT, value=lambda r, f: getattr(r, f),
        ident=lambda r: f"{r.department}|{r.category}|{r.period}", limit=limit, cursor=cursor,
    )  # fmt: skip
    return SpendPage(items=page, next_cursor=next_cursor)


@router.get("/departments", response_model=DepartmentList)
async def list_departments(
    request: Request, _: Annotated[Principal, Depends(require("spend:read"))]
) -> DepartmentList:
    """Per department: the reference year to date against budget and the next 3 months' forecast."""
    found = await _analysis(request)
    return DepartmentList(reference_date=found.reference_date, items=found.departments)
