"""Every write through the API goes into the tamper-evident audit log: who, what, when, from where.

A write is any request under /api/ other than GET, HEAD and OPTIONS, whatever its outcome (a
refused attempt is worth knowing about too). The actor is the bearer token's subject when the token
is valid; sign-in attempts record the email tried. Request bodies are never logged (they can hold
passwords); only the method, path and status are.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import anyio

from hexad.api.middleware import ASGIApp, Message, Receive, Scope, Send
from hexad.auth.tokens import TokenIssuer
from hexad.errors import AuthenticationError
from hexad.observability.audit import AuditEntry

__all__ = ["AuditWrites"]

_READS = {"GET", "HEAD", "OPTIONS"}
_LOGIN = "/api/v1/auth/login"


class AuditWrites:
    """ASGI middleware appending one audit entry per API write after it is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or scope.get("method") in _READS or not path.startswith("/api/"):
            await self._app(scope, receive, send)
            return
        status = 500
        email: list[str] = []

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        async def watching_receive() -> Message:
            message = await receive()
            if path == _LOGIN and message.get("type") == "http.request":
                email.append(_email_in(message.get("body", b"")))
            return message

        try:
            await self._app(scope, watching_receive, watching_send)
        finally:
            await self._record(scope, status, email[0] if email else None)

    async def _record(self, scope: Scope, status: int, email: str | None) -> None:
        app = scope["app"]
        actor = email or _subject(scope, app.state.tokens)
        client = scope.get("client") or ("unknown", 0)
        entry = AuditEntry(
            sequence=0,
            at=datetime.fromtimestamp(app.state.clock.time(), UTC).isoformat(),
            actor=actor,
            action=f"{scope['method']} {scope['path']}",
            target=str(scope["path"]),
            source=str(client[0]),
            detail={"status": status},
        )
        await anyio.to_thread.run_sync(app.state.audit.append, entry)


def _subject(scope: Scope, tokens: TokenIssuer) -> str:
    headers: dict[bytes, bytes] = dict(scope.get("headers", []))
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() != "bearer":
        return "anonymous"
    try:
        return tokens.verify(token.strip()).subject
    except AuthenticationError:
        return "invalid-token"


def _email_in(body: Any) -> str:
    try:
        value = json.loads(body or b"{}").get("email")
    except (ValueError, AttributeError):
        return "unreadable-request"
    return str(value)[:255] if value else "no-email"
