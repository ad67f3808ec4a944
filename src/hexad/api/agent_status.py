"""What the `agents` routes report per agent: findings counts, last task, mailbox, rules, health.

Everything comes from state that already exists (the findings and tasks tables, the agent's mailbox
queue, the bus rules), so the status is the same whichever process asks. Health is a summary a
person can act on: `failing` when the latest run failed, `degraded` when the mailbox holds dead
letters, `idle` before anything ran, `ok` otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hexad.agents.findings import FINDINGS
from hexad.errors import NotFoundError
from hexad.runtime.bus import EventBus
from hexad.runtime.queues import QueueService
from hexad.tasks.records import SqlTaskStore, TaskRecord

__all__ = ["AgentStatus", "FindingCounts", "MailboxDepth", "agent_statuses", "finding_counts"]

Health = Literal["ok", "idle", "degraded", "failing"]


@dataclass
class FindingCounts:
    """An agent's findings by status, and its open findings by severity."""

    open: int = 0
    acknowledged: int = 0
    resolved: int = 0
    open_by_severity: dict[str, int] = field(default_factory=dict)
    last_changed_at: Any = None


@dataclass(frozen=True)
class MailboxDepth:
    """The agent's mailbox: messages waiting, in hand, and dead-lettered."""

    queue: str
    visible: int
    in_flight: int
    dead_letters: int


@dataclass(frozen=True)
class AgentStatus:
    name: str
    findings: FindingCounts
    last_task: TaskRecord | None
    mailbox: MailboxDepth | None
    rules: list[str]
    health: Health


def finding_counts(engine: Engine) -> dict[str, FindingCounts]:
    """Counts per agent from one grouped query."""
    columns = (FINDINGS.c.agent, FINDINGS.c.status, FINDINGS.c.severity)
    query = sa.select(*columns, sa.func.count(), sa.func.max(FINDINGS.c.updated_at)).group_by(*columns)
    counts: dict[str, FindingCounts] = defaultdict(FindingCounts)
    with engine.connect() as conn:
        for agent, status, severity, number, changed in conn.execute(query):
            found = counts[agent]
            if status in ("open", "acknowledged", "resolved"):
                setattr(found, status, getattr(found, status) + number)
            if status == "open":
                found.open_by_severity[severity] = found.open_by_severity.get(severity, 0) + number
            if changed is not None and (found.last_changed_at is None or changed > found.last_changed_at):
                found.last_changed_at = changed
    return counts


async def _mailbox(queues: QueueService, agent: str) -> MailboxDepth | None:
    name = f"mailbox-{agent}"
    try:
        attributes = await queues.attributes(name)
    except NotFoundError:
        return None
    try:
        dead = (await queues.attributes(f"{name}-dlq")).visible
    except NotFoundError:
        dead = 0
    return MailboxDepth(name, attributes.visible, attributes.in_flight, dead)


def _health(last_task: TaskRecord | None, mailbox: MailboxDepth | None, counts: FindingCounts) -> Health:
    if last_task is not None and last_task.status == "failed":
        return "failing"
    if mailbox is not None and mailbox.dead_letters:
        return "degraded"
    if last_task is None and counts.last_changed_at is None:
        return "idle"
    return "ok"


async def agent_statuses(
    names: list[str], *, engine: Engine, tasks: SqlTaskStore, queues: QueueService, bus: EventBus
) -> list[AgentStatus]:
    """The status of each named agent."""
    counts = finding_counts(engine)
    targets: dict[str, list[str]] = defaultdict(list)
    for rule in await bus.list_rules():
        for target in rule.targets:
            if target.kind == "mailbox":
                targets[target.destination].append(rule.name)
    statuses = []
    for name in names:
        latest = tasks.page(limit=1, agent=name)
        last_task = latest[0] if latest else None
        mailbox = await _mailbox(queues, name)
        found = counts.get(name, FindingCounts())
        health = _health(last_task, mailbox, found)
        statuses.append(AgentStatus(name, found, last_task, mailbox, sorted(targets[name]), health))
    return statuses
