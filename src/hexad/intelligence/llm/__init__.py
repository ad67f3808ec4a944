"""Language models behind one small interface: `LlmClient.complete` / `stream` over a `Provider`.

`open_llm(settings)` builds the configured client: `offline` (the default; no network), `anthropic`,
`bedrock` or `openai` (any OpenAI-compatible server), with the policy from `LlmOptions`
(`HEXAD_LLM_TIMEOUT_SECONDS`, `HEXAD_LLM_ATTEMPTS`, `HEXAD_LLM_ANTHROPIC_BASE_URL`,
`HEXAD_LLM_BEDROCK_ENDPOINT_URL`) and every call's tokens and cost recorded in `llm_calls`.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import Engine

from hexad.config import Settings
from hexad.errors import ConfigError
from hexad.intelligence.llm.client import LlmClient, RetryPolicy, redact
from hexad.intelligence.llm.offline import OfflineProvider
from hexad.intelligence.llm.types import (
    Completion,
    LlmError,
    LlmRequest,
    Message,
    Provider,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolSpec,
    TransientLlmError,
    Usage,
)
from hexad.intelligence.llm.usage import CallRecord, UsageStore, UsageTotal

__all__ = [
    "CallRecord",
    "Completion",
    "LlmClient",
    "LlmError",
    "LlmOptions",
    "LlmRequest",
    "Message",
    "OfflineProvider",
    "Provider",
    "RetryPolicy",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolSpec",
    "TransientLlmError",
    "Usage",
    "UsageStore",
    "UsageTotal",
    "build_provider",
    "open_llm",
    "redact",
]

DEFAULT_MODELS = {
    "anthropic": "claude-sonnet-4-5",
    "bedrock": "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "openai": "gpt-4o-mini",
}


class LlmOptions(BaseSettings):
    """The call policy and the endpoints `Settings` does not hold (environment `HEXAD_LLM_*`)."""

    model_config = SettingsConfigDict(env_prefix="HEXAD_LLM_", env_file=".env", extra="ignore")

    timeout_seconds: float = Field(60.0, gt=0, description="per attempt")
    attempts: int = Field(3, ge=1, le=10, description="attempts per call, transient failures only")
    backoff_seconds: float = Field(0.5, ge=0, description="first retry delay; doubles per attempt")
    anthropic_base_url: str | None = None
    bedrock_endpoint_url: str | None = None


def build_provider(settings: Settings, options: LlmOptions) -> Provider:
    """The provider `settings.llm_provider` names, or a `ConfigError` saying what is missing."""
    name = settings.llm_provider
    if name == "offline":
        return OfflineProvider()
    model: str = settings.llm_model or DEFAULT_MODELS[name]
    if name == "anthropic":
        from hexad.intelligence.llm.anthropic_provider import AnthropicProvider

        if settings.anthropic_api_key is None:
            raise ConfigError("HEXAD_ANTHROPIC_API_KEY: expected a key for HEXAD_LLM_PROVIDER=anthropic")
        key = settings.anthropic_api_key.get_secret_value()
        return AnthropicProvider(
            api_key=key, model=model, base_url=options.anthropic_base_url, timeout=options.timeout_seconds
        )
    if name == "openai":
        from hexad.intelligence.llm.openai_provider import OpenAIProvider

        openai_key = None if settings.openai_api_key is None else settings.openai_api_key.get_secret_value()
        if openai_key is None and settings.openai_base_url is None:
            raise ConfigError(
                "HEXAD_OPENAI_API_KEY: expected a key (or HEXAD_OPENAI_BASE_URL for a local server)"
            )
        return OpenAIProvider(
            api_key=openai_key,
            model=model,
            base_url=settings.openai_base_url,
            timeout=options.timeout_seconds,
        )
    from hexad.adapters.bedrock.llm import BedrockProvider

    return BedrockProvider(
        model=model,
        region=settings.aws_region,
        endpoint_url=options.bedrock_endpoint_url,
        timeout=options.timeout_seconds,
    )


def open_llm(
    settings: Settings, *, engine: Engine | None = None, options: LlmOptions | None = None
) -> LlmClient:
    """The configured client; calls are recorded in `engine`'s `llm_calls` when an engine is given."""
    options = options or LlmOptions()
    policy = RetryPolicy(
        attempts=options.attempts, base_delay=options.backoff_seconds, timeout_seconds=options.timeout_seconds
    )
    usage = UsageStore(engine) if engine is not None else None
    return LlmClient(build_provider(settings, options), usage=usage, policy=policy)
