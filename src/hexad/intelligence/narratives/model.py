"""`Narrative`: what happened, why, what to do, and the numbers behind it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Narrative"]


@dataclass(frozen=True)
class Narrative:
    """A short explanation of one finding or one client, vendor or department.

    `source` is `offline` (Hexad's deterministic writer) or `llm:<provider>`; `rejected` says why an
    LLM narrative was not used (a number not found in the evidence, an error), so the fallback is visible.
    """

    subject_type: str
    subject_id: str
    headline: str
    what: str
    why: str
    action: str
    numbers: dict[str, Any] = field(default_factory=dict)
    source: str = "offline"
    rejected: str | None = None

    @property
    def text(self) -> str:
        """The narrative as plain paragraphs."""
        return f"{self.headline}\n\n{self.what}\n\nWhy: {self.why}\n\nWhat to do: {self.action}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form with the plain text included."""
        return asdict(self) | {"text": self.text}
