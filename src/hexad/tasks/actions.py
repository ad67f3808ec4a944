"""What a task can do: a named action per agent, its parameters, and the artifacts it leaves.

An action runs in a worker thread and gets an `ActionContext`: the settings, its checked parameters,
`report(step, fraction)` for progress and `publish(entries)` for bus events. It returns the files
it made; the consumer stores them in the object store. Every agent has `run` (a full run, or one
subject: findings saved, events published, `findings.json` as the artifact); SPO also has
`proposal` (the proposal PDF and DOCX for an opportunity).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from hexad.agents.registry import AGENTS
from hexad.config import Settings
from hexad.errors import ValidationError

__all__ = ["ACTIONS", "ActionContext", "OutputFile", "TaskAction", "check_params", "find_action"]

Publish = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True)
class OutputFile:
    """A file an action made, before it is stored."""

    name: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class ActionContext:
    """What an action may use while it runs."""

    settings: Settings
    params: dict[str, Any]
    report: Callable[[str, float], None]
    publish: Publish


class _RunParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_id: str | None = Field(None, min_length=1, max_length=128, description="one client or vendor")


class _ProposalParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opportunity_id: str = Field(min_length=1, max_length=64)


@dataclass(frozen=True)
class TaskAction:
    """An action's parameters model and the function that performs it."""

    params: type[BaseModel]
    perform: Callable[[str, ActionContext], list[OutputFile]]
    description: str


def _run_agent(agent: str, ctx: ActionContext) -> list[OutputFile]:
    """Run the agent with progress; save its findings, publish its events, report them as JSON."""
    from hexad.agents.base import AgentContext
    from hexad.agents.findings import open_finding_store
    from hexad.agents.frames import frames_from_database
    from hexad.agents.registry import create_agent
    from hexad.agents.service import event_entries, lake_path, reference_date_of

    subject = ctx.params.get("subject_id")
    ctx.report("loading data", 0.0)
    frames = frames_from_database(ctx.settings)
    today = reference_date_of(frames)
    scaled = _scaled(ctx.report, 0.05, 0.9)
    run = create_agent(agent).run(AgentContext(frames, today, lake_path(ctx.settings), ctx.settings, scaled),
                                  subject_id=subject)  # fmt: skip
    ctx.report("saving findings", 0.9)
    saved = open_finding_store(ctx.settings).save(agent, run.findings, full_run=subject is None)
    entries = event_entries(run)
    for start in range(0, len(entries), 10):
        ctx.publish(entries[start : start + 10])
    document = {
        "agent": agent, "subject_id": subject, "reference_date": today.isoformat(),
        "by_kind": dict(sorted(Counter(f.kind for f in run.findings).items())),
        "saved": asdict(saved), "events": len(entries), "metrics": run.metrics,
        "findings": [asdict(f) for f in run.findings],
    }  # fmt: skip
    body = json.dumps(document, indent=2, default=str).encode()
    return [OutputFile("findings.json", body, "application/json")]


def _proposal(agent: str, ctx: ActionContext) -> list[OutputFile]:
    """Write the opportunity's proposal (PDF and DOCX) and announce it."""
    from hexad.agents.frames import frames_from_database
    from hexad.agents.proposals import build_proposal, write_proposal
    from hexad.agents.service import lake_path, reference_date_of

    ctx.report("reading the opportunity", 0.1)
    frames = frames_from_database(ctx.settings)
    proposal = build_proposal(frames, str(ctx.params["opportunity_id"]))
    ctx.report("writing the documents", 0.5)
    pdf, docx, event = write_proposal(proposal, lake_path(ctx.settings), today=reference_date_of(frames))
    ctx.publish([{"Source": f"hexad.{agent}", "DetailType": event.detail_type, "Detail": event.detail}])
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return [
        OutputFile("proposal.pdf", pdf.read_bytes(), "application/pdf"),
        OutputFile("proposal.docx", docx.read_bytes(), docx_type),
    ]


def _scaled(report: Callable[[str, float], None], low: float, high: float) -> Callable[[str, float], None]:
    return lambda step, fraction: report(step, low + (high - low) * fraction)


_RUN = TaskAction(_RunParams, _run_agent, "run the agent (all its data, or one subject_id)")
ACTIONS: dict[tuple[str, str], TaskAction] = {(name, "run"): _RUN for name in AGENTS}
ACTIONS["spo", "proposal"] = TaskAction(
    _ProposalParams, _proposal, "a proposal PDF and DOCX for opportunity_id"
)


def find_action(agent: str, action: str) -> TaskAction:
    """The action, or a `ValidationError` listing what there is."""
    found = ACTIONS.get((agent, action))
    if found is None:
        known = ", ".join(f"{a}:{b}" for a, b in sorted(ACTIONS))
        raise ValidationError(
            f"agent/action: no action {action!r} for agent {agent!r}; expected one of {known}"
        )
    return found


def check_params(agent: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters as the action expects them; a `ValidationError` naming each bad field."""
    model = find_action(agent, action).params
    try:
        return model.model_validate(params).model_dump(exclude_none=True)
    except PydanticValidationError as exc:
        problems = "; ".join(f"params.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValidationError(f"{agent}:{action}: {problems}") from None
