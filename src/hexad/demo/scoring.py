"""How well the agents recovered the demo's planted signals: precision and recall per finding kind.

A finding recovers a signal when kind, subject type and subject id agree. Used by the demo summary
and the quality benchmark; never by an agent (agents do not see the ground truth).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["KindScore", "score_findings"]

Key = tuple[str, str, str]


@dataclass(frozen=True)
class KindScore:
    """One finding kind: how many were planted, found, and found correctly."""

    kind: str
    planted: int
    found: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else (1.0 if not self.planted else 0.0)

    @property
    def recall(self) -> float:
        return self.correct / self.planted if self.planted else 1.0


def score_findings(findings: Iterable[Key], ground_truth: Mapping[str, Any]) -> list[KindScore]:
    """A score per kind that was planted or found, by kind name."""
    planted: dict[str, set[Key]] = defaultdict(set)
    for signal in ground_truth["signals"]:
        planted[signal["kind"]].add((signal["kind"], signal["subject_type"], str(signal["subject_id"])))
    found: dict[str, set[Key]] = defaultdict(set)
    for key in findings:
        found[key[0]].add(key)
    return [
        KindScore(kind, len(planted[kind]), len(found[kind]), len(planted[kind] & found[kind]))
        for kind in sorted(set(planted) | set(found))
    ]
