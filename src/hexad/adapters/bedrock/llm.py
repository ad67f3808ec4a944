"""The `bedrock` provider: Amazon Bedrock's Converse API through boto3 `bedrock-runtime`.

Converse speaks one request shape for every model on Bedrock (Claude, Nova, Llama, ...). The system
prompt and tool list end with a `cachePoint`, Bedrock's prompt caching, for models that support it.
boto3 is synchronous, so calls run in a worker thread; its own retries are off (`LlmClient` retries).
Streaming uses `converse_stream` (an AWS event stream).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

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

__all__ = ["BedrockProvider"]

_CACHE_POINT = {"cachePoint": {"type": "default"}}
_TRANSIENT = {
    "ThrottlingException",
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
}


class BedrockProvider:
    """Any Bedrock model through Converse (`endpoint_url` points boto3 at a test server)."""

    name = "bedrock"

    def __init__(
        self, *, model: str, region: str, endpoint_url: str | None = None, timeout: float = 60.0,
        cache: bool = True, client: Any = None,
    ) -> None:  # fmt: skip
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        self.model = model
        self._cache = cache
        self._client = client or boto3.client(
            "bedrock-runtime", region_name=region, endpoint_url=endpoint_url,
            config=Config(
                read_timeout=timeout, connect_timeout=min(timeout, 10.0), retries={"total_max_attempts": 1}
            ),
        )  # fmt: skip

    def _params(self, request: LlmRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "modelId": self.model,
            "messages": _messages(request.messages),
            "inferenceConfig": {"maxTokens": request.max_tokens, "temperature": request.temperature},
        }
        if request.system:
            params["system"] = [{"text": request.system}] + ([_CACHE_POINT] if self._cache else [])
        if request.tools:
            tools: list[dict[str, Any]] = [
                {
                    "toolSpec": {
                        "name": t.name,
                        "description": t.description,
                        "inputSchema": {"json": t.parameters},
                    }
                }
                for t in request.tools
            ]
            params["toolConfig"] = {"tools": tools + ([_CACHE_POINT] if self._cache else [])}
        return params

    async def complete(self, request: LlmRequest) -> Completion:
        response = await asyncio.to_thread(self._call, "converse", self._params(request))
        content = response["output"]["message"]["content"]
        text = "".join(block.get("text", "") for block in content)
        calls = tuple(
            ToolCall(b["toolUse"]["toolUseId"], b["toolUse"]["name"], dict(b["toolUse"].get("input") or {}))
            for b in content
            if "toolUse" in b
        )
        return Completion(
            text, calls, str(response.get("stopReason") or "end"), _usage(response.get("usage")), self.model
        )

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamEvent]:
        response = await asyncio.to_thread(self._call, "converse_stream", self._params(request))
        events = iter(response["stream"])
        text: list[str] = []
        tools: dict[int, dict[str, str]] = {}
        usage, stop = Usage(), "end"
        while (event := await asyncio.to_thread(next, events, None)) is not None:
            if "contentBlockStart" in event and "toolUse" in event["contentBlockStart"].get("start", {}):
                use = event["contentBlockStart"]["start"]["toolUse"]
                tools[event["contentBlockStart"]["contentBlockIndex"]] = {
                    "id": use["toolUseId"],
                    "name": use["name"],
                    "input": "",
                }
            elif "contentBlockDelta" in event:
                delta = event["contentBlockDelta"]["delta"]
                if "text" in delta:
                    text.append(delta["text"])
                    yield TextDelta(delta["text"])
                elif "toolUse" in delta:
                    tools[event["contentBlockDelta"]["contentBlockIndex"]]["input"] += delta["toolUse"].get(
                        "input", ""
                    )
            elif "messageStop" in event:
                stop = event["messageStop"].get("stopReason", stop)
            elif "metadata" in event:
                usage = _usage(event["metadata"].get("usage"))
        calls = tuple(
            ToolCall(t["id"], t["name"], json.loads(t["input"] or "{}")) for _, t in sorted(tools.items())
        )
        yield Completion("".join(text), calls, stop, usage, self.model)

    def _call(self, operation: str, params: dict[str, Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

        try:
            return getattr(self._client, operation)(**params)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            message = f"bedrock: {operation} failed with {code or 'an error'} (HTTP {status})"
            if code in _TRANSIENT or status == 429 or status >= 500:
                raise TransientLlmError(message) from None
            raise LlmError(message) from None
        except BotoCoreError as exc:
            raise TransientLlmError(f"bedrock: {operation} failed ({exc.__class__.__name__})") from None


def _messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """Hexad turns as Converse turns: tool results are `toolResult` blocks in a user turn."""
    result: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            block = {
                "toolResult": {"toolUseId": message.tool_call_id, "content": [{"text": message.content}]}
            }
            if result and result[-1]["role"] == "user" and "toolResult" in result[-1]["content"][0]:
                result[-1]["content"].append(block)
            else:
                result.append({"role": "user", "content": [block]})
            continue
        blocks: list[dict[str, Any]] = [{"text": message.content}] if message.content else []
        blocks += [
            {"toolUse": {"toolUseId": c.id, "name": c.name, "input": c.arguments}} for c in message.tool_calls
        ]
        result.append({"role": message.role, "content": blocks})
    return result


def _usage(data: dict[str, Any] | None) -> Usage:
    data = data or {}
    return Usage(
        input_tokens=int(data.get("inputTokens") or 0),
        output_tokens=int(data.get("outputTokens") or 0),
        cache_read_tokens=int(data.get("cacheReadInputTokens") or 0),
        cache_write_tokens=int(data.get("cacheWriteInputTokens") or 0),
    )
