"""The `openai` provider: Chat Completions through the official SDK, any OpenAI-compatible server.

`base_url` selects the server: OpenAI itself, or a local vLLM, llama.cpp server or Ollama
(`http://127.0.0.1:11434/v1`), which need no real key. OpenAI caches long prompt prefixes by itself;
the cached part is reported as `cache_read_tokens` (and not counted again as input).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import openai

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

__all__ = ["OpenAIProvider"]


class OpenAIProvider:
    """Chat Completions with tool calling."""

    name = "openai"

    def __init__(
        self, *, api_key: str | None, model: str, base_url: str | None = None, timeout: float = 60.0
    ) -> None:
        self.model = model
        self._client = openai.AsyncOpenAI(
            api_key=api_key or "not-needed-by-local-servers",
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
        )

    def _params(self, request: LlmRequest) -> dict[str, Any]:
        messages = [{"role": "system", "content": request.system}] if request.system else []
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "messages": messages + [_message(m) for m in request.messages],
        }
        if request.tools:
            params["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }
                for t in request.tools
            ]
        return params

    async def complete(self, request: LlmRequest) -> Completion:
        try:
            response = await self._client.chat.completions.create(**self._params(request))
        except openai.APIError as exc:
            raise _error(exc) from None
        data = response.model_dump()
        choice = data["choices"][0]
        message = choice["message"]
        calls = tuple(
            _call(c["id"], c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls") or []
        )
        return Completion(
            message.get("content") or "",
            calls,
            str(choice.get("finish_reason") or "end"),
            _usage(data.get("usage")),
            str(data["model"]),
        )

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamEvent]:
        text: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        usage, model, stop = Usage(), self.model, "end"
        try:
            chunks = await self._client.chat.completions.create(
                **self._params(request), stream=True, stream_options={"include_usage": True}
            )
            async for chunk in chunks:
                data = chunk.model_dump()
                model = data.get("model") or model
                usage = _usage(data.get("usage")) if data.get("usage") else usage
                for choice in data.get("choices") or []:
                    stop = choice.get("finish_reason") or stop
                    delta = choice.get("delta") or {}
                    for part in delta.get("tool_calls") or []:
                        _merge(calls, part)
                    if delta.get("content"):
                        text.append(delta["content"])
                        yield TextDelta(delta["content"])
        except openai.APIError as exc:
            raise _error(exc) from None
        tool_calls = tuple(_call(c["id"], c["name"], c["arguments"]) for _, c in sorted(calls.items()))
        yield Completion("".join(text), tool_calls, str(stop), usage, str(model))


def _message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                }
                for c in message.tool_calls
            ],
        }
    return {"role": message.role, "content": message.content}


def _merge(calls: dict[int, dict[str, str]], part: dict[str, Any]) -> None:
    """Streamed tool calls arrive in pieces keyed by index: the id and name once, arguments in parts."""
    call = calls.setdefault(int(part.get("index") or 0), {"id": "", "name": "", "arguments": ""})
    function = part.get("function") or {}
    call["id"] = part.get("id") or call["id"]
    call["name"] = function.get("name") or call["name"]
    call["arguments"] += function.get("arguments") or ""


def _call(call_id: str, name: str, arguments: str) -> ToolCall:
    try:
        parsed = json.loads(arguments or "{}")
    except json.JSONDecodeError as exc:
        raise LlmError(f"openai: tool call {name!r} has arguments that are not JSON ({exc.msg})") from None
    return ToolCall(call_id, name, parsed if isinstance(parsed, dict) else {})


def _usage(data: dict[str, Any] | None) -> Usage:
    data = data or {}
    cached = int(((data.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0)
    return Usage(
        input_tokens=int(data.get("prompt_tokens") or 0) - cached,
        output_tokens=int(data.get("completion_tokens") or 0),
        cache_read_tokens=cached,
    )


def _error(exc: openai.APIError) -> LlmError:
    status = getattr(exc, "status_code", None)
    message = f"openai: {exc.__class__.__name__}" + (f" (HTTP {status})" if status else "")
    if isinstance(exc, openai.APIConnectionError) or status in (408, 409, 429) or (status or 0) >= 500:
        return TransientLlmError(message)
    return LlmError(message)
