"""Hexad over the Model Context Protocol: the agents' tools, `ask`, and read-only resources.

`build_server(contexts)` is an MCP low-level `Server` (the official SDK) whose tools are
`hexad.intelligence.ask.TOOLS` plus `ask` and `explain_finding`, and whose resources are the open
findings, the clients and the vendor contracts (`hexad://findings`, `hexad://findings/{id}`,
`hexad://clients`, `hexad://clients/{id}`, `hexad://contracts`, `hexad://contracts/{id}`).

Over stdio the caller is the local user who started `hexad mcp` (who can read the database anyway),
so every tool is offered. Over streamable HTTP (`http_app`) every request must carry the API's
credentials (`Authorization: Bearer <access token or API key>` or `X-API-Key`), checked by the API's
own `authenticate`; a request without a valid one is refused with 401 before it reaches MCP, and the
tools offered and callable are those the caller's roles or key scopes allow.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import mcp.types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from hexad import __version__
from hexad.errors import HexadError
from hexad.intelligence.ask import TOOLS, Supervisor, ToolContext, run_tool
from hexad.intelligence.llm import LlmClient
from hexad.intelligence.narratives import explain_finding

__all__ = ["PRINCIPAL_KEY", "McpAuth", "build_server", "serve_stdio"]

PRINCIPAL_KEY = "hexad.principal"
Contexts = Callable[[], ToolContext]
Allowed = Callable[[str], bool]

_ASK = types.Tool(
    name="ask",
    description="Ask Hexad a question about the MSP's business; the agents' tools answer it with citations.",
    input_schema={"type": "object", "properties": {"question": {"type": "string"}}, "required": ["question"]},
)
_EXPLAIN = types.Tool(
    name="explain_finding",
    description="What happened, why and what to do for one finding (checked against its evidence).",
    input_schema={
        "type": "object",
        "properties": {"finding_id": {"type": "string"}},
        "required": ["finding_id"],
    },
)
_RESOURCES = {
    "hexad://findings": ("findings", "Open findings of every agent, most severe first"),
    "hexad://clients": ("clients", "Clients with their trailing 12 months' revenue and margin"),
    "hexad://contracts": ("contracts", "Vendor contracts from the register"),
}
_TEMPLATES = {
    "hexad://findings/{id}": ("finding", "One finding with its evidence"),
    "hexad://clients/{id}": ("client", "One client's monthly profitability and findings"),
    "hexad://contracts/{id}": ("contract", "One vendor contract from the register"),
}


def _allowed(ctx: Any) -> Allowed:
    """What the request's caller may use: everything over stdio, the principal's permissions over HTTP."""
    request = getattr(ctx, "request", None)
    principal = None if request is None else request.scope.get(PRINCIPAL_KEY)
    if principal is None:
        return lambda permission: request is None
    may: Allowed = principal.may
    return may


def _text(data: Any) -> list[types.TextContent]:
    return [types.TextContent(type="text", text=json.dumps(data, default=str, indent=1))]


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


def build_server(contexts: Contexts, llm: LlmClient | None = None) -> Server[Any]:
    """An MCP server over the data `contexts()` gives (called per request, so it may cache)."""

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        allowed = _allowed(ctx)
        tools = [
            types.Tool(name=t.name, description=t.description, input_schema=t.parameters)
            for t in TOOLS.values()
            if allowed(t.permission)
        ]
        extra = [
            tool
            for tool, permission in ((_ASK, "ask:use"), (_EXPLAIN, "findings:read"))
            if allowed(permission)
        ]
        return types.ListToolsResult(tools=tools + extra)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        allowed, arguments = _allowed(ctx), dict(params.arguments or {})
        permission = {"ask": "ask:use", "explain_finding": "findings:read"}.get(params.name)
        tool = TOOLS.get(params.name)
        permission = permission or (tool.permission if tool else None)
        if permission is None:
            return _error(f"unknown tool {params.name!r}")
        if not allowed(permission):
            return _error(f"this needs the {permission!r} permission, which you lack")
        try:
            data = await _call(contexts(), params.name, arguments, allowed, llm)
        except HexadError as exc:
            return _error(str(exc))
        return types.CallToolResult(content=_text(data), structured_content=data)

    async def list_resources(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(
            resources=[
                types.Resource(name=name, uri=uri, description=text, mime_type="application/json")
                for uri, (name, text) in _RESOURCES.items()
            ]
        )

    async def list_templates(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    name=name, uri_template=uri, description=text, mime_type="application/json"
                )
                for uri, (name, text) in _TEMPLATES.items()
            ]
        )

    async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        data = await asyncio.to_thread(_resource, contexts(), uri, _allowed(ctx))
        text = json.dumps(data, default=str, indent=1)
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type="application/json", text=text)]
        )

    return Server(
        "hexad",
        version=__version__,
        instructions="Hexad: findings, tools and answers about an MSP's business.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )


async def _call(
    context: ToolContext, name: str, arguments: dict[str, Any], allowed: Allowed, llm: LlmClient | None
) -> dict[str, Any]:
    if name == "ask":
        answer = await Supervisor(context, llm=llm, allowed=allowed).ask(str(arguments.get("question", "")))
        return answer.as_dict()
    if name == "explain_finding":
        return (await explain_finding(context, str(arguments.get("finding_id", "")), llm)).as_dict()
    return (await asyncio.to_thread(run_tool, context, name, arguments)).as_dict()


_RESOURCE_TOOLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "hexad://findings": ("list_findings", "findings:read", {"limit": 100}),
    "hexad://clients": ("client_profitability", "clients:read", {}),
    "hexad://contracts": ("contract_renewals", "contracts:read", {"days": 730}),
}


def _resource(context: ToolContext, uri: str, allowed: Allowed) -> dict[str, Any]:
    """A resource's JSON; an unknown URI or a missing permission is an MCP error."""
    if uri in _RESOURCE_TOOLS:
        tool, permission, arguments = _RESOURCE_TOOLS[uri]
        _check(allowed, permission)
        return run_tool(context, tool, arguments).as_dict(max_rows=500)
    kind, _, ident = uri.removeprefix("hexad://").partition("/")
    if kind == "findings" and ident:
        _check(allowed, "findings:read")
        return context.findings.get(ident).as_dict()
    if kind == "clients" and ident:
        _check(allowed, "clients:read")
        return run_tool(context, "client_profitability", {"client_id": ident}).as_dict()
    if kind == "contracts" and ident:
        _check(allowed, "contracts:read")
        register = context.frames("vendor_contracts")
        rows = register[register["contract_id"] == ident]
        if rows.empty:
            raise ValueError(f"no contract {ident!r}")
        record: dict[str, Any] = json.loads(rows.iloc[0].to_json(date_format="iso"))
        return record
    raise ValueError(f"unknown resource {uri!r}: expected one of {', '.join([*_RESOURCES, *_TEMPLATES])}")


def _check(allowed: Allowed, permission: str) -> None:
    if not allowed(permission):
        raise PermissionError(f"this needs the {permission!r} permission, which you lack")


async def serve_stdio(server: Server[Any]) -> None:
    """Serve one client over this process's stdin and stdout until it disconnects."""
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


class McpAuth:
    """ASGI middleware: a request without valid API credentials gets 401; a valid one carries its principal.

    `authenticate(request)` is the API's own (`hexad.api.security.authenticate`), given a request whose
    `app.state` holds the token issuer and API keys, so MCP accepts exactly what the REST API accepts.
    """

    def __init__(self, app: ASGIApp, authenticate: Callable[[Request], Any], state_app: Any) -> None:
        self._app, self._authenticate, self._state_app = app, authenticate, state_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        request = Request({**scope, "app": self._state_app})
        try:
            principal = self._authenticate(request)
        except HexadError as exc:
            response = JSONResponse(
                {"title": "authentication required", "detail": str(exc)},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        scope[PRINCIPAL_KEY] = principal
        await self._app(scope, receive, send)
