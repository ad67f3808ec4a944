"""The providers against recorded responses replayed by a local server, through the official SDKs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from hexad.adapters.bedrock.llm import BedrockProvider
from hexad.domain.database import create_domain_engine, upgrade
from hexad.intelligence.llm import (
    Completion,
    LlmClient,
    LlmError,
    LlmRequest,
    Message,
    RetryPolicy,
    TextDelta,
    ToolCall,
    ToolSpec,
    TransientLlmError,
    UsageStore,
)
from hexad.intelligence.llm.anthropic_provider import AnthropicProvider
from hexad.intelligence.llm.openai_provider import OpenAIProvider
from tests.unit.intelligence.replay_server import ReplayServer, Reply

SECRET = "sk-ant-test-0123456789abcdef"
TOOLS = (
    ToolSpec(
        "client_profitability",
        "A client's monthly revenue, cost and margin.",
        {"type": "object", "properties": {"client_id": {"type": "string"}}, "required": ["client_id"]},
    ),
    ToolSpec(
        "list_findings", "Open findings.", {"type": "object", "properties": {"kind": {"type": "string"}}}
    ),
)
REQUEST = LlmRequest(
    messages=(Message("user", "Why is CL-0007's margin falling?"),),
    system="You are Hexad.",
    tools=TOOLS,
    purpose="ask",
)
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02, timeout_seconds=5.0)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer().running() as running:
        yield running


@pytest.fixture
def usage(tmp_path: Path) -> UsageStore:
    engine = create_domain_engine(f"sqlite:///{tmp_path / 'domain.db'}")
    upgrade(engine=engine)
    return UsageStore(engine)


def anthropic_client(server: ReplayServer, usage: UsageStore, policy: RetryPolicy = FAST) -> LlmClient:
    provider = AnthropicProvider(api_key=SECRET, model="claude-sonnet-4-5", base_url=server.url, timeout=5)
    return LlmClient(provider, usage=usage, policy=policy)


async def test_anthropic_tool_use_caches_the_prompt_and_records_tokens_and_cost(
    server: ReplayServer, usage: UsageStore
) -> None:
    server.queue(Reply("anthropic_messages_tool_use.json"))
    result = await anthropic_client(server, usage).complete(REQUEST)
    assert result.tool_calls == (
        ToolCall(
            "toolu_01A09q90qw90lq917835lq9", "client_profitability", {"client_id": "CL-0007", "months": 12}
        ),
    )
    assert result.stop_reason == "tool_use"
    sent = server.seen[0]
    assert sent.path == "/v1/messages"
    assert SECRET in (sent.headers.get("x-api-key", "") + sent.headers.get("authorization", ""))
    assert sent.body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert sent.body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in sent.body["tools"][0]
    [total] = usage.totals()
    assert (total.calls, total.input_tokens, total.output_tokens, total.cache_write_tokens) == (
        1,
        412,
        71,
        1536,
    )
    expected = (412 * 3.0 + 71 * 15.0 + 1536 * 3.75) / 1_000_000
    assert total.cost_usd == pytest.approx(expected, abs=1e-6)


async def test_anthropic_tool_results_go_back_as_tool_result_blocks(
    server: ReplayServer, usage: UsageStore
) -> None:
    server.queue(Reply("anthropic_messages_text.json"))
    call = ToolCall("toolu_1", "client_profitability", {"client_id": "CL-0007"})
    turns = (
        Message("user", "Why?"),
        Message("assistant", "", tool_calls=(call,)),
        Message("tool", '{"margin": -0.08}', tool_call_id="toolu_1"),
    )
    result = await anthropic_client(server, usage).complete(LlmRequest(messages=turns, tools=TOOLS))
    assert result.text.startswith("Margin for CL-0007")
    sent = server.seen[0].body["messages"]
    assert sent[1]["content"][0] == {"type": "tool_use", "id": "toolu_1", "name": "client_profitability",
                                     "input": {"client_id": "CL-0007"}}  # fmt: skip
    assert sent[2] == {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": '{"margin": -0.08}'}]}  # fmt: skip
    assert usage.totals()[0].cache_read_tokens == 1536


async def test_an_overloaded_server_is_retried_and_the_attempts_are_recorded(
    server: ReplayServer, usage: UsageStore
) -> None:
    server.queue(Reply("anthropic_overloaded.json", status=529), Reply("anthropic_messages_text.json"))
    result = await anthropic_client(server, usage).complete(REQUEST)
    assert result.text
    assert len(server.seen) == 2
    assert usage.recent()[0].attempts == 2


async def test_a_bad_request_fails_at_once_without_leaking_the_key(
    server: ReplayServer, usage: UsageStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.queue(Reply("anthropic_invalid_request.json", status=400))
    with pytest.raises(LlmError) as raised:
        await anthropic_client(server, usage).complete(REQUEST)
    assert not isinstance(raised.value, TransientLlmError)
    assert len(server.seen) == 1
    [call] = usage.recent()
    assert call.status == "error" and "400" in (call.error or "")
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert SECRET not in logged and SECRET not in str(raised.value)


async def test_a_timeout_is_transient_and_retried_until_the_attempts_run_out(
    server: ReplayServer, usage: UsageStore
) -> None:
    slow = RetryPolicy(attempts=2, base_delay=0.01, timeout_seconds=0.3)
    server.queue(
        Reply("anthropic_messages_text.json", delay=1.0), Reply("anthropic_messages_text.json", delay=1.0)
    )
    with pytest.raises(TransientLlmError, match="no answer within"):
        await anthropic_client(server, usage, slow).complete(REQUEST)
    assert len(server.seen) == 2


async def test_anthropic_stream_yields_text_then_the_completion_with_tool_calls(
    server: ReplayServer, usage: UsageStore
) -> None:
    server.queue(Reply("anthropic_stream.sse"))
    events = [event async for event in anthropic_client(server, usage).stream(REQUEST)]
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    final = events[-1]
    assert isinstance(final, Completion)
    assert "".join(deltas) == final.text == "Three clients need attention."
    assert final.tool_calls == (
        ToolCall("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "list_findings", {"kind": "margin_erosion"}),
    )
    assert server.seen[0].body["stream"] is True
    assert (final.usage.output_tokens, final.usage.cache_read_tokens) == (15, 1536)
    assert usage.totals()[0].calls == 1


def openai_client(server: ReplayServer, usage: UsageStore) -> LlmClient:
    provider = OpenAIProvider(
        api_key="sk-test-openai-0123456789", model="gpt-4o-mini", base_url=server.url + "/v1"
    )
    return LlmClient(provider, usage=usage, policy=FAST)


async def test_openai_parallel_tool_calls_and_cached_prompt_tokens(
    server: ReplayServer, usage: UsageStore
) -> None:
    server.queue(Reply("openai_chat_tool_calls.json"))
    result = await openai_client(server, usage).complete(REQUEST)
    assert [c.name for c in result.tool_calls] == ["spend_series", "budget_status"]
    assert result.tool_calls[0].arguments == {"department": "Engineering", "months": 6}
    sent = server.seen[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.body["messages"][0] == {"role": "system", "content": "You are Hexad."}
    assert sent.body["tools"][0]["function"]["name"] == "client_profitability"
    [total] = usage.totals()
    assert (total.input_tokens, total.cache_read_tokens, total.output_tokens) == (86, 1920, 300)


async def test_openai_compatible_local_server_and_rate_limit_retry(
    server: ReplayServer, usage: UsageStore
) -> None:
    server.queue(Reply("openai_rate_limited.json", status=429), Reply("openai_chat_text.json"))
    provider = OpenAIProvider(api_key=None, model="llama3.1:8b", base_url=server.url + "/v1")
    result = await LlmClient(provider, usage=usage, policy=FAST).complete(
        LlmRequest((Message("user", "Hi"),))
    )
    assert result.text.startswith("Engineering is 16%")
    assert result.model == "llama3.1:8b"
    assert usage.totals()[0].cost_usd == 0.0  # a local model has no price


async def test_openai_stream_assembles_tool_call_arguments(server: ReplayServer, usage: UsageStore) -> None:
    server.queue(Reply("openai_stream.sse"))
    events = [event async for event in openai_client(server, usage).stream(REQUEST)]
    final = events[-1]
    assert isinstance(final, Completion)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Pipeline looks healthy."
    assert final.tool_calls == (ToolCall("call_abc", "pipeline_forecast", {"months": 3}),)
    assert final.usage.input_tokens == 120
    assert server.seen[0].body["stream_options"] == {"include_usage": True}


def bedrock_client(server: ReplayServer, usage: UsageStore, monkeypatch: pytest.MonkeyPatch) -> LlmClient:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    provider = BedrockProvider(
        model="anthropic.claude-3-5-sonnet-20241022-v2:0",
        region="us-east-1",
        endpoint_url=server.url,
        timeout=5,
    )
    return LlmClient(provider, usage=usage, policy=FAST)


async def test_bedrock_converse_with_tools_and_cache_points(
    server: ReplayServer, usage: UsageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.queue(Reply("bedrock_converse_tool_use.json"))
    result = await bedrock_client(server, usage, monkeypatch).complete(REQUEST)
    assert result.tool_calls == (
        ToolCall("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "licence_reconciliation", {"client_id": "CL-0010"}),
    )
    sent = server.seen[0]
    assert sent.path == "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse"
    assert sent.headers["authorization"].startswith("AWS4-HMAC-SHA256")
    assert sent.body["system"] == [{"text": "You are Hexad."}, {"cachePoint": {"type": "default"}}]
    assert sent.body["toolConfig"]["tools"][-1] == {"cachePoint": {"type": "default"}}
    assert sent.body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["required"] == ["client_id"]
    [total] = usage.totals()
    assert (total.provider, total.input_tokens, total.cache_write_tokens) == ("bedrock", 497, 1536)
    assert total.cost_usd > 0


async def test_bedrock_throttling_is_retried(
    server: ReplayServer, usage: UsageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttled = Reply(
        "bedrock_throttled.json", status=429, headers={"x-amzn-ErrorType": "ThrottlingException"}
    )
    server.queue(throttled, Reply("bedrock_converse_text.json"))
    result = await bedrock_client(server, usage, monkeypatch).complete(REQUEST)
    assert result.text.startswith("CL-0010 has 7 idle seats")
    assert usage.recent()[0].attempts == 2
    assert usage.totals()[0].cache_read_tokens == 1536


async def test_bedrock_converse_stream_decodes_the_event_stream(
    server: ReplayServer, usage: UsageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.queue(Reply("bedrock_converse_stream.eventstream.jsonl"))
    events = [event async for event in bedrock_client(server, usage, monkeypatch).stream(REQUEST)]
    final = events[-1]
    assert isinstance(final, Completion)
    assert (
        "".join(e.text for e in events if isinstance(e, TextDelta))
        == final.text
        == "Two subscriptions have idle seats."
    )
    assert final.tool_calls == (
        ToolCall("tooluse_Ezd7pAqGSWWXbQ4kXyZbAA", "licence_reconciliation", {"issue": "unused"}),
    )
    assert server.seen[0].path.endswith("/converse-stream")
    assert (final.usage.input_tokens, final.usage.cache_read_tokens, final.stop_reason) == (
        310,
        1536,
        "tool_use",
    )
    assert usage.totals()[0].calls == 1


def test_the_configured_provider_is_built_from_settings() -> None:
    from hexad.config import load_settings
    from hexad.errors import ConfigError
    from hexad.intelligence.llm import LlmOptions, build_provider

    options = LlmOptions()
    assert build_provider(load_settings(), options).name == "offline"
    with pytest.raises(ConfigError, match="HEXAD_ANTHROPIC_API_KEY"):
        build_provider(load_settings(llm_provider="anthropic"), options)
    local = build_provider(
        load_settings(llm_provider="openai", openai_base_url="http://127.0.0.1:11434/v1"), options
    )
    assert (local.name, local.model) == ("openai", "gpt-4o-mini")
