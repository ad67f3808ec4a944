"""Ask Hexad: offline routing accuracy, the tools on demo data, the supervisor offline and with an LLM."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hexad.agents.sli import reconcile_licences
from hexad.errors import ValidationError
from hexad.intelligence.ask import TOOLS, Supervisor, ToolContext, open_context, run_tool
from hexad.intelligence.llm import Completion, LlmClient, LlmRequest, OfflineProvider, ToolCall
from tests.unit.intelligence.ask_home import ask_home

pytestmark = pytest.mark.slow  # the demo data set is generated, imported and analysed once (~25 s)

QUESTIONS = Path(__file__).resolve().parents[2] / "data" / "ask" / "questions.json"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> ToolContext:
    return open_context(ask_home(tmp_path_factory.mktemp("ask")))


def test_every_tool_runs_on_the_demo_data(ctx: ToolContext) -> None:
    client = str(ctx.frames("clients")["client_id"].iloc[0])
    arguments: dict[str, dict[str, Any]] = {
        "client_profitability": {"client_id": client}, "contract_search": {"query": "renewal notice"},
        "semantic_search": {"query": "idle seats"}, "assignment_plan": {"client_id": client},
    }  # fmt: skip
    for name in TOOLS:
        result = run_tool(ctx, name, arguments.get(name, {}))
        assert result.tool == name and result.summary
        assert all(len(row) == len(result.columns) for row in result.rows), name
    assert run_tool(ctx, "list_findings", {}).rows, "the three agents' findings are in the data"


def test_licence_totals_are_the_agents_own_reconciliation(ctx: ToolContext) -> None:
    result = run_tool(ctx, "licence_reconciliation", {"limit": 200})
    table = reconcile_licences(
        ctx.frames("licence_subscriptions"),
        ctx.frames("licence_assignments"),
        pd.Timestamp(ctx.reference_date),
    )
    assert result.data["unused_seats"] == int(table["seats_unused"].sum())
    assert result.data["subscriptions"] == len(table) == len(result.rows)


def test_bad_arguments_name_the_tool_and_field(ctx: ToolContext) -> None:
    with pytest.raises(ValidationError, match=r"spend_series: months: .*less than or equal to 36"):
        run_tool(ctx, "spend_series", {"months": 99})
    with pytest.raises(ValidationError, match="unknown tool 'nope'"):
        run_tool(ctx, "nope", {})
    with pytest.raises(ValidationError, match="client_id: no client 'CL-9999'"):
        run_tool(ctx, "client_profitability", {"client_id": "CL-9999"})


async def test_offline_answer_cites_parallel_tool_calls_and_attaches_tables(ctx: ToolContext) -> None:
    clients = ctx.frames("clients")
    client_id, name = str(clients["client_id"].iloc[2]), str(clients["name"].iloc[2])
    answer = await Supervisor(ctx).ask(f"Why is {name}'s margin falling and what should we do?")
    assert answer.mode == "offline" and answer.intent == "client_profitability"
    called = [(c.tool, c.arguments.get("client_id") or c.arguments.get("subject_id")) for c in answer.calls]
    assert called == [("client_profitability", client_id), ("list_findings", client_id)]
    assert f"{answer.calls[0].summary} [1]" in answer.text
    assert answer.text.startswith(client_id)
    tables = [p for p in answer.parts if p.kind == "table"]
    assert tables[0].source == 1 and tables[0].columns[0] == "month"


async def test_tools_the_roles_lack_are_refused_not_run(ctx: ToolContext) -> None:
    supervisor = Supervisor(ctx, allowed=lambda permission: permission != "spend:read")
    answer = await supervisor.ask("which departments are over budget?")
    [call] = answer.calls
    assert call.tool == "budget_status" and "spend:read" in (call.error or "")
    assert "could not get" in answer.text and not [p for p in answer.parts if p.kind == "table"]


async def test_with_an_llm_the_supervisor_calls_the_tools_it_is_offered(ctx: ToolContext) -> None:
    requests: list[LlmRequest] = []

    def script(request: LlmRequest) -> Completion:
        requests.append(request)
        if len(requests) == 1:
            calls = (ToolCall("c1", "budget_status", {}), ToolCall("c2", "list_findings", {"agent": "dsa"}))
            return Completion("", calls, "tool_use", model="scripted")
        return Completion("Spend is over budget in several departments [1][2].", model="scripted")

    provider = OfflineProvider(script)
    provider.name = "scripted"  # type: ignore[misc]
    supervisor = Supervisor(ctx, llm=LlmClient(provider), allowed=lambda p: p != "contracts:read")
    answer = await supervisor.ask("How is spending going?")
    assert answer.mode == "llm:scripted" and answer.text.startswith("Spend is over budget")
    assert [c.tool for c in answer.calls] == ["budget_status", "list_findings"]
    offered = {t.name for t in requests[0].tools}
    assert "budget_status" in offered and "contract_search" not in offered
    results = [m for m in requests[1].messages if m.role == "tool"]
    assert [m.tool_call_id for m in results] == ["c1", "c2"]
    assert json.loads(results[0].content)["tool"] == "budget_status"
    assert len([p for p in answer.parts if p.kind == "table"]) >= 1


async def test_an_llm_answer_with_figures_not_in_the_tool_results_is_replaced(ctx: ToolContext) -> None:
    def script(request: LlmRequest) -> Completion:
        if len(request.messages) == 1:
            return Completion("", (ToolCall("c1", "budget_status", {}),), "tool_use", model="scripted")
        return Completion("Marketing is 987,654.32 over budget [1].", model="scripted")

    provider = OfflineProvider(script)
    provider.name = "scripted"  # type: ignore[misc]
    answer = await Supervisor(ctx, llm=LlmClient(provider)).ask("Which departments overspend?")
    assert "987,654.32" in answer.notes[0]
    assert answer.text.startswith(answer.calls[0].summary[:20])


async def test_the_llm_answer_streams_its_text_and_tool_calls(ctx: ToolContext) -> None:
    def script(request: LlmRequest) -> Completion:
        if len(request.messages) == 1:
            return Completion(
                "Checking.", (ToolCall("c1", "top_leads", {"limit": 3}),), "tool_use", model="scripted"
            )
        return Completion("The best deals are listed [1].", model="scripted")

    provider = OfflineProvider(script)
    provider.name = "scripted"  # type: ignore[misc]
    events = [e async for e in Supervisor(ctx, llm=LlmClient(provider)).events("Best deals?")]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "delta" and "call" in kinds and kinds[-1] == "answer"
    text = "".join(e["text"] for e in events[kinds.index("call") + 1 :] if e["type"] == "delta")
    assert text == events[-1]["answer"]["text"] == "The best deals are listed [1]."
