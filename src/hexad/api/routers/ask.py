"""/api/v1/ask, /narratives, /search and /llm/usage: the intelligence layer over HTTP.

`POST /ask` answers a question with the agents' tools (only those the caller's roles or key scopes
allow), offline or with the configured LLM; the answer carries text with citations and tables the
dashboard renders. Narratives explain a finding, client, vendor or department. The tools' data
context (frames, memoised analyses, the search index) is held in the app's analysis cache, so it is
rebuilt after an import or 60 s like the other analyses.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from hexad.agents.base import FrameSource
from hexad.api.routers.analysis import analysis_cache
from hexad.api.security import Principal, require
from hexad.intelligence.ask import Answer, Supervisor, ToolContext
from hexad.intelligence.llm import CallRecord, LlmClient, UsageStore, UsageTotal, open_llm
from hexad.intelligence.narratives import Narrative, explain_finding, explain_subject
from hexad.intelligence.search import SearchHit, search_index

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["intelligence"])


class AskIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000)


class NarrativeOut(BaseModel):
    """A narrative: headline, what happened, why, what to do, the numbers, and who wrote it."""

    subject_type: str
    subject_id: str
    headline: str
    what: str
    why: str
    action: str
    numbers: dict[str, Any]
    source: str
    rejected: str | None
    text: str


class SearchOut(BaseModel):
    query: str
    items: list[SearchHit]


class UsageOut(BaseModel):
    provider: str
    totals: list[UsageTotal]
    recent: list[CallRecord]


def _narrative(narrative: Narrative) -> NarrativeOut:
    return NarrativeOut(**narrative.as_dict())


def _llm(request: Request) -> LlmClient:
    state = request.app.state
    client: LlmClient | None = getattr(state, "llm", None)
    if client is None:
        client = state.llm = open_llm(state.settings, engine=state.engine)
    return client


async def _context(request: Request) -> ToolContext:
    state = request.app.state

    def build(frames: FrameSource, reference: date) -> ToolContext:
        return ToolContext(frames, reference, state.settings, state.findings)

    context: ToolContext = await analysis_cache(request).get("ask_context", build)
    return context


@router.post("/ask", response_model=Answer)
async def ask(
    request: Request, body: AskIn, principal: Annotated[Principal, Depends(require("ask:use"))]
) -> Answer:
    """Answer a question with the agents' tools the caller may use; text cites the tables as [n]."""
    supervisor = Supervisor(await _context(request), llm=_llm(request), allowed=principal.may)
    return await supervisor.ask(body.question)


@router.post("/ask/stream")
async def ask_stream(
    request: Request, body: AskIn, principal: Annotated[Principal, Depends(require("ask:use"))]
) -> StreamingResponse:
    """The answer as server-sent events: `call` per tool call, `delta` text, then the final `answer`."""
    supervisor = Supervisor(await _context(request), llm=_llm(request), allowed=principal.may)

    async def events() -> AsyncIterator[str]:
        async for event in supervisor.events(body.question):
            yield f"event: {event['type']}\ndata: {json.dumps(event, default=str)}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get("/narratives/findings/{finding_id}", response_model=NarrativeOut)
async def finding_narrative(
    request: Request, finding_id: str, _: Annotated[Principal, Depends(require("findings:read"))]
) -> NarrativeOut:
    """What happened, why, what to do and the numbers, for one finding."""
    return _narrative(await explain_finding(await _context(request), finding_id, _llm(request)))


@router.get("/narratives/clients/{client_id}", response_model=NarrativeOut)
async def client_narrative(
    request: Request, client_id: str, _: Annotated[Principal, Depends(require("clients:read"))]
) -> NarrativeOut:
    """A client's trailing 12 months (revenue, cost, margin and its trend) and open findings."""
    return _narrative(await explain_subject(await _context(request), "client", client_id, _llm(request)))


@router.get("/narratives/vendors/{vendor_id}", response_model=NarrativeOut)
async def vendor_narrative(
    request: Request, vendor_id: str, _: Annotated[Principal, Depends(require("spend:read"))]
) -> NarrativeOut:
    """A vendor's spend over 12 months, its largest bill, its contracts and open findings."""
    return _narrative(await explain_subject(await _context(request), "vendor", vendor_id, _llm(request)))


@router.get("/narratives/departments/{department}", response_model=NarrativeOut)
async def department_narrative(
    request: Request, department: str, _: Annotated[Principal, Depends(require("spend:read"))]
) -> NarrativeOut:
    """A department's year to date against budget, the coming quarter's forecast and open findings."""
    return _narrative(await explain_subject(await _context(request), "department", department, _llm(request)))


@router.get("/search", response_model=SearchOut)
async def search(
    request: Request,
    _: Annotated[Principal, Depends(require("findings:read"))],
    q: Annotated[str, Query(min_length=1, max_length=300)],
    kind: Literal["finding", "contract"] | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchOut:
    """Findings and contract documents closest in meaning to `q` (TF-IDF cosine)."""
    context = await _context(request)
    hits = search_index(context).query(q, limit=limit, kinds=(kind,) if kind else None)
    return SearchOut(query=q, items=hits)


@router.get("/llm/usage", response_model=UsageOut)
async def llm_usage(
    request: Request,
    _: Annotated[Principal, Depends(require("llm:read"))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> UsageOut:
    """Language-model calls: totals per provider, model and purpose, and the latest calls."""
    store = UsageStore(request.app.state.engine)
    return UsageOut(provider=_llm(request).provider.name, totals=store.totals(), recent=store.recent(limit))
