"""`hexad mcp`: serve the agents' tools, `ask` and read-only resources over the Model Context Protocol.

`hexad mcp` speaks MCP on stdin/stdout (what a desktop assistant launches); `hexad mcp --http` serves
streamable HTTP at `http://HOST:PORT/mcp`, where every request needs the API's credentials (a bearer
access token or an API key).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import typer

from hexad.config import Settings, get_settings
from hexad.domain.database import engine_for
from hexad.intelligence.ask import ToolContext, open_context
from hexad.intelligence.llm import open_llm
from hexad.intelligence.mcp_server import McpAuth, build_server, serve_stdio

__all__ = ["http_app", "mcp"]

app = typer.Typer(
    help="Serve Hexad to AI assistants over the Model Context Protocol.", invoke_without_command=True
)
_CONTEXT_SECONDS = 60.0


def _contexts(settings: Settings) -> Any:
    """A data context reused for a minute, so consecutive calls share frames and analyses."""
    held: dict[str, Any] = {}

    def get() -> ToolContext:
        if "context" not in held or time.monotonic() - held["at"] > _CONTEXT_SECONDS:
            held["context"], held["at"] = open_context(settings), time.monotonic()
        context: ToolContext = held["context"]
        return context

    return get


def http_app(settings: Settings, host: str = "127.0.0.1") -> Any:
    """The streamable-HTTP MCP app behind the API's authentication (`McpAuth`).

    On a loopback `host` the SDK also refuses foreign Host and Origin headers (DNS rebinding).
    """
    from hexad.api.security import authenticate
    from hexad.auth.keys import api_keys, signing_secret
    from hexad.auth.tokens import TokenIssuer
    from hexad.runtime.clock import SystemClock

    clock = SystemClock()
    server = build_server(_contexts(settings), open_llm(settings, engine=engine_for(settings)))
    starlette = server.streamable_http_app(
        streamable_http_path="/mcp", stateless_http=True, json_response=True, host=host
    )
    state = SimpleNamespace(
        tokens=TokenIssuer(signing_secret(settings), clock), api_keys=api_keys(settings, clock)
    )
    wrapped = McpAuth(starlette, authenticate, SimpleNamespace(state=state))

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        async with server.session_manager.run():
            yield

    return _with_lifespan(wrapped, lifespan)


def mcp(
    http: bool = typer.Option(False, "--http", help="serve streamable HTTP instead of stdio"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind with --http"),
    port: int = typer.Option(8765, "--port", help="port to bind with --http"),
) -> None:
    """Serve MCP: stdio by default (the local user's data), or authenticated streamable HTTP."""
    settings = get_settings()
    if not http:
        server = build_server(_contexts(settings), open_llm(settings, engine=engine_for(settings)))
        asyncio.run(serve_stdio(server))
        return
    import uvicorn

    config = uvicorn.Config(http_app(settings, host), host=host, port=port, log_level="warning")
    typer.echo(
        f"MCP over streamable HTTP at http://{host}:{port}/mcp (bearer token or API key required)", err=True
    )
    uvicorn.Server(config).run()


def _with_lifespan(app_: Any, lifespan: Any) -> Any:
    """An ASGI app that runs `lifespan` (the MCP session manager) around `app_`."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            async with lifespan():
                await receive()
                await send({"type": "lifespan.startup.complete"})
                await receive()
                await send({"type": "lifespan.shutdown.complete"})
            return
        await app_(scope, receive, send)

    return asgi
