"""Cross-cutting HTTP protections: security headers, request size limits, rate limits.

Pure ASGI middleware (not Starlette's BaseHTTPMiddleware) so streaming bodies and WebSockets pass
through untouched and the size limit is enforced while the body arrives, before it is buffered.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from hexad.api.problems import PROBLEM_BASE
from hexad.auth.ratelimit import RateLimiter

__all__ = ["BodySizeLimit", "RateLimit", "SecurityHeaders"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"connect-src 'self' ws: wss:; frame-ancestors 'none'",
    ),
]


async def _problem(
    send: Send, status: int, slug: str, title: str, detail: str, extra: dict[str, Any]
) -> None:
    body = json.dumps(
        {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Adds the headers every response should carry (no sniffing, no framing, a strict CSP)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    header for header in _HEADERS if header[0] not in present
                ]
            await send(message)

        await self._app(scope, receive, with_headers)


class _TooLargeError(Exception):
    pass


class BodySizeLimit:
    """Refuses request bodies over `max_bytes` with 413, whether or not Content-Length is declared."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app, self._max = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max:
            await _problem(send, 413, "too-large", "Request too large", self._detail(), {})
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self._max:
                raise _TooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, counting_receive, tracking_send)
        except _TooLargeError:
            if not started:
                await _problem(send, 413, "too-large", "Request too large", self._detail(), {})

    def _detail(self) -> str:
        return f"the request body is over the limit of {self._max:,} bytes"


class RateLimit:
    """Token buckets for the whole API and per caller (the bearer token, else the client address)."""

    def __init__(self, app: ASGIApp, whole: RateLimiter, per_caller: RateLimiter) -> None:
        self._app, self._whole, self._caller = app, whole, per_caller

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/api/"):
            await self._app(scope, receive, send)
            return
        wait = self._whole.take("api") or self._caller.take(self._caller_key(scope))
        if wait:
            retry = {"retry-after": str(max(1, math.ceil(wait)))}
            await _problem(send, 429, "rate-limited", "Too many requests", "slow down and retry later", retry)
            return
        await self._app(scope, receive, send)

    @staticmethod
    def _caller_key(scope: Scope) -> str:
        """One bucket per API key (by its id), per bearer token, else per client address."""
        headers: dict[bytes, bytes] = dict(scope.get("headers", []))
        authorization = headers.get(b"authorization", b"")
        api_key = headers.get(b"x-api-key", b"").strip() or authorization.partition(b" ")[2].strip()
        if api_key.startswith(b"hx_"):
            return "key:" + api_key[3:19].decode("latin-1")
        if authorization:
            return "auth:" + authorization.decode("latin-1")[-32:]
        client = scope.get("client") or ("unknown", 0)
        return f"addr:{client[0]!s}"
