"""/api/v1/clients: every client with its profitability (latest month and trailing 12 months).

Computing profitability reads every time entry and invoice (`hexad.agents.cpi.monthly_profitability`),
far too slow to do per request, so each app keeps the result in its `AnalysisCache` (rebuilt after
a newer import or 60 s) with each client's figures and monthly rows ready to serve. A client's
detail is kept encoded in the app's `ReadCache` until the database or that build changes.
Lists are sorted and paged in memory over the cached summaries (a few thousand clients at most):
keyset cursors hold the sort value and client id of the last row, so pages stay stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

import pandas as pd
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from hexad.agents.base import FrameSource
from hexad.agents.cpi import monthly_profitability
from hexad.agents.findings import Finding, FindingStore
from hexad.api.pagination import MAX_LIMIT
from hexad.api.read_cache import ReadCache
from hexad.api.routers.analysis import analysis_cache
from hexad.api.routers.listing import check_sort, keyset_page
from hexad.api.security import Principal, require
from hexad.domain.models import Client
from hexad.errors import NotFoundError

__all__ = ["ClientSummary", "Figures", "Profitability", "build_profitability", "router", "summarise"]

router = APIRouter(prefix="/api/v1/clients", tags=["clients"])

_FRAME_ENTITIES = (
    "technicians", "time_entries", "invoices", "agreement_additions", "agreements", "licence_subscriptions",
)  # fmt: skip
_MONTH_COLUMNS = (
    "month", "revenue", "labour_hours", "billable_hours", "labour_cost", "addition_cost", "licence_cost",
    "gross_margin", "margin", "effective_hourly_rate", "contribution_rate", "fixed_fee_efficiency",
)  # fmt: skip
_SUMMARY_COLUMNS = ("client_id", "name", "tier", "status", "industry", "city", "country")


@dataclass(frozen=True)
class Profitability:
    """One build: per client, its figures and its month-by-month rows (JSON-ready, oldest first)."""

    figures: dict[str, tuple[Figures | None, Figures | None]] = field(default_factory=dict)
    months: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def build_profitability(frames: FrameSource, reference: date) -> Profitability:
    """Profitability of every client from the entities (the analysis cache runs this in a thread)."""
    frame = monthly_profitability({name: frames(name) for name in _FRAME_ENTITIES})
    months = {
        str(client_id): [_json_row(r) for r in rows[list(_MONTH_COLUMNS)].to_dict(orient="records")]
        for client_id, rows in frame.groupby("client_id")
    }
    return Profitability(summarise(frame, reference), months)


class Figures(BaseModel):
    """Profitability over a period: money in the MSP's currency, margin in percent of revenue."""

    period: str
    revenue: float
    cost: float
    gross_margin: float
    margin_pct: float | None
    labour_hours: float
    effective_hourly_rate: float | None


class ClientSummary(BaseModel):
    client_id: str
    name: str
    tier: str | None
    status: str
    industry: str | None
    city: str | None
    country: str | None
    latest_month: Figures | None
    trailing_12_months: Figures | None


class ClientPage(BaseModel):
    items: list[ClientSummary]
    next_cursor: str | None = None


class ClientDetail(ClientSummary):
    """A client's row, its figures, its month-by-month series and its open findings."""

    contract_value: float | None
    start_date: str
    end_date: str | None
    seats: int | None
    endpoints: int | None
    months: list[dict[str, Any]]
    open_findings: list[Finding]


def _figures(rows: pd.DataFrame, period: str) -> Figures | None:
    if rows.empty:
        return None
    revenue = round(float(rows["revenue"].sum()), 2)
    product = float(rows["addition_cost"].sum() + rows["licence_cost"].sum())
    cost = round(float(rows["labour_cost"].sum()) + product, 2)
    hours = round(float(rows["labour_hours"].sum()), 2)
    return Figures(
        period=period,
        revenue=revenue,
        cost=cost,
        gross_margin=round(revenue - cost, 2),
        margin_pct=round(100 * (revenue - cost) / revenue, 2) if revenue else None,
        labour_hours=hours,
        effective_hourly_rate=round((revenue - product) / hours, 2) if hours else None,
    )


def summarise(frame: pd.DataFrame, reference: date) -> dict[str, tuple[Figures | None, Figures | None]]:
    """Per client: figures of the reference date's month and of the 12 months ending with it."""
    if frame.empty:
        return {}
    latest = reference.strftime("%Y-%m")
    first = str(pd.Period(latest, freq="M") - 11)
    window = frame[(frame["month"] >= first) & (frame["month"] <= latest)]
    result: dict[str, tuple[Figures | None, Figures | None]] = {}
    for client_id, rows in window.groupby("client_id"):
        result[str(client_id)] = (
            _figures(rows[rows["month"] == latest], latest),
            _figures(rows, f"{first}..{latest}"),
        )
    return result


_SORT_FIELDS = (
    "name", "client_id", "revenue", "cost", "margin_pct", "effective_hourly_rate",
    "t12m_revenue", "t12m_cost", "t12m_margin_pct", "t12m_effective_hourly_rate",
)  # fmt: skip


def _sort_value(item: ClientSummary, field: str) -> Any:
    if field in ("name", "client_id"):
        return getattr(item, field)
    figures = item.trailing_12_months if field.startswith("t12m_") else item.latest_month
    return None if figures is None else getattr(figures, field.removeprefix("t12m_"))


def _page(items: list[ClientSummary], sort: str, limit: int, cursor: str | None) -> ClientPage:
    page, next_cursor = keyset_page(
        items,
        sort=sort,
        text_fields=("name", "client_id"),
        value=_sort_value,
        ident=lambda item: item.client_id,
        limit=limit,
        cursor=cursor,
    )
    return ClientPage(items=page, next_cursor=next_cursor)


async def profitability(request: Request) -> Profitability:
    """The app's cached client profitability."""
    return await analysis_cache(request).get("clients", build_profitability)


def _client_rows(request: Request, client_id: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(*(c for c in Client.__table__.columns if c.name not in ("row_hash", "imported_at")))
    if client_id is not None:
        query = query.where(Client.client_id == client_id)
    with request.app.state.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query.order_by(Client.client_id))]


def _matches(row: dict[str, Any], tier: str | None, status: str | None, text: str | None) -> bool:
    if tier is not None and row["tier"] != tier:
        return False
    if status is not None and row["status"] != status:
        return False
    if text:
        haystack = " ".join(str(row[k] or "") for k in ("client_id", "name", "industry", "city"))
        return text.casefold() in haystack.casefold()
    return True


def _summary(row: dict[str, Any], figures: dict[str, tuple[Figures | None, Figures | None]]) -> ClientSummary:
    latest, trailing = figures.get(row["client_id"], (None, None))
    fields = {
        name: row[name] for name in ("client_id", "name", "tier", "status", "industry", "city", "country")
    }
    return ClientSummary(**fields, latest_month=latest, trailing_12_months=trailing)


@router.get("", response_model=ClientPage)
async def list_clients(
    request: Request,
    _: Annotated[Principal, Depends(require("clients:read"))],
    tier: str | None = None,
    status: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="text in id, name, industry or city")] = None,
    sort: Annotated[str, Query(description="a sort field, '-' first for descending")] = "name",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> ClientPage:
    """Clients matching every filter with their latest-month and trailing-12-month profitability."""
    check_sort(sort, _SORT_FIELDS)
    figures = (await profitability(request)).figures
    rows = [row for row in _client_rows(request) if _matches(row, tier, status, q)]
    return _page([_summary(row, figures) for row in rows], sort, limit, cursor)


@router.get("/{client_id}", response_model=ClientDetail)
async def get_client(
    request: Request, client_id: str, _: Annotated[Principal, Depends(require("clients:read"))]
) -> Response:
    """One client: its row, figures, monthly series (oldest first) and open findings."""
    found = await profitability(request)
    cache: ReadCache = request.app.state.read_cache
    build = analysis_cache(request).builds.get("clients")  # a newer build may hold other figures
    body = cache.answer(("client", client_id), lambda: _detail(request, client_id, found), extra=build)
    return Response(body, media_type="application/json")


def _detail(request: Request, client_id: str, found: Profitability) -> bytes:
    rows = _client_rows(request, client_id)
    if not rows:
        raise NotFoundError(f"no client with id {client_id!r}")
    row = rows[0]
    summary = _summary(row, found.figures)
    store: FindingStore = request.app.state.findings
    findings = store.list(subject_id=client_id, status="open", limit=MAX_LIMIT)
    detail = ClientDetail(
        **summary.model_dump(),
        contract_value=None if row["contract_value"] is None else float(row["contract_value"]),
        start_date=row["start_date"].isoformat(),
        end_date=None if row["end_date"] is None else row["end_date"].isoformat(),
        seats=row["seats"],
        endpoints=row["endpoints"],
        months=found.months.get(client_id, []),
        open_findings=list(findings),
    )
    return detail.model_dump_json().encode()


def _json_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    """NaN (a month without revenue or hours) as null."""
    return {str(k): (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
