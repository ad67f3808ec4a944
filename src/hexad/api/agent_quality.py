"""Precision and recall of the agents' findings where ground truth exists (the demo's planted signals).

The demo writes `ground_truth.json` into `HEXAD_HOME/demo-data`; a copy at the lake's root counts
too. The agents' current claims (open or acknowledged findings; resolved ones were withdrawn by a
run or closed by a person) are scored per kind by the demo's own scorer
(`hexad.demo.scoring.score_findings`), so the API agrees with `hexad demo run`'s summary. Without a
ground-truth file nothing can be measured, and the answer says so rather than guessing a number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hexad.agents.findings import FINDINGS
from hexad.agents.service import lake_path
from hexad.config import Settings
from hexad.demo.ground_truth import SIGNAL_AGENTS
from hexad.demo.scoring import KindScore, score_findings

__all__ = ["AgentKindScore", "Quality", "agent_quality", "ground_truth_path"]

_CLAIMED = ("open", "acknowledged")


@dataclass(frozen=True)
class AgentKindScore:
    """One agent's findings of one kind against what was planted."""

    agent: str
    score: KindScore


@dataclass(frozen=True)
class Quality:
    """Scores per agent and kind, or none with `ground_truth` None when there is nothing to score against."""

    ground_truth: Path | None
    reference_date: str | None
    scores: list[AgentKindScore]


def ground_truth_path(settings: Settings) -> Path | None:
    """The first ground-truth file found: the demo's data folder, then the lake's root."""
    for folder in (settings.home / "demo-data", lake_path(settings)):
        if (folder / "ground_truth.json").is_file():
            return folder / "ground_truth.json"
    return None


def agent_quality(settings: Settings, engine: Engine) -> Quality:
    """Score the current findings against the ground truth, by agent and kind."""
    path = ground_truth_path(settings)
    if path is None:
        return Quality(None, None, [])
    truth: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    columns = (FINDINGS.c.agent, FINDINGS.c.kind, FINDINGS.c.subject_type, FINDINGS.c.subject_id)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*columns).where(FINDINGS.c.status.in_(_CLAIMED))).all()
        distinct = sa.select(FINDINGS.c.kind, FINDINGS.c.agent).distinct()
        reporters = {r.kind: r.agent for r in conn.execute(distinct)}
    scores = score_findings([(r.kind, r.subject_type, str(r.subject_id)) for r in rows], truth)
    agent_of = {**SIGNAL_AGENTS, **reporters}
    by_agent = [AgentKindScore(agent_of.get(s.kind, "unknown"), s) for s in scores]
    by_agent.sort(key=lambda item: (item.agent, item.score.kind))
    return Quality(path, truth.get("reference_date"), by_agent)
