"""The provider-neutral shapes of a language-model exchange: messages, tools, tool calls, usage.

Every provider translates these to and from its own API, so the narrative writer, the ask supervisor
and the MCP server never see a vendor's request format.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from hexad.errors import HexadError

__all__ = [
    "Completion",
    "LlmError",
    "LlmRequest",
    "Message",
    "Provider",
    "Role",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolSpec",
    "TransientLlmError",
    "Usage",
]

Role = Literal["user", "assistant", "tool"]


class LlmError(HexadError):
    """A language-model call failed for good (bad request, refused credentials, exhausted retries)."""


class TransientLlmError(LlmError):
    """A failure worth retrying: a timeout, a rate limit, an overloaded or failing server."""


@dataclass(frozen=True)
class ToolCall:
    """The model asks for tool `name` with JSON `arguments`; `id` pairs the call with its result."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One turn. A `tool` message carries a tool's result for `tool_call_id`."""

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: a name, what it does, and a JSON Schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class LlmRequest:
    """What to send: the system prompt (cached where the provider caches), the turns and the tools."""

    messages: tuple[Message, ...]
    system: str = ""
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int = 1024
    temperature: float = 0.0
    purpose: str = "ask"


@dataclass(frozen=True)
class Usage:
    """Tokens one call used, as the provider reported them."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class Completion:
    """The model's answer: text and/or tool calls, why it stopped, and the tokens it used."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    stop_reason: str = "end"
    usage: Usage = field(default_factory=Usage)
    model: str = ""


@dataclass(frozen=True)
class TextDelta:
    """A piece of streamed text."""

    text: str


StreamEvent = TextDelta | Completion  # a stream yields deltas, then exactly one Completion


class Provider(Protocol):
    """One backend (offline, Anthropic, Bedrock, OpenAI-compatible); `LlmClient` adds the policy."""

    name: str
    model: str

    async def complete(self, request: LlmRequest) -> Completion:
        """One answer to the request."""
        ...

    def stream(self, request: LlmRequest) -> AsyncIterator[StreamEvent]:
        """The answer as text deltas, ending with the whole `Completion`."""
        ...
