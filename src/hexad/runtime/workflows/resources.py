"""Task resources inside Hexad: the table a durable execution's Task `Resource` is resolved through.

- a name given to `register_activity(name, fn)`: `fn(payload)` (sync or async);
- `hexad:agent:<name>:<action>`: the injected agent mapping's callable under `"<name>:<action>"`;
- `hexad:http:invoke`: an HTTP request with httpx from `Method`, `ApiEndpoint`, `Headers`,
  `QueryParameters`, `RequestBody`; the result has `StatusCode`, `Headers`, `ResponseBody`;
- `hexad:events:putEvents`: the injected `put_events(entries)` with the EventBridge `Entries`; the
  result is PutEvents' response (`Entries`, `FailedEntryCount`), and a failed entry fails the task
  with `EventBridge.FailedEntry`, as in Step Functions' EventBridge integration;
- `hexad:queue:send`: the injected `send(queue, body)` with `QueueUrl` (or `Queue`) and `MessageBody`.

Any of them may carry the `.waitForTaskToken` suffix; the token is in the context object
(`$$.Task.Token`) for Parameters to pass on. A handler receives the effective parameters; its
return value is the task's result; an exception fails the task (its class's `error` attribute names
the ASL error, else `States.TaskFailed`).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from hexad.runtime.workflows.failures import StateFailure
from hexad.runtime.workflows.host import TaskCall

__all__ = ["Activity", "PutEvents", "ResourceTable", "SendMessage"]

Activity = Callable[[Any], Any]
PutEvents = Callable[[list[dict[str, Any]]], Any]
SendMessage = Callable[[str, str], Any]


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _put_events_response(result: Any, count: int) -> dict[str, Any]:
    """PutEvents' response shape (`Entries` with `EventId` or `ErrorCode`/`ErrorMessage`,
    `FailedEntryCount`) from a dict, from Hexad's `PutEventsResult` (by its attributes) or from None."""
    if result is None:
        return {"Entries": [{} for _ in range(count)], "FailedEntryCount": 0}
    if isinstance(result, dict):
        return {"Entries": result.get("Entries", []), "FailedEntryCount": result.get("FailedEntryCount", 0)}
    entries = []
    for entry in getattr(result, "entries", []):
        if getattr(entry, "error_code", None):
            entries.append({"ErrorCode": entry.error_code, "ErrorMessage": entry.error_message})
        else:
            entries.append({"EventId": getattr(entry, "event_id", None)})
    return {"Entries": entries, "FailedEntryCount": int(getattr(result, "failed_entry_count", 0))}


class ResourceTable:
    """Resolves a Task's resource name to a call; unknown names fail with `States.Runtime`."""

    def __init__(
        self,
        *,
        activities: Mapping[str, Activity] | None = None,
        agents: Mapping[str, Activity] | None = None,
        put_events: PutEvents | None = None,
        send_message: SendMessage | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.activities: dict[str, Activity] = dict(activities or {})
        self.agents = agents if agents is not None else {}
        self.put_events = put_events
        self.send_message = send_message
        self._http = http

    def register_activity(self, resource: str, function: Activity) -> None:
        """Make `resource` callable from Task states (replacing an earlier registration)."""
        self.activities[resource] = function

    async def invoke(self, call: TaskCall, payload: Any) -> Any:
        """Call the resource of `call` with `payload`."""
        handler = self._resolve(call)
        return await _maybe_await(handler(payload))

    def _resolve(self, call: TaskCall) -> Callable[[Any], Any | Awaitable[Any]]:
        resource = call.resource
        if resource in self.activities:
            return self.activities[resource]
        if resource.startswith("hexad:agent:"):
            action = resource.removeprefix("hexad:agent:")
            if action in self.agents:
                return self.agents[action]
            raise StateFailure(
                "States.Runtime", f"The state '{call.state}': no agent action {action!r} is registered"
            )
        builtin = {
            "hexad:http:invoke": self._http_invoke,
            "hexad:events:putEvents": self._put_events,
            "hexad:queue:send": self._send,
        }.get(resource)
        if builtin is None:
            raise StateFailure("States.Runtime", f"The state '{call.state}': unknown resource {resource!r}")
        return builtin

    async def _http_invoke(self, payload: Any) -> Any:
        if not isinstance(payload, dict) or "ApiEndpoint" not in payload:
            raise StateFailure(
                "States.Runtime", "hexad:http:invoke expects Parameters with ApiEndpoint and Method"
            )
        client = self._http or httpx.AsyncClient(timeout=30.0)
        try:
            response = await client.request(
                payload.get("Method", "GET"),
                payload["ApiEndpoint"],
                headers=payload.get("Headers"),
                params=payload.get("QueryParameters"),
                json=payload.get("RequestBody"),
            )
        except httpx.HTTPError as exc:
            raise StateFailure("States.Http.Socket", str(exc)) from None
        finally:
            if self._http is None:
                await client.aclose()
        if response.status_code >= 400:
            raise StateFailure(f"States.Http.StatusCode.{response.status_code}", response.text[:1000])
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        return {"StatusCode": response.status_code, "Headers": dict(response.headers), "ResponseBody": body}

    async def _put_events(self, payload: Any) -> Any:
        if self.put_events is None:
            raise StateFailure(
                "States.Runtime", "hexad:events:putEvents: no event bus is wired into the workflow service"
            )
        entries = payload.get("Entries") if isinstance(payload, dict) else None
        if not isinstance(entries, list):
            raise StateFailure(
                "States.Runtime", "hexad:events:putEvents expects Parameters with an Entries array"
            )
        result = _put_events_response(await _maybe_await(self.put_events(entries)), len(entries))
        if result["FailedEntryCount"]:
            failed = [e for e in result["Entries"] if e.get("ErrorCode")]
            raise StateFailure("EventBridge.FailedEntry", json.dumps(failed))
        return result

    async def _send(self, payload: Any) -> Any:
        if self.send_message is None:
            raise StateFailure(
                "States.Runtime", "hexad:queue:send: no queue service is wired into the workflow service"
            )
        queue = payload.get("QueueUrl", payload.get("Queue")) if isinstance(payload, dict) else None
        if not isinstance(queue, str) or "MessageBody" not in payload:
            raise StateFailure(
                "States.Runtime", "hexad:queue:send expects Parameters with QueueUrl and MessageBody"
            )
        body = payload["MessageBody"]
        text = body if isinstance(body, str) else json.dumps(body)
        result = await _maybe_await(self.send_message(queue, text))
        return result if result is not None else {}
