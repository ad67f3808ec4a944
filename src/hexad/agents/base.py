"""The contract every agent implements: what it reads, what it is given, what it returns.

An agent is a pure analysis: it receives typed frames of the MSP's entities and a reference date, and
returns finding drafts, events and metrics. Storage (`FindingStore`), publishing and scheduling live
around it in `hexad.agents.service`, so an agent is testable on a folder of files with no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd

from hexad.config import Settings

__all__ = [
    "SEVERITIES",
    "Agent",
    "AgentContext",
    "AgentEvent",
    "AgentRun",
    "FindingDraft",
    "FrameSource",
    "Progress",
    "Severity",
    "severity_for",
]

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class FindingDraft:
    """What an agent produces; the store adds id, status and timestamps."""

    kind: str
    subject_type: str
    subject_id: str
    severity: Severity
    score: float
    summary: str
    evidence: dict[str, Any]
    recommended_action: str


@dataclass(frozen=True)
class AgentEvent:
    """An event to publish on the bus with source `hexad.<agent>`."""

    detail_type: str
    detail: dict[str, Any]


@dataclass
class AgentRun:
    """The outcome of one run: findings, events and numbers worth showing."""

    agent: str
    findings: list[FindingDraft]
    events: list[AgentEvent] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


class FrameSource(Protocol):
    """The typed frame of one entity, with the contract's column names (`hexad.demo.files.COLUMNS`)."""

    def __call__(self, entity: str) -> pd.DataFrame: ...


@dataclass
class AgentContext:
    """Everything an agent may use: frames, "today", where models go, settings, a progress callback."""

    frames: FrameSource
    reference_date: date
    lake: Path
    settings: Settings
    progress: Progress | None = None

    def report(self, step: str, fraction: float) -> None:
        """Tell the caller how far the run is (no-op without a progress callback)."""
        if self.progress is not None:
            self.progress(step, min(max(fraction, 0.0), 1.0))


class Agent(Protocol):
    """One of the six agents (`cpi`, `sli`, `dsa`, `ram`, `spo`, `vcm`)."""

    name: str
    title: str
    reads: tuple[str, ...]
    triggers: tuple[str, ...]

    def run(self, ctx: AgentContext, *, subject_id: str | None = None) -> AgentRun:
        """Analyse the data (or one subject of it) and return findings, events and metrics."""
        ...


def severity_for(score: float) -> Severity:
    """The severity band of a 0..1 score, so every agent grades alike."""
    if score >= 0.85:
        return "critical"
    if score >= 0.65:
        return "high"
    if score >= 0.4:
        return "medium"
    return "low"
