"""Narratives by subject: a finding by id, or a client, vendor or department by id or name.

One entry point for the CLI, the API and the MCP server, so all three explain a subject the same way:
collect the evidence (`entities`), the subject's open findings, write the offline narrative and let
the `NarrativeWriter` replace it with a grounded LLM one when a model is configured.
"""

from __future__ import annotations

import asyncio

from hexad.agents.findings import Finding
from hexad.errors import ValidationError
from hexad.intelligence.ask.context import ToolContext
from hexad.intelligence.llm import LlmClient
from hexad.intelligence.narratives.entities import (
    SUBJECT_TYPES,
    client_evidence,
    department_evidence,
    entity_narrative,
    vendor_evidence,
)
from hexad.intelligence.narratives.model import Narrative
from hexad.intelligence.narratives.writer import NarrativeWriter

__all__ = ["explain_finding", "explain_subject"]

_EVIDENCE = {"client": client_evidence, "vendor": vendor_evidence, "department": department_evidence}
_KEYS = {"client": "client_id", "vendor": "vendor_id", "department": "department"}


def _related(ctx: ToolContext, subject_type: str, subject_id: str) -> list[Finding]:
    """Open findings about the subject, or whose evidence names it (its agreements, its bills)."""
    key = _KEYS[subject_type]
    return [
        f
        for f in ctx.findings.list(status="open", limit=100_000)
        if f.subject_id == subject_id or f.evidence.get(key) == subject_id
    ]


async def explain_finding(ctx: ToolContext, finding_id: str, llm: LlmClient | None = None) -> Narrative:
    """The narrative of one stored finding."""
    return await NarrativeWriter(llm).finding(ctx.findings.get(finding_id))


async def explain_subject(
    ctx: ToolContext, subject_type: str, subject_id: str, llm: LlmClient | None = None
) -> Narrative:
    """The narrative of a client, vendor (by id) or department (by name)."""
    if subject_type not in SUBJECT_TYPES:
        raise ValidationError(
            f"subject type: expected one of {', '.join(SUBJECT_TYPES)}, got {subject_type!r}"
        )
    found = await asyncio.to_thread(_related, ctx, subject_type, subject_id)
    evidence = await asyncio.to_thread(
        _EVIDENCE[subject_type], ctx.frames, subject_id, ctx.reference_date, found
    )
    offline = entity_narrative(subject_type, subject_id, evidence)
    return await NarrativeWriter(llm).grounded(offline, {"subject_type": subject_type, **evidence})
