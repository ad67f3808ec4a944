"""The MCP server with the SDK's own client: in process, over stdio, and over authenticated HTTP."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from hexad.auth.keys import api_keys, signing_secret
from hexad.auth.tokens import TokenIssuer
from hexad.cli.mcp_cmd import http_app
from hexad.config import Settings
from hexad.intelligence.ask import TOOLS, open_context
from hexad.intelligence.mcp_server import build_server
from hexad.runtime.clock import SystemClock
from tests.unit.intelligence.ask_home import ask_home

pytestmark = pytest.mark.slow  # the demo data set is generated, imported and analysed once (~25 s)

ARGUMENTS: dict[str, dict[str, Any]] = {
    "client_profitability": {"client_id": "CL-0001"},
    "contract_search": {"query": "notice renewal"},
    "semantic_search": {"query": "idle seats"},
    "assignment_plan": {"client_id": "CL-0001"},
    "ask": {"question": "which departments are over budget?"},
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return ask_home(tmp_path_factory.mktemp("mcp"))


def _payload(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content[0].text
    data: dict[str, Any] = json.loads(result.content[0].text)
    return data


async def test_every_tool_and_resource_in_process(settings: Settings) -> None:
    context = open_context(settings)
    async with Client(build_server(lambda: context)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == {*TOOLS, "ask", "explain_finding"}
        assert tools["spend_series"].input_schema["properties"]["months"]["maximum"] == 36
        for name in TOOLS:
            assert _payload(await client.call_tool(name, ARGUMENTS.get(name, {})))["tool"] == name
        answer = _payload(await client.call_tool("ask", ARGUMENTS["ask"]))
        assert answer["calls"][0]["tool"] == "budget_status" and answer["text"]
        finding = context.findings.list(limit=1)[0]
        narrative = _payload(await client.call_tool("explain_finding", {"finding_id": finding.id}))
        assert narrative["headline"] == finding.summary
        bad = await client.call_tool("spend_series", {"months": 99})
        assert bad.is_error and "months" in bad.content[0].text
        resources = [str(r.uri) for r in (await client.list_resources()).resources]
        assert resources == ["hexad://findings", "hexad://clients", "hexad://contracts"]
        templates = (await client.list_resource_templates()).resource_templates
        assert {t.uri_template for t in templates} == {"hexad://findings/{id}", "hexad://clients/{id}",
                                                       "hexad://contracts/{id}"}  # fmt: skip
        for uri in [
            *resources,
            f"hexad://findings/{finding.id}",
            "hexad://clients/CL-0001",
            "hexad://contracts/CT-0001",
        ]:
            read = await client.read_resource(uri)
            assert json.loads(read.contents[0].text), uri


async def test_stdio_serves_the_tools_to_a_launched_process(settings: Settings) -> None:
    environment = {"HEXAD_HOME": str(settings.home), "PATH": "/usr/bin:/bin"}
    parameters = StdioServerParameters(command=sys.executable, args=["-m", "hexad", "mcp"], env=environment)
    async with Client(parameters, read_timeout_seconds=120) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "licence_reconciliation" in names and "ask" in names
        result = _payload(await client.call_tool("budget_status", {}))
        assert result["columns"][0] == "department"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def http_url(settings: Settings) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(http_app(settings), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/mcp"
    server.should_exit = True
    thread.join(timeout=10)


def _client(url: str, http: httpx2.AsyncClient) -> Client:
    return Client(streamable_http_client(url, http_client=http))


async def test_http_refuses_requests_without_valid_credentials(http_url: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    async with httpx2.AsyncClient() as http:
        missing = await http.post(
            http_url, json=body, headers={"accept": "application/json, text/event-stream"}
        )
        forged = await http.post(http_url, json=body, headers={"authorization": "Bearer not-a-token"})
    assert missing.status_code == 401 and forged.status_code == 401
    assert "Authorization" in missing.json()["detail"]
    async with httpx2.AsyncClient(timeout=60) as http:
        with pytest.raises(Exception) as refused:  # the SDK raises an exception group
            async with _client(http_url, http) as client:
                await client.list_tools()
    assert "Server returned an error response" in repr(refused.value)


async def test_http_offers_what_the_token_roles_or_key_scopes_allow(
    settings: Settings, http_url: str
) -> None:
    token = TokenIssuer(signing_secret(settings), SystemClock()).issue("u-sales", ["sales"])
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http,
        _client(http_url, http) as client,
    ):
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "top_leads" in names and "budget_status" not in names  # sales lacks spend:read
        refused = await client.call_tool("budget_status", {})
        assert refused.is_error and "spend:read" in refused.content[0].text
        assert _payload(await client.call_tool("list_findings", {"limit": 2}))["tool"] == "list_findings"
    _, key = api_keys(settings, SystemClock()).create("assistant", ["licences:read"], owner="test")
    async with (
        httpx2.AsyncClient(headers={"X-API-Key": key}, timeout=60) as http,
        _client(http_url, http) as client,
    ):
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names == {"licence_reconciliation"}
        assert _payload(await client.call_tool("licence_reconciliation", {}))["rows"]
