"""Insight narratives: what happened, why, what to do, with the numbers, for findings and entities.

`NarrativeWriter.finding(f)` and `.grounded(offline, facts)`; the offline writer (`offline.write_finding`,
`entities.entity_narrative`) needs no model; `grounding.ungrounded` is the number check.
"""

from __future__ import annotations

from hexad.intelligence.narratives.entities import (
    SUBJECT_TYPES,
    client_evidence,
    department_evidence,
    entity_narrative,
    vendor_evidence,
)
from hexad.intelligence.narratives.grounding import ungrounded
from hexad.intelligence.narratives.model import Narrative
from hexad.intelligence.narratives.offline import write_finding
from hexad.intelligence.narratives.subjects import explain_finding, explain_subject
from hexad.intelligence.narratives.writer import NarrativeWriter

__all__ = [
    "SUBJECT_TYPES",
    "Narrative",
    "NarrativeWriter",
    "client_evidence",
    "department_evidence",
    "entity_narrative",
    "explain_finding",
    "explain_subject",
    "ungrounded",
    "vendor_evidence",
    "write_finding",
]
