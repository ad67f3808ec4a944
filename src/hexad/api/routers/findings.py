"""/api/v1/findings: what the agents found, with evidence; people acknowledge, resolve and comment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from hexad.agents.findings import Finding, FindingStore
from hexad.api.findings_json import findings_page_json
from hexad.api.pagination import MAX_LIMIT
from hexad.api.security import Principal, require
from hexad.domain.models import FindingComment

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/findings", tags=["findings"])

Severity = Literal["low", "medium", "high", "critical"]
Status = Literal["open", "acknowledged", "resolved"]


class FindingPage(BaseModel):
    items: list[Finding]
    next_cursor: str | None = None


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)


class CommentOut(BaseModel):
    id: str
    finding_id: str
    author: str
    body: str
    created_at: datetime


def _store(request: Request) -> FindingStore:
    store: FindingStore = request.app.state.findings
    return store


@router.get("", response_model=FindingPage)
async def list_findings(
    request: Request,
    _: Annotated[Principal, Depends(require("findings:read"))],
    agent: str | None = None,
    kind: str | None = None,
    severity: Severity | None = None,
    status: Status | None = None,
    subject_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> Response:
    """Findings matching every filter, oldest first; follow `next_cursor` for the next page."""
    filters = {"agent": agent, "kind": kind, "severity": severity, "status": status, "subject_id": subject_id}
    body = findings_page_json(request.app.state.engine, filters, limit, cursor)
    return Response(body, media_type="application/json")


@router.get("/{finding_id}", response_model=Finding)
async def get_finding(
    request: Request, finding_id: str, _: Annotated[Principal, Depends(require("findings:read"))]
) -> Finding:
    """One finding with its evidence."""
    return _store(request).get(finding_id)


@router.post("/{finding_id}/acknowledge", response_model=Finding)
async def acknowledge(
    request: Request, finding_id: str, _: Annotated[Principal, Depends(require("findings:write"))]
) -> Finding:
    """Mark the finding as seen and being handled."""
    return _store(request).set_status(finding_id, "acknowledged")


@router.post("/{finding_id}/resolve", response_model=Finding)
async def resolve(
    request: Request, finding_id: str, _: Annotated[Principal, Depends(require("findings:write"))]
) -> Finding:
    """Mark the finding as dealt with."""
    return _store(request).set_status(finding_id, "resolved")


@router.post("/{finding_id}/reopen", response_model=Finding)
async def reopen(
    request: Request, finding_id: str, _: Annotated[Principal, Depends(require("findings:write"))]
) -> Finding:
    """Open a finding again."""
    return _store(request).set_status(finding_id, "open")


@router.get("/{finding_id}/comments", response_model=list[CommentOut])
async def list_comments(
    request: Request, finding_id: str, _: Annotated[Principal, Depends(require("findings:read"))]
) -> list[CommentOut]:
    """Comments on a finding, oldest first."""
    _store(request).get(finding_id)
    query = (
        sa.select(*FindingComment.__table__.columns)
        .where(FindingComment.finding_id == finding_id)
        .order_by(FindingComment.created_at, FindingComment.id)
    )
    with request.app.state.engine.connect() as conn:
        return [CommentOut(**row._mapping) for row in conn.execute(query)]


@router.post("/{finding_id}/comments", response_model=CommentOut, status_code=201)
async def add_comment(
    request: Request,
    finding_id: str,
    comment: CommentIn,
    principal: Annotated[Principal, Depends(require("findings:write"))],
) -> CommentOut:
    """Add a note to a finding (why it was acknowledged, what was done)."""
    _store(request).get(finding_id)
    row = {
        "id": uuid.uuid4().hex,
        "finding_id": finding_id,
        "author": principal.subject,
        "body": comment.body,
        "created_at": datetime.fromtimestamp(request.app.state.clock.time(), UTC),
    }
    with request.app.state.engine.begin() as conn:
        conn.execute(sa.insert(FindingComment).values(**row))
    return CommentOut(**row)
