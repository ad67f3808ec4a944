"""Hexad Task resources: activities, agent actions, HTTP, putEvents and queue sends."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from hexad.runtime.workflows.failures import StateFailure
from hexad.runtime.workflows.host import TaskCall
from hexad.runtime.workflows.resources import ResourceTable


def call(resource: str) -> TaskCall:
    return TaskCall(resource, "State", "machine:run")


async def test_activities_sync_and_async() -> None:
    async def slow_double(payload: Any) -> Any:
        return payload * 2

    table = ResourceTable(activities={"double": lambda p: p * 2})
    table.register_activity("slow_double", slow_double)
    assert await table.invoke(call("double"), 4) == 8
    assert await table.invoke(call("slow_double"), 4) == 8


async def test_agent_actions_resolve_through_the_injected_mapping() -> None:
    table = ResourceTable(agents={"vcm:extract_contract": lambda p: {"vendor": p["text"][:4]}})
    assert await table.invoke(call("hexad:agent:vcm:extract_contract"), {"text": "Acme Ltd"}) == {
        "vendor": "Acme"
    }
    with pytest.raises(StateFailure, match="no agent action 'cpi:vote'"):
        await table.invoke(call("hexad:agent:cpi:vote"), {})


async def test_put_events_passes_the_entries() -> None:
    seen: list[list[dict[str, Any]]] = []
    table = ResourceTable(put_events=seen.append)
    entries = [{"Source": "hexad.workflow", "DetailType": "contract.renewal.due", "Detail": {"id": 1}}]
    result = await table.invoke(call("hexad:events:putEvents"), {"Entries": entries})
    assert seen == [entries]
    assert result == {"Entries": [{}], "FailedEntryCount": 0}
    with pytest.raises(StateFailure, match="Entries"):
        await table.invoke(call("hexad:events:putEvents"), {"Detail": {}})
    with pytest.raises(StateFailure, match="no event bus"):
        await ResourceTable().invoke(call("hexad:events:putEvents"), {"Entries": entries})


async def test_queue_send_serialises_object_bodies() -> None:
    sent: list[tuple[str, str]] = []

    async def send(queue: str, body: str) -> dict[str, str]:
        sent.append((queue, body))
        return {"MessageId": "m-1"}

    table = ResourceTable(send_message=send)
    result = await table.invoke(
        call("hexad:queue:send"), {"QueueUrl": "approvals", "MessageBody": {"token": "t"}}
    )
    assert sent == [("approvals", '{"token": "t"}')]
    assert result == {"MessageId": "m-1"}


async def test_http_invoke_returns_status_headers_and_body() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/missing":
            return httpx.Response(404, text="nope")
        body = json.loads(request.content)
        return httpx.Response(200, json={"echo": body, "q": request.url.params["q"]})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        table = ResourceTable(http=client)
        payload = {
            "Method": "POST",
            "ApiEndpoint": "https://crm.example/api",
            "QueryParameters": {"q": "1"},
            "RequestBody": {"a": 1},
        }
        result = await table.invoke(call("hexad:http:invoke"), payload)
        assert result["StatusCode"] == 200
        assert result["ResponseBody"] == {"echo": {"a": 1}, "q": "1"}
        with pytest.raises(StateFailure) as failed:
            await table.invoke(call("hexad:http:invoke"), {"ApiEndpoint": "https://crm.example/missing"})
        assert failed.value.error == "States.Http.StatusCode.404"


async def test_unknown_resource() -> None:
    with pytest.raises(StateFailure, match="unknown resource 'arn:aws:lambda:x'") as failed:
        await ResourceTable().invoke(call("arn:aws:lambda:x"), {})
    assert failed.value.error == "States.Runtime"
