"""/api/v1/plans, /routes and /utilization: technicians' work (RAM).

A plan assigns the open tickets and project tasks to qualified technicians (a MIP solve, up to
`time_limit` seconds); routes order a day's on-site visits per technician (OR-Tools routing);
utilization is each technician's billable share of available hours over the last 13 weeks. Solves
are expensive, so each result is held in the app's analysis cache under its parameters (dropped on
the next import or after 60 s) and a solve's time limit is bounded at 10 seconds. Routes carry the
coordinates the solver used (each stop's site, each technician's home) and each stop's time window,
so a client can draw the plan to scale without a map service.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from hexad.agents.base import AgentContext, FrameSource
from hexad.agents.ram import ResourceAllocationAgent
from hexad.agents.ram_routes import RouteTechnician, Visit, day_visits, plan_routes
from hexad.agents.ram_utilization import utilization_by_technician, window_bounds
from hexad.agents.service import lake_path
from hexad.api.pagination import MAX_LIMIT
from hexad.api.routers.analysis import Build, analysis_cache
from hexad.api.routers.listing import check_sort, keyset_page
from hexad.api.security import Principal, require
from hexad.config import Settings

__all__ = ["plans_router", "routes_router", "utilization_router"]

plans_router = APIRouter(prefix="/api/v1/plans", tags=["resources"])
routes_router = APIRouter(prefix="/api/v1/routes", tags=["resources"])
utilization_router = APIRouter(prefix="/api/v1/utilization", tags=["resources"])

_TIME_LIMIT = Query(ge=0.1, le=10.0, description="solver seconds")
_TEXT = ("technician_id", "name")
_NUMBERS = ("utilization", "billable_hours", "worked_hours", "available_hours", "days_worked", "leave_days")


class PlanOut(BaseModel):
    """An assignment plan: every assignment with its reason, and what could not be assigned."""

    reference_date: date
    status: str
    objective: float
    bound: float
    gap: float
    assignments: list[dict[str, Any]]
    unassigned: list[dict[str, Any]]
    notes: list[str]


class RouteStopOut(BaseModel):
    """One visit: arrival and departure (HH:MM), the drive to it, where it is and its time window."""

    visit_id: str
    arrival: str
    departure: str
    drive_km: float
    latitude: float
    longitude: float
    window_start: str
    window_end: str


class RouteOut(BaseModel):
    """One technician's day: from home through the stops in order and back."""

    technician_id: str
    stops: list[RouteStopOut]
    distance_km: float
    back_home: str
    home_latitude: float
    home_longitude: float


class RoutePlanOut(BaseModel):
    """Each technician's stops in order, and the visits that could not be placed (with why)."""

    day: str
    distance_km: float
    routes: list[RouteOut]
    unvisited: list[dict[str, Any]]


class UtilizationOut(BaseModel):
    technician_id: str
    name: str
    billable_hours: float
    worked_hours: float
    available_hours: float
    days_worked: int
    leave_days: int
    utilization: float
    weekly: list[dict[str, Any]]


class UtilizationPage(BaseModel):
    window_start: date | None = None
    window_end: date | None = None
    items: list[UtilizationOut]
    next_cursor: str | None = None


def _plan_builder(
    settings: Settings, client_id: str | None, eroding: bool, time_limit: float
) -> Build[dict[str, Any]]:
    def build(frames: FrameSource, reference: date) -> dict[str, Any]:
        agent = ResourceAllocationAgent(plan_time_limit=time_limit)
        context = AgentContext(frames, reference, lake_path(settings), settings)
        plan = agent.plan(
            context, client_id=client_id, eroding={client_id} if client_id and eroding else None
        )
        return {"reference_date": reference, **plan.to_json()}

    return build


@plans_router.get("", response_model=PlanOut)
async def assignment_plan(
    request: Request,
    _: Annotated[Principal, Depends(require("plans:read"))],
    client_id: Annotated[str | None, Query(description="plan only this client's open work")] = None,
    eroding: Annotated[bool, Query(description="prefer the cheapest qualified technician")] = False,
    technician_id: Annotated[str | None, Query(description="only this technician's assignments")] = None,
    time_limit: Annotated[float, _TIME_LIMIT] = 5.0,
) -> PlanOut:
    """The assignment plan for the open work (one client's when `client_id` is given)."""
    key = f"plan:{client_id}:{eroding}"
    build = _plan_builder(request.app.state.settings, client_id, eroding, time_limit)
    plan = dict(await analysis_cache(request).get(key, build))
    if technician_id is not None:
        plan["assignments"] = [a for a in plan["assignments"] if a["technician_id"] == technician_id]
    return PlanOut(**plan)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _located(plan: dict[str, Any], visits: list[Visit], techs: list[RouteTechnician]) -> dict[str, Any]:
    """The plan with each technician's home and each stop's site coordinates and time window."""
    sites = {v.visit_id: v for v in visits}
    homes = {t.technician_id: t for t in techs}
    for route in plan["routes"]:
        home = homes[route["technician_id"]]
        route |= {"home_latitude": home.latitude, "home_longitude": home.longitude}
        for stop in route["stops"]:
            visit = sites[stop["visit_id"]]
            stop |= {"latitude": visit.latitude, "longitude": visit.longitude,
                     "window_start": _clock(visit.earliest), "window_end": _clock(visit.latest)}  # fmt: skip
    return plan


def _routes_builder(day: date | None, time_limit: float) -> Build[dict[str, Any]]:
    def build(frames: FrameSource, reference: date) -> dict[str, Any]:
        when = day or reference + timedelta(days=1)
        visits, technicians = day_visits(frames, when)
        plan = plan_routes(visits, technicians, day=when, time_limit=time_limit).to_json()
        return _located(plan, visits, technicians)

    return build


@routes_router.get("", response_model=RoutePlanOut)
async def route_plan(
    request: Request,
    _: Annotated[Principal, Depends(require("plans:read"))],
    day: Annotated[
        date | None, Query(description="the day to route; default: the day after the data")
    ] = None,
    technician_id: Annotated[str | None, Query(description="only this technician's route")] = None,
    time_limit: Annotated[float, _TIME_LIMIT] = 5.0,
) -> RoutePlanOut:
    """Each working technician's route through the day's open on-site tickets."""
    plan = dict(await analysis_cache(request).get(f"routes:{day}", _routes_builder(day, time_limit)))
    if technician_id is not None:
        plan["routes"] = [r for r in plan["routes"] if r["technician_id"] == technician_id]
    return RoutePlanOut(**plan)


def _utilization(frames: FrameSource, reference: date) -> tuple[date, date, list[UtilizationOut]]:
    usage = utilization_by_technician(frames("technicians"), frames("time_entries"), reference)
    start, end = window_bounds(reference)
    return start, end, [UtilizationOut(**u.__dict__) for u in usage]


@utilization_router.get("", response_model=UtilizationPage)
async def technician_utilization(
    request: Request,
    _: Annotated[Principal, Depends(require("plans:read"))],
    sort: Annotated[str, Query(description="a field, '-' first for descending")] = "-utilization",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> UtilizationPage:
    """Billable utilization per technician over the last 13 weeks, with the weekly series."""
    check_sort(sort, _TEXT + _NUMBERS)
    start, end, rows = await analysis_cache(request).get("utilization", _utilization)
    page, next_cursor = keyset_page(
        rows, sort=sort, text_fields=_TEXT, value=lambda row, f: getattr(row, f),
        ident=lambda row: row.technician_id, limit=limit, cursor=cursor,
    )  # fmt: skip
    return UtilizationPage(window_start=start, window_end=end, items=page, next_cursor=next_cursor)
