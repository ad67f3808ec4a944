"""`NarrativeWriter`: the offline narrative, or the configured LLM's when it is grounded.

The LLM sees only the evidence (and the offline narrative's structure as a guide), must answer
with JSON `{headline, what, why, action}`, and every number, id and date in its answer must be in the
evidence (`grounding.ungrounded`). Otherwise, or on any LLM error, the offline narrative is returned
with `rejected` saying why, so a bad model answer never reaches a person.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from hexad.agents.findings import Finding
from hexad.intelligence.llm import LlmClient, LlmError, LlmRequest, Message
from hexad.intelligence.narratives.grounding import ungrounded
from hexad.intelligence.narratives.model import Narrative
from hexad.intelligence.narratives.offline import write_finding

__all__ = ["SYSTEM_PROMPT", "NarrativeWriter"]

_log = logging.getLogger("hexad.narratives")
SYSTEM_PROMPT = (
    "You explain findings about a managed service provider's business to its owner. Write from the JSON "
    "evidence only. Answer with one JSON object with the keys headline, what, why and action: headline one "
    "line; what = what happened, with the key numbers; why = why it matters; action = what to do next. "
    "Two sentences at most per key, plain words, no filler. Copy every number, id and date exactly as it "
    "appears in the evidence (you may round, or show a fraction as a percentage); never compute new figures."
)
_FIELDS = ("headline", "what", "why", "action")


class NarrativeWriter:
    """Writes narratives offline, or with `llm` when one is configured (falling back when ungrounded)."""

    def __init__(self, llm: LlmClient | None = None) -> None:
        self._llm = llm

    async def finding(self, finding: Finding) -> Narrative:
        """The narrative of one finding."""
        offline = write_finding(finding)
        facts = {
            "agent": finding.agent, "kind": finding.kind, "subject_type": finding.subject_type,
            "subject_id": finding.subject_id, "severity": finding.severity, "summary": finding.summary,
            "recommended_action": finding.recommended_action, "evidence": finding.evidence,
        }  # fmt: skip
        return await self.grounded(offline, facts)

    async def grounded(self, offline: Narrative, facts: dict[str, Any]) -> Narrative:
        """The LLM's narrative of `facts` if every number in it is grounded, else `offline`."""
        if self._llm is None or self._llm.offline:
            return offline
        source = f"llm:{self._llm.provider.name}"
        request = LlmRequest(
            messages=(Message("user", json.dumps(facts, default=str, sort_keys=True)),),
            system=SYSTEM_PROMPT, max_tokens=600, purpose="narrative",
        )  # fmt: skip
        try:
            answer = await self._llm.complete(request)
        except LlmError as exc:
            return _fallback(offline, f"{source} failed: {exc}")
        parts = _parse(answer.text)
        if parts is None:
            return _fallback(offline, f"{source} did not answer with a JSON object of {', '.join(_FIELDS)}")
        problems = ungrounded(" ".join(parts.values()), facts)
        if problems:
            _log.info("narrative rejected", extra={"ungrounded": problems[:10]})
            return _fallback(
                offline, f"{source} wrote figures not in the evidence: {', '.join(problems[:10])}"
            )
        return Narrative(
            offline.subject_type, offline.subject_id, numbers=offline.numbers, source=source, **parts
        )


def _parse(text: str) -> dict[str, str] | None:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) and data[k].strip() for k in _FIELDS
    ):
        return None
    return {k: data[k].strip() for k in _FIELDS}


def _fallback(offline: Narrative, reason: str) -> Narrative:
    return Narrative(**{**offline.__dict__, "rejected": reason})
