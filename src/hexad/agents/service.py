"""`run_agent`: load frames, run one agent, save its findings, publish its events.

The one entry point the CLI, the actors and the scheduler share, so a run from any of them has the
same effect: findings upserted (`FindingStore.save`, idempotent) and each `AgentEvent` published as
an EventBridge entry with source `hexad.<agent>`, at most ten per `PutEvents` call.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from hexad.agents.base import AgentContext, AgentRun, FrameSource
from hexad.agents.findings import FindingStore, SaveReport, open_finding_store
from hexad.agents.frames import frames_from_database
from hexad.agents.registry import create_agent
from hexad.config import Settings, get_settings

__all__ = [
    "AgentRunReport",
    "Publish",
    "arun_agent",
    "event_entries",
    "lake_path",
    "reference_date_of",
    "run_agent",
]

Publish = Callable[[list[dict[str, Any]]], Awaitable[Any] | Any]
_MAX_ENTRIES = 10


@dataclass(frozen=True)
class AgentRunReport:
    """What one run did: findings by kind, how the store changed, events published, the agent's metrics."""

    agent: str
    subject_id: str | None
    reference_date: str
    findings: int
    by_kind: dict[str, int]
    saved: SaveReport
    events: int
    metrics: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def lake_path(settings: Settings) -> Path:
    """The lake root for a local object store (`file://` URL); models go to `<lake>/ml-models/`."""
    url = settings.effective_object_store_url
    return Path(url.removeprefix("file://")) if url.startswith("file://") else settings.home / "lake"


def reference_date_of(frames: FrameSource, today: date | None = None) -> date:
    """ "Today" for an analysis: the newest invoice, expense or ticket date, never after the real today."""
    latest: list[pd.Timestamp] = []
    for entity, column in (
        ("invoices", "issue_date"),
        ("expenses", "expense_date"),
        ("tickets", "opened_at"),
    ):
        values = frames(entity)[column].dropna()
        if len(values):
            latest.append(pd.Timestamp(values.max()).normalize())
    found = max(latest).date() if latest else date.today()
    return min(found, today or date.today())


def event_entries(run: AgentRun) -> list[dict[str, Any]]:
    """The run's events as PutEvents entries."""
    return [
        {"Source": f"hexad.{run.agent}", "DetailType": e.detail_type, "Detail": e.detail} for e in run.events
    ]


def _compute(
    name: str, settings: Settings, subject_id: str | None, frames: FrameSource | None,
    show_progress: bool, reference_date: date | None, store: FindingStore | None,
) -> tuple[AgentRunReport, list[dict[str, Any]]]:  # fmt: skip
    started = time.perf_counter()
    agent = create_agent(name)
    source = frames or frames_from_database(settings)
    with _progress(show_progress, agent.title) as progress:
        today = reference_date or reference_date_of(source)
        ctx = AgentContext(source, today, lake_path(settings), settings, progress)
        run = agent.run(ctx, subject_id=subject_id)
    saved = (store or open_finding_store(settings)).save(name, run.findings, full_run=subject_id is None)
    entries = event_entries(run)
    report = AgentRunReport(
        agent=name, subject_id=subject_id, reference_date=today.isoformat(), findings=len(run.findings),
        by_kind=dict(sorted(Counter(f.kind for f in run.findings).items())), saved=saved,
        events=len(entries), metrics=run.metrics, seconds=round(time.perf_counter() - started, 3),
    )  # fmt: skip
    return report, entries


def run_agent(
    name: str,
    *,
    settings: Settings | None = None,
    subject_id: str | None = None,
    frames: FrameSource | None = None,
    show_progress: bool = False,
    publish: Publish | None = None,
    reference_date: date | None = None,
    store: FindingStore | None = None,
) -> AgentRunReport:
    """Run agent `name` (a full run, or one subject), save its findings and publish its events."""
    settings = settings or get_settings()
    report, entries = _compute(name, settings, subject_id, frames, show_progress, reference_date, store)
    if publish is not None and entries:
        for batch in _batches(entries):
            result = publish(batch)
            if inspect.isawaitable(result):
                asyncio.run(_await(result))
    return report


async def arun_agent(
    name: str,
    *,
    settings: Settings | None = None,
    subject_id: str | None = None,
    frames: FrameSource | None = None,
    publish: Publish | None = None,
    reference_date: date | None = None,
) -> AgentRunReport:
    """`run_agent` for the event loop: the analysis runs in a worker thread, publishing is awaited."""
    settings = settings or get_settings()
    report, entries = await asyncio.to_thread(
        _compute, name, settings, subject_id, frames, False, reference_date, None
    )
    if publish is not None:
        for batch in _batches(entries):
            result = publish(batch)
            if inspect.isawaitable(result):
                await result
    return report


def _batches(entries: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(entries), _MAX_ENTRIES):
        yield list(entries[start : start + _MAX_ENTRIES])


async def _await(result: Awaitable[Any]) -> Any:
    return await result


@contextmanager
def _progress(show: bool, title: str) -> Iterator[Callable[[str, float], None] | None]:
    if not show:
        yield None
        return
    columns = (TextColumn("{task.description:<40}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(title, total=1.0)

        def advance(step: str, fraction: float) -> None:
            bar.update(task, completed=fraction, description=f"{title}: {step}")

        yield advance
