"""Ask Hexad: questions answered by the agents' tools, offline or with an LLM supervisor.

`Supervisor(ctx, llm=..., allowed=...).ask(question) -> Answer`; `tools.TOOLS` are the typed tools
(also served over MCP); `routing.route` is the offline classifier + slot extraction + plan.
"""

from __future__ import annotations

from hexad.config import Settings, get_settings
from hexad.intelligence.ask.answers import Answer, AnswerPart, ToolCallRecord
from hexad.intelligence.ask.context import ToolContext
from hexad.intelligence.ask.supervisor import Supervisor
from hexad.intelligence.ask.tools import TOOLS, Tool, ToolResult, run_tool, tool_specs

__all__ = [
    "TOOLS",
    "Answer",
    "AnswerPart",
    "Supervisor",
    "Tool",
    "ToolCallRecord",
    "ToolContext",
    "ToolResult",
    "open_context",
    "run_tool",
    "tool_specs",
]


def open_context(settings: Settings | None = None) -> ToolContext:
    """A context over the settings' domain database ("today" from the data, as the agents define it)."""
    from hexad.agents.findings import open_finding_store
    from hexad.agents.frames import frames_from_database
    from hexad.agents.service import reference_date_of

    resolved = settings or get_settings()
    frames = frames_from_database(resolved)
    return ToolContext(frames, reference_date_of(frames), resolved, open_finding_store(resolved))
