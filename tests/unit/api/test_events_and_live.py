"""Putting and searching events over HTTP, and following them live over the WebSocket."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from hexad.agents.registry import AGENTS
from hexad.api.live_access import LIVE_EVENT_ACCESS
from hexad.auth.permissions import PERMISSIONS

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
        socket.send_json({"token": token, "pattern": {"detail-type": ["client.profitability.changed"]}})
        assert socket.receive_json() == {"type": "subscribed"}
        entries = [
            {"Source": "hexad.dsa", "DetailType": "spend.anomaly.detected", "Detail": {"n": 1}},
            {
                "Source": "hexad.cpi",
                "DetailType": "client.profitability.changed",
                "Detail": {"client": "C-7"},
            },
        ]
        client.post("/api/v1/events", json={"entries": entries}, headers=token_for("admin"))
        message = socket.receive_json()
        assert message["type"] == "event"
        assert message["event"]["detail"] == {"client": "C-7"}


@contextmanager
def _sockets(client: TestClient, tokens: dict[str, str]) -> Iterator[dict[str, WebSocketTestSession]]:
    """One subscribed live connection per name, following every event."""
    with ExitStack() as stack:
        sockets = {name: stack.enter_context(client.websocket_connect("/api/v1/live")) for name in tokens}
        for name, socket in sockets.items():
            socket.send_json({"token": tokens[name]})
            assert socket.receive_json() == {"type": "subscribed"}
        yield sockets


def _until_last(socket: WebSocketTestSession) -> list[str]:
    """What the socket receives up to the `last` marker event, as `source detail-type` lines."""
    seen: list[str] = []
    while not seen or seen[-1] != "hexad.findings finding.status.changed":
        event = socket.receive_json()["event"]
        seen.append(f"{event['source']} {event['detail-type']}")
    return seen[:-1]


def test_each_role_receives_exactly_what_it_may_see(app: FastAPI, token_for: Headers) -> None:
    tokens = {
        "viewer": token_for("viewer", subject="u-vic"),
        "sales": token_for("sales", subject="u-sal"),
        "admin": token_for("admin", subject="u-adm"),
    }
    events = [
        ("hexad.dsa", "spend.anomaly.detected", {}),
        ("hexad.spo", "sales.opportunity.identified", {}),
        ("hexad.vcm", "contract.renewal.due", {}),
        ("hexad.ingest", "data.imported", {}),
        ("hexad.tasks", "task.status.changed", {"submitted_by": "u-sal"}),
        ("hexad.notifications", "notification.created", {"user": "u-vic"}),
        ("hexad.custom", "anything.happened", {}),
        ("hexad.findings", "finding.status.changed", {}),  # the last one: everyone may see it
    ]
    entries = [{"Source": s, "DetailType": t, "Detail": d} for s, t, d in events]
    with (
        TestClient(app) as client,
        _sockets(client, {n: h["Authorization"][7:] for n, h in tokens.items()}) as on,
    ):
        for start in range(0, len(entries), 10):
            client.post(
                "/api/v1/events", json={"entries": entries[start : start + 10]}, headers=tokens["admin"]
            )
        received = {name: _until_last(socket) for name, socket in on.items()}
    assert received["admin"] == [f"{s} {t}" for s, t, _ in events[:-1]]
    assert received["viewer"] == [
        "hexad.dsa spend.anomaly.detected",
        "hexad.spo sales.opportunity.identified",
        "hexad.vcm contract.renewal.due",
        "hexad.notifications notification.created",
    ]
    assert received["sales"] == ["hexad.spo sales.opportunity.identified", "hexad.tasks task.status.changed"]


def test_api_keys_see_only_what_their_scopes_allow(app: FastAPI, token_for: Headers) -> None:
    admin = token_for("admin")
    with TestClient(app) as client:
        keys = {}
        for name, scopes in (("spend", ["findings:read", "spend:read"]), ("findings", ["findings:read"])):
            body = {"name": name, "scopes": scopes}
            keys[name] = client.post("/api/v1/apikeys", json=body, headers=admin).json()["api_key"]
        with _sockets(client, keys) as on:
            entries = [
                {"Source": "hexad.dsa", "DetailType": "spend.budget.at_risk", "Detail": {}},
                {"Source": "hexad.findings", "DetailType": "finding.status.changed", "Detail": {}},
            ]
            client.post("/api/v1/events", json={"entries": entries}, headers=admin)
            assert _until_last(on["spend"]) == ["hexad.dsa spend.budget.at_risk"]
            assert _until_last(on["findings"]) == []


def test_the_access_table_names_real_permissions_and_covers_every_agent() -> None:
    assert {p for row in LIVE_EVENT_ACCESS for p in row.permissions} <= set(PERMISSIONS)
    assert {f"hexad.{agent}" for agent in AGENTS} <= {row.source for row in LIVE_EVENT_ACCESS}


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


def _closed_code(socket: WebSocketTestSession) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        while True:
            socket.receive_json()
    return closed.value.code


def test_a_connection_is_closed_once_its_access_token_expires(app: FastAPI, token_for: Headers) -> None:
    app.state.live.recheck_seconds = 0.05
    with TestClient(app) as client, _sockets(client, {"v": token_for("viewer")["Authorization"][7:]}) as on:
        app.state.clock.advance(16 * 60)  # access tokens last 15 minutes
        assert _closed_code(on["v"]) == 4401


def test_a_fresh_token_sent_in_time_keeps_the_connection(app: FastAPI, token_for: Headers) -> None:
    app.state.live.recheck_seconds = 0.05
    with TestClient(app) as client, _sockets(client, {"v": token_for("viewer")["Authorization"][7:]}) as on:
        app.state.clock.advance(10 * 60)
        on["v"].send_json({"token": token_for("viewer")["Authorization"][7:]})
        assert on["v"].receive_json() == {"type": "subscribed"}
        app.state.clock.advance(10 * 60)  # the first token has expired, the second has not
        entry = {"Source": "hexad.findings", "DetailType": "finding.status.changed", "Detail": {}}
        client.post("/api/v1/events", json={"entries": [entry]}, headers=token_for("admin"))
        assert on["v"].receive_json()["event"]["detail-type"] == "finding.status.changed"
        on["v"].send_json({"token": "forged"})
        assert _closed_code(on["v"]) == 4401


def test_a_connection_is_closed_once_its_api_key_is_revoked(app: FastAPI, token_for: Headers) -> None:
    app.state.live.recheck_seconds = 0.05
    admin = token_for("admin")
    with TestClient(app) as client:
        created = client.post(
            "/api/v1/apikeys", json={"name": "feed", "scopes": ["findings:read"]}, headers=admin
        )
        with _sockets(client, {"key": created.json()["api_key"]}) as on:
            client.post(f"/api/v1/apikeys/{created.json()['key']['id']}/revoke", headers=admin)
            assert _closed_code(on["key"]) == 4401
