"""The `anthropic` provider: the Messages API through the official SDK, with prompt caching.

The system prompt and the tool list (the parts that repeat between calls) carry `cache_control`
breakpoints, so a conversation's later turns read them from Anthropic's cache at a tenth of the price.
The SDK's own retries are off: `LlmClient` retries, so attempts are counted and recorded once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic

from hexad.intelligence.llm.types import (
    Completion,
    LlmError,
    LlmRequest,
    Message,
    StreamEvent,
    TextDelta,
    ToolCall,
    TransientLlmError,
    Usage,
)

__all__ = ["AnthropicProvider"]

_EPHEMERAL = {"type": "ephemeral"}


class AnthropicProvider:
    """Claude models over the Messages API (`base_url` points the SDK at a proxy or a test server)."""

    name = "anthropic"

    def __init__(
        self, *, api_key: str, model: str, base_url: str | None = None, timeout: float = 60.0
    ) -> None:
        self.model = model
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )

    def _params(self, request: LlmRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "messages": _messages(request.messages),
        }
        if request.system:
            params["system"] = [{"type": "text", "text": request.system, "cache_control": _EPHEMERAL}]
        if request.tools:
            tools = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in request.tools
            ]
            tools[-1]["cache_control"] = _EPHEMERAL
            params["tools"] = tools
        return params

    async def complete(self, request: LlmRequest) -> Completion:
        try:
            response = await self._client.messages.create(**self._params(request))
        except anthropic.APIError as exc:
            raise _error(exc) from None
        return _completion(response.model_dump())

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamEvent]:
        state = _StreamState()
        try:
            events = await self._client.messages.create(**self._params(request), stream=True)
            async for event in events:
                delta = state.feed(event.model_dump())
                if delta:
                    yield TextDelta(delta)
        except anthropic.APIError as exc:
            raise _error(exc) from None
        yield state.completion()


def _messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """Hexad turns as Anthropic turns: tool results become `tool_result` blocks in a user turn."""
    result: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            block = {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.content}
            if result and result[-1]["role"] == "user" and isinstance(result[-1]["content"], list):
                result[-1]["content"].append(block)
            else:
                result.append({"role": "user", "content": [block]})
        elif message.role == "assistant" and message.tool_calls:
            blocks: list[dict[str, Any]] = (
                [{"type": "text", "text": message.content}] if message.content else []
            )
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                for c in message.tool_calls
            ]
            result.append({"role": "assistant", "content": blocks})
        else:
            result.append({"role": message.role, "content": message.content})
    return result


def _usage(data: dict[str, Any]) -> Usage:
    return Usage(
        input_tokens=int(data.get("input_tokens") or 0),
        output_tokens=int(data.get("output_tokens") or 0),
        cache_read_tokens=int(data.get("cache_read_input_tokens") or 0),
        cache_write_tokens=int(data.get("cache_creation_input_tokens") or 0),
    )


def _completion(data: dict[str, Any]) -> Completion:
    text = "".join(block.get("text", "") for block in data["content"] if block["type"] == "text")
    calls = tuple(
        ToolCall(block["id"], block["name"], dict(block.get("input") or {}))
        for block in data["content"]
        if block["type"] == "tool_use"
    )
    return Completion(
        text,
        calls,
        str(data.get("stop_reason") or "end"),
        _usage(data.get("usage") or {}),
        str(data["model"]),
    )


class _StreamState:
    """Accumulates a raw event stream into text deltas and the final `Completion`."""

    def __init__(self) -> None:
        self.blocks: dict[int, dict[str, Any]] = {}
        self.usage: dict[str, Any] = {}
        self.model = ""
        self.stop_reason = "end"

    def feed(self, event: dict[str, Any]) -> str:
        kind = event["type"]
        if kind == "message_start":
            self.model = event["message"]["model"]
            self.usage = dict(event["message"].get("usage") or {})
        elif kind == "content_block_start":
            self.blocks[event["index"]] = dict(event["content_block"]) | {"partial": ""}
        elif kind == "content_block_delta":
            return self._delta(self.blocks[event["index"]], event["delta"])
        elif kind == "message_delta":
            self.stop_reason = event["delta"].get("stop_reason") or self.stop_reason
            self.usage |= {k: v for k, v in (event.get("usage") or {}).items() if v is not None}
        return ""

    @staticmethod
    def _delta(block: dict[str, Any], delta: dict[str, Any]) -> str:
        if delta["type"] == "text_delta":
            block["text"] = block.get("text", "") + delta["text"]
            return str(delta["text"])
        if delta["type"] == "input_json_delta":
            block["partial"] += delta["partial_json"]
        return ""

    def completion(self) -> Completion:
        content = []
        for _, block in sorted(self.blocks.items()):
            if block["type"] == "tool_use" and block["partial"]:
                block["input"] = json.loads(block["partial"])
            content.append(block)
        return _completion(
            {"content": content, "model": self.model, "stop_reason": self.stop_reason, "usage": self.usage}
        )


def _error(exc: anthropic.APIError) -> LlmError:
    """Transient for timeouts, connection failures, 408/409/429 and 5xx; permanent otherwise."""
    status = getattr(exc, "status_code", None)
    message = f"anthropic: {exc.__class__.__name__}" + (f" (HTTP {status})" if status else "")
    if isinstance(exc, anthropic.APIConnectionError) or status in (408, 409, 429) or (status or 0) >= 500:
        return TransientLlmError(message)
    return LlmError(message)
