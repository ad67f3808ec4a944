"""The answer shape and the offline composer: templated, cited text plus the tools' tables.

An `Answer` has plain text citing its sources as [1], [2] (the tool calls, in order) and parts the
dashboard renders: a text part, then one table per tool result. The offline composer writes the text
from the results' own summaries and figures, adding what to do when findings carry actions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from hexad.intelligence.ask.tool_base import ToolResult

__all__ = ["Answer", "AnswerPart", "ToolCallRecord", "compose_offline", "table_parts"]

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
class ToolCallRecord:
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
    calls: list[ToolCallRecord]
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


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * float(value):.0f}%"


def _money(value: Any) -> str:
    return "n/a" if value is None else f"{float(value):,.2f}"


def _profitability(rows: list[list[Any]], data: dict[str, Any]) -> str:
    if data.get("client_id"):
        first, last = rows[0], rows[-1]
        return f"Monthly margin went from {_pct(first[4])} in {first[0]} to {_pct(last[4])} in {last[0]}"
    return "Lowest margins: " + ", ".join(f"{r[1]} ({r[0]}) {_pct(r[4])}" for r in rows[:3])


def _budget(rows: list[list[Any]], data: dict[str, Any]) -> str:
    over = [r for r in rows if (r[4] or 0) > 1][:3] or rows[:3]
    return "; ".join(f"{r[0]} {_pct(r[4])} ({_money(r[2])} of {_money(r[1])})" for r in over)


def _spend(rows: list[list[Any]], data: dict[str, Any]) -> str:
    top = max(rows, key=lambda r: r[1])
    return f"Highest month {top[0]} at {_money(top[1])}; latest {rows[-1][0]} at {_money(rows[-1][1])}"


def _licences(rows: list[list[Any]], data: dict[str, Any]) -> str:
    def one(r: list[Any]) -> str:
        counts = ((r[8], "unused"), (r[9], "over-deployed"), (r[10], "under-billed"))
        issues = [f"{n} {label}" for n, label in counts if n]
        return f"{r[0]} {r[1]} {r[2]} {r[3]} ({', '.join(issues) or 'no issue'})"

    return "Most at stake: " + ", ".join(one(r) for r in rows[:3])


def _forecast(rows: list[list[Any]], data: dict[str, Any]) -> str:
    return "; ".join(f"{r[0]}: {_money(r[4])} expected ({_money(r[5])} to {_money(r[6])})" for r in rows)


def _leads(rows: list[list[Any]], data: dict[str, Any]) -> str:
    return "; ".join(
        f"{r[0]} {r[1]} ({r[2]}, {_pct(r[4])} to win, {_money(r[5])} expected)" for r in rows[:3]
    )


def _renewals(rows: list[list[Any]], data: dict[str, Any]) -> str:
    def one(r: list[Any]) -> str:
        notice = f", notice by {r[5]}" if r[5] else ", notice period unknown"
        return f"{r[0]} with {r[1]} ends {r[2]}{' (auto-renews)' if r[3] else ''}{notice}"

    return "; ".join(one(r) for r in rows[:3])


def _utilization(rows: list[list[Any]], data: dict[str, Any]) -> str:
    if data.get("technician_id"):
        busiest = max(rows, key=lambda r: r[3] or 0)
        return f"Busiest week {busiest[0]} at {_pct(busiest[3])}"
    low = rows[-1]
    return (
        "Highest: "
        + ", ".join(f"{r[1]} {_pct(r[4])}" for r in rows[:3])
        + f"; lowest: {low[1]} {_pct(low[4])}"
    )


def _findings(rows: list[list[Any]], data: dict[str, Any]) -> str:
    return " ".join(f"{str(r[4]).capitalize()}: {r[6]}." for r in rows[:3]).rstrip(".")


def _matches(rows: list[list[Any]], data: dict[str, Any]) -> str:
    first = rows[0]
    return f'Best match: {first[-3]}: "{first[-1]}"'


def _plan(rows: list[list[Any]], data: dict[str, Any]) -> str:
    return "First: " + "; ".join(f"{r[0]} to {r[1]} ({r[5]})" for r in rows[:3])


_DETAILS = {
    "client_profitability": _profitability, "budget_status": _budget, "spend_series": _spend,
    "licence_reconciliation": _licences, "pipeline_forecast": _forecast, "top_leads": _leads,
    "contract_renewals": _renewals, "technician_utilization": _utilization, "list_findings": _findings,
    "contract_search": _matches, "semantic_search": _matches, "assignment_plan": _plan,
}  # fmt: skip


def _detail(result: ToolResult, source: int) -> str:
    """A sentence of specifics beyond the summary: the rows that say the most."""
    writer = _DETAILS.get(result.tool)
    if writer is None or not result.rows:
        return ""
    return f"{writer(result.rows, result.data)} [{source}]."


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
