"""`LlmClient`: one provider plus a timeout per attempt, retries with backoff, and usage accounting.

Providers only translate requests; the policy lives here once (STYLE: template methods keep
backends thin). A transient failure (timeout, rate limit, 5xx) is retried with exponential backoff and
jitter; anything else fails at once. Every call, failed or not, is recorded with its tokens and cost
(`UsageStore`). Logs name the provider, model, purpose, tokens and outcome; never the prompt, the
answer or a credential.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from hexad.intelligence.llm.pricing import cost_of
from hexad.intelligence.llm.types import (
    Completion,
    LlmError,
    LlmRequest,
    Provider,
    StreamEvent,
    TransientLlmError,
    Usage,
)
from hexad.intelligence.llm.usage import CallRecord, UsageStore

__all__ = ["LlmClient", "RetryPolicy", "redact"]

_log = logging.getLogger("hexad.llm")
T = TypeVar("T")
_SECRETS = re.compile(
    r"(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+|AKIA[0-9A-Z]{12,}|x-api-key:\s*\S+)", re.IGNORECASE
)


def redact(text: str) -> str:
    """`text` with anything shaped like an API key or bearer token replaced by `***`."""
    return _SECRETS.sub("***", text)


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and backoff: delay = min(max_delay, base * 2**attempt) with +-jitter."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.2
    timeout_seconds: float = 60.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        raw = min(self.max_delay, self.base_delay * 2**attempt)
        return float(max(0.0, raw * (1 + random.uniform(-self.jitter, self.jitter))))


class LlmClient:
    """What the rest of Hexad calls: `complete` and `stream` with the policy applied."""

    def __init__(
        self, provider: Provider, *, usage: UsageStore | None = None, policy: RetryPolicy | None = None
    ) -> None:
        self.provider = provider
        self._usage = usage
        self._policy = policy or RetryPolicy()

    @property
    def offline(self) -> bool:
        """True when no language model is configured (Hexad's deterministic paths apply)."""
        return self.provider.name == "offline"

    async def complete(self, request: LlmRequest) -> Completion:
        """The provider's answer, retried on transient failures, recorded in the usage store."""
        started = time.perf_counter()
        attempts = 0

        async def once() -> Completion:
            nonlocal attempts
            attempts += 1
            return await self.provider.complete(request)

        try:
            result = await self._retrying(once)
        except LlmError as exc:
            self._record(request, Usage(), started, attempts, error=exc)
            raise
        self._record(request, result.usage, started, attempts, model=result.model)
        return result

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamEvent]:
        """Text deltas, then the `Completion`; only a stream that showed nothing yet is retried."""
        started = time.perf_counter()
        attempts = 0
        while True:
            attempts += 1
            emitted = False
            try:
                async for event in self._timed_stream(request):
                    emitted = True
                    if isinstance(event, Completion):
                        self._record(request, event.usage, started, attempts, model=event.model)
                    yield event
                return
            except TransientLlmError as exc:
                if emitted or attempts >= self._policy.attempts:
                    self._record(request, Usage(), started, attempts, error=exc)
                    raise
                await asyncio.sleep(self._policy.delay(attempts - 1))
            except LlmError as exc:
                self._record(request, Usage(), started, attempts, error=exc)
                raise

    async def _timed_stream(self, request: LlmRequest) -> AsyncIterator[StreamEvent]:
        iterator = self.provider.stream(request).__aiter__()
        while True:
            try:
                event = await asyncio.wait_for(iterator.__anext__(), self._policy.timeout_seconds)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise TransientLlmError(
                    f"{self.provider.name}: no streamed data within {self._policy.timeout_seconds:g} s"
                ) from None
            yield event

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        policy = self._policy
        for attempt in range(policy.attempts):
            try:
                return await asyncio.wait_for(call(), policy.timeout_seconds)
            except (TransientLlmError, TimeoutError) as exc:
                if attempt + 1 >= policy.attempts:
                    if isinstance(exc, TimeoutError):
                        raise TransientLlmError(
                            f"{self.provider.name}: no answer within {policy.timeout_seconds:g} s "
                            f"after {policy.attempts} attempts"
                        ) from None
                    raise
                _log.warning(
                    "llm call failed, retrying",
                    extra={"provider": self.provider.name, "attempt": attempt + 1},
                )
                await asyncio.sleep(policy.delay(attempt))
        raise LlmError(f"{self.provider.name}: expected at least one attempt")  # attempts < 1

    def _record(
        self, request: LlmRequest, usage: Usage, started: float, attempts: int,
        *, model: str = "", error: LlmError | None = None,
    ) -> None:  # fmt: skip
        model = model or self.provider.model
        latency = round(1000 * (time.perf_counter() - started), 1)
        cost = cost_of(model, usage)
        status = "ok" if error is None else "error"
        _log.info(
            "llm call",
            extra={
                "provider": self.provider.name, "model": model, "purpose": request.purpose, "status": status,
                "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
                "cache_read_tokens": usage.cache_read_tokens, "cost_usd": cost, "latency_ms": latency,
            },
        )  # fmt: skip
        if self._usage is None or self.offline:
            return
        self._usage.record(
            CallRecord(
                provider=self.provider.name, model=model, purpose=request.purpose, status=status,
                input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                cache_read_tokens=usage.cache_read_tokens, cache_write_tokens=usage.cache_write_tokens,
                cost_usd=cost, latency_ms=latency, attempts=attempts,
                error=None if error is None else redact(str(error))[:500],
            )
        )  # fmt: skip
