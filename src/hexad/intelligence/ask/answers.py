"""The answer shape and the offline composer: templated, cited text plus the tools' tables.

An `Answer` has plain text citing its sources as [1], [2] (the tool calls, in order) and parts the
dashboard renders: a text part, then one table per tool result. The offline composer writes the text
from the results' own summaries and figures, adding what to do when findings carry actions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from hexad.intelligence.ask.tools import ToolResult

__all__ = ["Answer", "AnswerPart", "CallRecord", "compose_offline", "table_parts"]

_MAX_ROWS = 50


@dataclass(frozen=True)
class AnswerPart:
    """A block of the answer: text, or a table from tool call number `source` (1-based)."""

    kind: Literal["text", "table"]
    text: str = ""
    title: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    source: int | None = None


@dataclass(frozen=True)
class CallRecord:
    """One tool call made for the answer: what was asked, what came back (or the error)."""

    tool: str
    arguments: dict[str, Any]
    summary: str
    error: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Answer:
    """What Hexad answers: text with citations, renderable parts, the calls behind them and how."""

    question: str
    text: str
    parts: list[AnswerPart]
    calls: list[CallRecord]
    mode: str
    intent: str | None = None
    confidence: float | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


def table_parts(results: list[ToolResult | None]) -> list[AnswerPart]:
    """One table per result that has rows, citing its call number."""
    return [
        AnswerPart("table", title=r.title, columns=r.columns, rows=r.rows[:_MAX_ROWS], source=i)
        for i, r in enumerate(results, start=1)
        if r is not None and r.rows
    ]


def _actions(result: ToolResult, source: int) -> list[str]:
    found = result.data.get("findings", []) if result.tool == "list_findings" else []
    seen: dict[str, None] = {}
    for item in found[:5]:
        seen.setdefault(str(item["recommended_action"]).rstrip("."), None)
    return [f"{action} [{source}]" for action in list(seen)[:3]]


def _detail(result: ToolResult, source: int) -> str:
    """A sentence of specifics beyond the summary, for the tools where the first rows say the most."""
    data, rows = result.data, result.rows
    if result.tool == "client_profitability" and data.get("first_month_margin") is not None and rows:
        first, last = rows[0], rows[-1]
        return (
            f"Monthly margin went from {100 * first[4]:.0f}% in {first[0]} to "
            f"{100 * (last[4] or 0):.0f}% in {last[0]} [{source}]."
        )
    if result.tool == "list_findings" and rows:
        return " ".join(f"{row[4].capitalize()}: {row[6]} [{source}]." for row in rows[:3])
    if (
        result.tool in ("top_leads", "contract_renewals", "technician_utilization", "contract_search")
        and rows
    ):
        heads = ", ".join(str(row[1]) for row in rows[:3])
        return f"First: {heads} [{source}]."
    return ""


def compose_offline(question: str, results: list[ToolResult | None], errors: list[str | None]) -> str:
    """The answer text from the tool results (a failed call is said, not hidden)."""
    sentences: list[str] = []
    actions: list[str] = []
    for source, (result, error) in enumerate(zip(results, errors, strict=True), start=1):
        if result is None:
            sentences.append(f"I could not get this part of the answer: {error} [{source}].")
            continue
        sentences.append(f"{result.summary[0].upper()}{result.summary[1:]} [{source}].")
        if detail := _detail(result, source):
            sentences.append(detail)
        actions += _actions(result, source)
    text = " ".join(sentences)
    if actions:
        text += "\n\nWhat to do: " + "; ".join(actions) + "."
    return text
