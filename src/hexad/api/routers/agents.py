"""/api/v1/agents: each agent's status (findings, last run, mailbox, rules, health) and "run now".

`POST /agents/{name}/run` creates a task (`<name>:run`), so a run started here is queued, run by a
worker and followed like any other task. `GET /agents/quality` scores the findings per agent and
kind where ground truth exists (`hexad.api.agent_quality`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from functools import cache
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from hexad.agents.registry import AGENTS
from hexad.api.agent_quality import agent_quality
from hexad.api.agent_status import AgentStatus, agent_statuses
from hexad.api.routers.tasks import TaskOut, task_out
from hexad.api.security import Principal, require
from hexad.errors import NotFoundError
from hexad.tasks.service import TaskService

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/agents", tags=["agents"])


class FindingCountsOut(BaseModel):
    open: int
    acknowledged: int
    resolved: int
    open_by_severity: dict[str, int]
    last_changed_at: datetime | None


class MailboxOut(BaseModel):
    queue: str
    visible: int
    in_flight: int
    dead_letters: int


class AgentOut(BaseModel):
    """One agent: what it reads, what triggers it, and how it is doing."""

    name: str
    title: str
    reads: list[str]
    triggers: list[str]
    health: Literal["ok", "idle", "degraded", "failing"]
    findings: FindingCountsOut
    last_run: TaskOut | None
    mailbox: MailboxOut | None
    rules: list[str]


class KindQualityOut(BaseModel):
    """One agent's findings of one kind against the planted signals of that kind."""

    agent: str
    kind: str
    planted: int
    found: int
    correct: int
    precision: float
    recall: float


class QualityOut(BaseModel):
    """Precision and recall per agent and kind; `ground_truth` false means there is nothing to score."""

    ground_truth: bool
    reference_date: str | None
    items: list[KindQualityOut]


class RunIn(BaseModel):
    subject_id: str | None = Field(None, min_length=1, max_length=128, description="one client or vendor")


@cache
def _descriptions() -> dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]:
    described = {}
    for name, factory in AGENTS.items():
        agent = factory()
        described[name] = (agent.title, tuple(agent.reads), tuple(agent.triggers))
    return described


def _known(name: str) -> str:
    if name not in AGENTS:
        raise NotFoundError(f"no agent {name!r}; expected one of {', '.join(sorted(AGENTS))}")
    return name


def _out(status: AgentStatus) -> AgentOut:
    title, reads, triggers = _descriptions()[status.name]
    counts, mailbox = status.findings, status.mailbox
    findings = FindingCountsOut(
        open=counts.open, acknowledged=counts.acknowledged, resolved=counts.resolved,
        open_by_severity=dict(sorted(counts.open_by_severity.items())),
        last_changed_at=counts.last_changed_at,
    )  # fmt: skip
    return AgentOut(
        name=status.name, title=title, reads=list(reads), triggers=list(triggers), health=status.health,
        findings=findings,
        last_run=None if status.last_task is None else task_out(status.last_task),
        mailbox=None if mailbox is None else MailboxOut(**mailbox.__dict__),
        rules=status.rules,
    )  # fmt: skip


async def _statuses(request: Request, names: list[str]) -> list[AgentOut]:
    state = request.app.state
    tasks: TaskService = state.tasks
    found = await agent_statuses(
        names, engine=state.engine, tasks=tasks.store, queues=state.queues, bus=state.bus
    )
    return [_out(status) for status in found]


@router.get("", response_model=list[AgentOut])
async def list_agents(
    request: Request, _: Annotated[Principal, Depends(require("agents:read"))]
) -> list[AgentOut]:
    """Every agent with its status, by name."""
    return await _statuses(request, sorted(AGENTS))


@router.get("/quality", response_model=QualityOut)
async def findings_quality(
    request: Request, _: Annotated[Principal, Depends(require("agents:read"))]
) -> QualityOut:
    """Precision and recall of the open and acknowledged findings where ground truth exists."""
    state = request.app.state
    quality = await asyncio.to_thread(agent_quality, state.settings, state.engine)
    items = [
        KindQualityOut(agent=item.agent, kind=s.kind, planted=s.planted, found=s.found, correct=s.correct,
                       precision=round(s.precision, 4), recall=round(s.recall, 4))
        for item in quality.scores
        if (s := item.score)
    ]  # fmt: skip
    return QualityOut(
        ground_truth=quality.ground_truth is not None, reference_date=quality.reference_date, items=items
    )


@router.get("/{name}", response_model=AgentOut)
async def get_agent(
    request: Request, name: str, _: Annotated[Principal, Depends(require("agents:read"))]
) -> AgentOut:
    """One agent's status."""
    return (await _statuses(request, [_known(name)]))[0]


@router.post("/{name}/run", response_model=TaskOut, status_code=202)
async def run_agent_now(
    request: Request,
    name: str,
    caller: Annotated[Principal, Depends(require("agents:run"))],
    body: RunIn | None = None,
) -> TaskOut:
    """Run the agent now (all its data, or one `subject_id`): answers the queued task."""
    params = {} if body is None or body.subject_id is None else {"subject_id": body.subject_id}
    tasks: TaskService = request.app.state.tasks
    return task_out(await tasks.submit(_known(name), "run", params, caller.subject))
