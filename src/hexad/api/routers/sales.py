"""/api/v1/leads, /forecast and /proposals: the sales pipeline (SPO).

Leads are the open deals scored by `hexad.agents.spo.score_pipeline` (a win model trained on the
MSP's closed deals, so it is held in the app's analysis cache); the forecast is the same run's next
3 months. `POST /proposals` writes a proposal's PDF and DOCX under the lake's
`artifacts/proposals/<opportunity>/` (`hexad.agents.proposals`) and announces
`sales.proposal.generated`. A proposal's id is its opportunity id; downloads look the id up among
the stored proposal folders and serve one of two fixed file names, so no request text becomes a path.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from hexad.agents.base import AgentContext, AgentEvent, FrameSource
from hexad.agents.frames import frames_from_database
from hexad.agents.proposals import Proposal, build_proposal, write_proposal
from hexad.agents.service import lake_path, reference_date_of
from hexad.agents.spo import PipelineScores, score_pipeline
from hexad.agents.spo_forecast import MonthForecast
from hexad.api.pagination import MAX_LIMIT
from hexad.api.problems import ProblemError
from hexad.api.routers.analysis import Build, analysis_cache
from hexad.api.routers.listing import check_sort, keyset_page
from hexad.api.security import Principal, require
from hexad.config import Settings
from hexad.errors import NotFoundError
from hexad.runtime.bus import EventBus

__all__ = ["forecast_router", "leads_router", "proposals_router"]

leads_router = APIRouter(prefix="/api/v1/leads", tags=["sales"])
forecast_router = APIRouter(prefix="/api/v1/forecast", tags=["sales"])
proposals_router = APIRouter(prefix="/api/v1/proposals", tags=["sales"])

_TEXT = ("opportunity_id", "lead_id", "company", "stage")
_NUMBERS = ("amount", "win_probability", "expected_value", "recent_activities")
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_FILES = {"pdf": ("proposal.pdf", "application/pdf"), "docx": ("proposal.docx", _DOCX)}


class LeadOut(BaseModel):
    """An open deal: its calibrated win probability, expected value and what drove the score."""

    lead_id: str
    opportunity_id: str
    client_id: str | None
    company: str
    stage: str
    amount: float
    win_probability: float
    expected_value: float
    recent_activities: int
    lead_status: str
    drivers: list[dict[str, Any]]


class LeadPage(BaseModel):
    items: list[LeadOut]
    next_cursor: str | None = None


class ForecastOut(BaseModel):
    """Expected revenue per month: stage-weighted, model-based and the model's 80% interval."""

    reference_date: date
    months: list[dict[str, Any]]


class ProposalIn(BaseModel):
    opportunity_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    provider: str = Field("Hexad MSP", min_length=1, max_length=255, description="your company name")


class ProposalOut(BaseModel):
    proposal_id: str
    opportunity_id: str
    generated_at: datetime
    downloads: dict[str, str]


class ProposalCreated(ProposalOut):
    company: str
    client_id: str | None
    monthly_total: float
    currency: str


@dataclass(frozen=True)
class _Pipeline:
    reference_date: date
    leads: list[LeadOut]
    forecast: list[MonthForecast]


def _pipeline_builder(settings: Settings) -> Build[_Pipeline]:
    def build(frames: FrameSource, reference: date) -> _Pipeline:
        stages = set(frames("opportunities")["stage"].astype(str))
        if not stages:
            return _Pipeline(reference, [], [])
        if not {"closed_won", "closed_lost"} <= stages:
            raise ProblemError(
                409,
                "insufficient-data",
                "lead scoring learns from closed deals: expected opportunities with stage closed_won and "
                f"closed_lost, found stages {', '.join(sorted(stages))}",
            )
        scored: PipelineScores = score_pipeline(
            AgentContext(frames, reference, lake_path(settings), settings)
        )
        leads = [LeadOut(**score.to_json()) for score in scored.leads]
        return _Pipeline(reference, leads, scored.forecast)

    return build


async def _pipeline(request: Request) -> _Pipeline:
    found: _Pipeline = await analysis_cache(request).get(
        "sales", _pipeline_builder(request.app.state.settings)
    )
    return found


@leads_router.get("", response_model=LeadPage)
async def list_leads(
    request: Request,
    _: Annotated[Principal, Depends(require("leads:read"))],
    stage: str | None = None,
    client_id: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="text in the company name")] = None,
    sort: Annotated[str, Query(description="a field, '-' first for descending")] = "-expected_value",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> LeadPage:
    """Open deals scored, by expected value unless sorted otherwise."""
    check_sort(sort, _TEXT + _NUMBERS)
    leads = [
        lead for lead in (await _pipeline(request)).leads
        if (stage is None or lead.stage == stage) and (client_id is None or lead.client_id == client_id)
        and (not q or q.casefold() in lead.company.casefold())
    ]  # fmt: skip
    page, next_cursor = keyset_page(
        leads, sort=sort, text_fields=_TEXT, value=lambda lead, f: getattr(lead, f),
        ident=lambda lead: lead.opportunity_id, limit=limit, cursor=cursor,
    )  # fmt: skip
    return LeadPage(items=page, next_cursor=next_cursor)


@forecast_router.get("", response_model=ForecastOut)
async def pipeline_forecast(
    request: Request, _: Annotated[Principal, Depends(require("leads:read"))]
) -> ForecastOut:
    """The next 3 months of expected pipeline revenue."""
    found = await _pipeline(request)
    return ForecastOut(reference_date=found.reference_date, months=[m.to_json() for m in found.forecast])


def _folder(request: Request) -> Path:
    return lake_path(request.app.state.settings) / "artifacts" / "proposals"


def _stored(request: Request) -> dict[str, Path]:
    """Proposal id -> its folder, for every folder that holds a generated proposal."""
    root = _folder(request)
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if p.is_dir() and (p / "proposal.pdf").is_file()}


def _proposal(proposal_id: str, folder: Path) -> ProposalOut:
    written = datetime.fromtimestamp((folder / "proposal.pdf").stat().st_mtime, UTC)
    base = f"/api/v1/proposals/{proposal_id}/download?format="
    return ProposalOut(
        proposal_id=proposal_id,
        opportunity_id=proposal_id,
        generated_at=written,
        downloads={kind: base + kind for kind in _FILES},
    )


@proposals_router.get("", response_model=list[ProposalOut])
async def list_proposals(
    request: Request, _: Annotated[Principal, Depends(require("proposals:read"))]
) -> list[ProposalOut]:
    """Every generated proposal, by id (one per opportunity: the newest generation)."""
    return [_proposal(name, folder) for name, folder in _stored(request).items()]


def _write(settings: Settings, body: ProposalIn, today: date) -> tuple[Proposal, AgentEvent]:
    frames = frames_from_database(settings)
    proposal = build_proposal(frames, body.opportunity_id)
    _pdf, _docx, event = write_proposal(
        proposal, lake_path(settings), today=reference_date_of(frames, today), provider=body.provider
    )
    return proposal, event


@proposals_router.post("", response_model=ProposalCreated, status_code=201)
async def create_proposal(
    request: Request, body: ProposalIn, _: Annotated[Principal, Depends(require("proposals:write"))]
) -> ProposalCreated:
    """Write the opportunity's proposal (PDF and DOCX) and announce `sales.proposal.generated`."""
    settings: Settings = request.app.state.settings
    today = datetime.fromtimestamp(request.app.state.clock.time(), UTC).date()
    proposal, event = await asyncio.to_thread(_write, settings, body, today)
    bus: EventBus = request.app.state.bus
    await bus.put_events([{"Source": "hexad.spo", "DetailType": event.detail_type, "Detail": event.detail}])
    folder = _stored(request).get(proposal.opportunity_id)
    if folder is None:
        raise NotFoundError(f"proposal {proposal.opportunity_id!r} was not stored")
    stored = _proposal(proposal.opportunity_id, folder)
    return ProposalCreated(
        **stored.model_dump(),
        company=proposal.company,
        client_id=proposal.client_id,
        monthly_total=round(proposal.monthly_total, 2),
        currency=proposal.currency,
    )


@proposals_router.get("/{proposal_id}/download", response_class=FileResponse)
async def download_proposal(
    request: Request,
    proposal_id: str,
    _: Annotated[Principal, Depends(require("proposals:read"))],
    format: Literal["pdf", "docx"] = "pdf",
) -> FileResponse:
    """The proposal's PDF or DOCX, found by id among the stored proposals."""
    folder = _stored(request).get(proposal_id)
    if folder is None:
        raise NotFoundError(f"no proposal with id {proposal_id!r}")
    name, media = _FILES[format]
    return FileResponse(folder / name, media_type=media, filename=f"{proposal_id}-{name}")
