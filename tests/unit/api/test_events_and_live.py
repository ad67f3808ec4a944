"""Putting and searching events over HTTP, and following them live over the WebSocket."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

Headers = Callable[..., dict[str, str]]


def _entry(detail_type: str, **detail: Any) -> dict[str, Any]:
    return {"Source": "hexad.test", "DetailType": detail_type, "Detail": detail}


def test_put_events_reports_each_entry(client: TestClient, token_for: Headers) -> None:
    entries = [_entry("finding.created", n=1), {"Source": "hexad.test", "Detail": {}}]
    body = client.post("/api/v1/events", json={"entries": entries}, headers=token_for("admin")).json()
    assert body["failed_entry_count"] == 1
    assert body["entries"][0]["event_id"]
    assert body["entries"][1]["error_code"]
    too_many = client.post("/api/v1/events", json={"entries": [_entry("x")] * 11}, headers=token_for("admin"))
    assert too_many.status_code == 422


def test_search_finds_archived_events_by_pattern(client: TestClient, token_for: Headers) -> None:
    entries = [_entry("client.churn.risk", client="C-1"), _entry("spend.anomaly.detected", department="IT")]
    client.post("/api/v1/events", json={"entries": entries}, headers=token_for("admin"))
    pattern = '{"detail-type": ["spend.anomaly.detected"]}'
    found = client.get("/api/v1/events", params={"pattern": pattern}, headers=token_for("service_manager"))
    assert [event["detail"]["department"] for event in found.json()] == ["IT"]
    bad = client.get("/api/v1/events", params={"pattern": "{"}, headers=token_for("admin"))
    assert bad.status_code == 422


def test_live_clients_receive_only_matching_events(client: TestClient, token_for: Headers) -> None:
    token = token_for("viewer")["Authorization"].split()[1]
    with client.websocket_connect("/api/v1/live") as socket:
        socket.send_json({"token": token, "pattern": {"detail-type": ["client.churn.risk"]}})
        assert socket.receive_json() == {"type": "subscribed"}
        entries = [_entry("spend.anomaly.detected", n=1), _entry("client.churn.risk", client="C-7")]
        client.post("/api/v1/events", json={"entries": entries}, headers=token_for("admin"))
        message = socket.receive_json()
        assert message["type"] == "event"
        assert message["event"]["detail"] == {"client": "C-7"}


def test_live_refuses_a_connection_without_a_valid_token(client: TestClient) -> None:
    with client.websocket_connect("/api/v1/live") as socket:
        socket.send_json({"token": "forged", "pattern": {}})
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 4401


def test_a_client_that_stops_reading_is_dropped(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    token = token_for("viewer")["Authorization"].split()[1]
    with client.websocket_connect("/api/v1/live") as socket:
        socket.send_json({"token": token, "pattern": {}})
        assert socket.receive_json() == {"type": "subscribed"}
        for subscription in list(app.state.live._subscriptions):
            for n in range(subscription.queue.maxsize + 1):
                subscription.offer({"n": n})
        received = 0
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                socket.receive_json()
                received += 1
    assert closed.value.code == 1013
