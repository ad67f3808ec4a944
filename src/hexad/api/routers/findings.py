"""/api/v1/findings: what the agents found, with evidence; people acknowledge, resolve and comment.

Status changes and comments go through `FindingChanges`, which announces each on the bus
(`finding.status.changed`, `finding.commented`) so other tabs and API processes see it live.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from hexad.agents.finding_changes import FindingChanges
from hexad.agents.findings import Comment, Finding, FindingStore
from hexad.api.findings_json import findings_page_json
from hexad.api.pagination import MAX_LIMIT
from hexad.api.read_cache import ReadCache
from hexad.api.security import Principal, require

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


def _changes(request: Request) -> FindingChanges:
    return FindingChanges(_store(request), request.app.state.bus.put_events)


def _comment_out(comment: Comment) -> CommentOut:
    return CommentOut(**comment.__dict__)


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
    cache: ReadCache = request.app.state.read_cache
    key = ("findings", *filters.values(), limit, cursor)
    body = cache.answer(key, lambda: findings_page_json(request.app.state.engine, filters, limit, cursor))
    return Response(body, media_type="application/json")


@router.get("/{finding_id}", response_model=Finding)
async def get_finding(
    request: Request, finding_id: str, _: Annotated[Principal, Depends(require("findings:read"))]
) -> Finding:
    """One finding with its evidence."""
    return _store(request).get(finding_id)


@router.post("/{finding_id}/acknowledge", response_model=Finding)
async def acknowledge(
    request: Request, finding_id: str, who: Annotated[Principal, Depends(require("findings:write"))]
) -> Finding:
    """Mark the finding as seen and being handled."""
    return await _changes(request).set_status(finding_id, "acknowledged", who.subject)


@router.post("/{finding_id}/resolve", response_model=Finding)
async def resolve(
    request: Request, finding_id: str, who: Annotated[Principal, Depends(require("findings:write"))]
) -> Finding:
    """Mark the finding as dealt with."""
    return await _changes(request).set_status(finding_id, "resolved", who.subject)


@router.post("/{finding_id}/reopen", response_model=Finding)
async def reopen(
    request: Request, finding_id: str, who: Annotated[Principal, Depends(require("findings:write"))]
) -> Finding:
    """Open a finding again."""
    return await _changes(request).set_status(finding_id, "open", who.subject)


@router.get("/{finding_id}/comments", response_model=list[CommentOut])
async def list_comments(
    request: Request, finding_id: str, _: Annotated[Principal, Depends(require("findings:read"))]
) -> list[CommentOut]:
    """Comments on a finding, oldest first."""
    return [_comment_out(comment) for comment in _store(request).comments(finding_id)]


@router.post("/{finding_id}/comments", response_model=CommentOut, status_code=201)
async def add_comment(
    request: Request,
    finding_id: str,
    comment: CommentIn,
    principal: Annotated[Principal, Depends(require("findings:write"))],
) -> CommentOut:
    """Add a note to a finding (why it was acknowledged, what was done)."""
    return _comment_out(await _changes(request).comment(finding_id, principal.subject, comment.body))
