"""The shape of a tool: its result, its argument model, its registration, and shared helpers.

A tool names its agent, the permission a caller needs (`hexad.auth.permissions`), a pydantic model of
its arguments (whose JSON Schema is what an LLM or MCP client sees) and a function returning a
`ToolResult`: a one-line summary, a table the dashboard can render, and the figures behind them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from hexad.intelligence.ask.context import ToolContext

__all__ = ["PROFIT_ENTITIES", "Args", "Tool", "ToolResult", "months_back", "rounded", "tuples"]

PROFIT_ENTITIES = (
    "technicians",
    "time_entries",
    "invoices",
    "agreement_additions",
    "agreements",
    "licence_subscriptions",
)


@dataclass(frozen=True)
class ToolResult:
    """What a tool found: a summary line, a table (columns + rows) and the figures behind them."""

    tool: str
    arguments: dict[str, Any]
    title: str
    summary: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, max_rows: int = 50) -> dict[str, Any]:
        """JSON-able form, the table cut to `max_rows` rows."""
        return {
            "tool": self.tool,
            "arguments": self.arguments,
            "title": self.title,
            "summary": self.summary,
            "columns": self.columns,
            "rows": self.rows[:max_rows],
            "total_rows": len(self.rows),
            "data": self.data,
        }


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Tool:
    """One callable tool of one agent."""

    name: str
    agent: str
    permission: str
    description: str
    arguments: type[Args]
    run: Callable[[ToolContext, Any], ToolResult]

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON Schema of the arguments."""
        schema = self.arguments.model_json_schema()
        schema.pop("title", None)
        return schema


def tuples(frame: pd.DataFrame) -> list[Any]:
    """Rows as named tuples (typed loosely: columns differ per frame)."""
    return list(frame.itertuples())


def rounded(value: Any, digits: int = 2) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return round(float(value), digits) if isinstance(value, float | int) else value


def months_back(ctx: ToolContext, count: int) -> tuple[str, str]:
    last = pd.Period(ctx.reference_date, freq="M")
    return str(last - (count - 1)), str(last)
