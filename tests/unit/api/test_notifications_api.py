"""/api/v1/notifications: topics, self-service subscriptions, the bell, preferences, confirm and mute."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad import wiring
from hexad.config import load_settings
from hexad.notifications.assembly import build_notifications
from hexad.runtime.clock import SystemClock

BASE = "/api/v1/notifications"


async def deliver(app: FastAPI) -> None:
    parts = build_notifications(load_settings(), clock=app.state.clock)
    await parts.deliveries.drain()
    await parts.aclose()


async def test_a_user_subscribes_their_bell_and_reads_it(
    app: FastAPI, client: TestClient, token_for: Callable[..., dict[str, str]]
) -> None:
    admin, ann = token_for("admin", subject="u-admin"), token_for("finance", subject="u-ann")
    assert client.post(f"{BASE}/topics", json={"name": "findings"}, headers=ann).status_code == 403
    assert client.post(f"{BASE}/topics", json={"name": "findings"}, headers=admin).status_code == 201
    assert [t["name"] for t in client.get(f"{BASE}/topics", headers=ann).json()] == ["approvals", "findings"]
    body = {
        "topic": "findings",
        "protocol": "in_app",
        "endpoint": "u-ann",
        "filter_policy": {"severity": ["high"]},
    }
    created = client.post(f"{BASE}/subscriptions", json=body, headers=ann)
    assert created.status_code == 201 and created.json()["status"] == "confirmed"
    slack = {
        "topic": "findings",
        "protocol": "slack",
        "endpoint": "http://127.0.0.1:9/services/T/B/secret",
    }
    assert client.post(f"{BASE}/subscriptions", json=slack, headers=ann).status_code == 403
    someone_else = {**body, "endpoint": "u-bob"}
    assert client.post(f"{BASE}/subscriptions", json=someone_else, headers=ann).status_code == 403
    admin_slack = client.post(f"{BASE}/subscriptions", json=slack, headers=admin).json()
    assert admin_slack["endpoint"] == "http://127.0.0.1:9/..." and "secret" not in admin_slack["endpoint"]

    published = client.post(
        f"{BASE}/topics/findings/publish",
        json={"subject": "Over budget", "attributes": {"severity": "high"}},
        headers=admin,
    )
    assert published.json()["matched"] == 2
    await deliver(app)
    inbox = client.get(f"{BASE}/inbox", headers=ann).json()
    assert inbox["unread"] == 1 and inbox["items"][0]["title"] == "Over budget"
    assert client.post(f"{BASE}/inbox/read", json={}, headers=ann).json() == {"marked": 1}
    assert client.get(f"{BASE}/inbox", headers=ann).json()["unread"] == 0
    mine = client.get(f"{BASE}/subscriptions", headers=ann).json()
    assert [s["protocol"] for s in mine] == ["in_app"]
    assert len(client.get(f"{BASE}/subscriptions?all=true", headers=admin).json()) == 2
    assert client.delete(f"{BASE}/subscriptions/{admin_slack['id']}", headers=ann).status_code == 404
    assert client.delete(f"{BASE}/subscriptions/{mine[0]['id']}", headers=ann).status_code == 204


def test_preferences_start_from_the_roles_defaults_and_validate(
    client: TestClient, token_for: Callable[..., dict[str, str]]
) -> None:
    sales = token_for("sales", subject="u-sam")
    preferences = client.get(f"{BASE}/preferences", headers=sales).json()
    assert preferences["channels"]["*"]["agents"] == ["cpi", "spo"]
    changed = {
        **preferences,
        "timezone": "Europe/Berlin",
        "quiet_hours": ["22:00", "07:00"],
        "digest": "daily",
    }
    assert client.put(f"{BASE}/preferences", json=changed, headers=sales).json()["digest"] == "daily"
    bad = client.put(f"{BASE}/preferences", json={**changed, "timezone": "Nowhere/Land"}, headers=sales)
    assert bad.status_code == 422 and "IANA time zone" in bad.json()["detail"]


async def test_confirm_and_mute_with_link_tokens(
    app: FastAPI, client: TestClient, token_for: Callable[..., dict[str, str]]
) -> None:
    admin, ann, bob = (
        token_for("admin"),
        token_for("viewer", subject="u-ann"),
        token_for("viewer", subject="u-bob"),
    )
    client.post(f"{BASE}/topics", json={"name": "findings"}, headers=admin)
    created = client.post(
        f"{BASE}/subscriptions",
        json={"topic": "findings", "protocol": "email", "endpoint": "ann@msp.example"},
        headers=ann,
    ).json()
    assert created["status"] == "pending"
    parts = build_notifications(load_settings(), clock=app.state.clock)
    subscription = await parts.service.store.get_subscription(created["id"])
    token = parts.service.confirm_token(subscription)
    mute_token = parts.service.mute_url("u-ann", "CL-0007").split("token=")[1]
    await parts.aclose()
    assert (
        client.post(f"{BASE}/subscriptions/confirm", json={"token": "x" * 20}, headers=ann).status_code == 422
    )
    assert (
        client.post(f"{BASE}/subscriptions/confirm", json={"token": token}, headers=ann).json()["status"]
        == "confirmed"
    )
    assert client.post(f"{BASE}/mute", json={"token": mute_token}, headers=bob).status_code == 403
    muted = client.post(f"{BASE}/mute", json={"token": mute_token}, headers=ann).json()
    assert muted == {"user": "u-ann", "muted_subjects": ["CL-0007"]}


def test_malformed_preferences_and_delivery_policies_are_422_with_the_reason(
    client: TestClient, token_for: Callable[..., dict[str, str]]
) -> None:
    admin = token_for("admin")
    client.post(f"{BASE}/topics", json={"name": "findings"}, headers=admin)
    unknown = client.put(f"{BASE}/preferences", json={"quiet": ["22:00", "07:00"]}, headers=admin)
    assert unknown.status_code == 422
    assert [error["location"] for error in unknown.json()["errors"]] == ["body.quiet"]
    nested = client.put(
        f"{BASE}/preferences", json={"channels": {"email": {"agent": ["cpi"]}}}, headers=admin
    )
    assert [error["location"] for error in nested.json()["errors"]] == ["body.channels.email.agent"]
    wrong_type = client.put(f"{BASE}/preferences", json={"digest_hour": "eight"}, headers=admin)
    assert wrong_type.status_code == 422 and "digest_hour" in wrong_type.json()["detail"]
    one_agent = client.put(
        f"{BASE}/preferences", json={"channels": {"email": {"agents": "cpi"}}}, headers=admin
    )
    assert one_agent.status_code == 422, "a string is not a list of agents"
    body = {
        "topic": "findings",
        "protocol": "in_app",
        "endpoint": "u-test",
        "delivery_policy": {"retries": 3},
    }
    refused = client.post(f"{BASE}/subscriptions", json=body, headers=admin)
    assert refused.status_code == 422 and "unknown field(s) retries" in refused.json()["detail"]
    body["delivery_policy"] = {"num_retries": 3, "backoff": "cubic"}
    assert "backoff" in client.post(f"{BASE}/subscriptions", json=body, headers=admin).json()["detail"]


def test_the_bell_is_pushed_over_the_live_websocket(
    app: FastAPI, client: TestClient, token_for: Callable[..., dict[str, str]]
) -> None:
    admin = token_for("admin", subject="u-admin")
    client.post(f"{BASE}/topics", json={"name": "findings"}, headers=admin)
    body = {"topic": "findings", "protocol": "in_app", "endpoint": "u-admin"}
    assert client.post(f"{BASE}/subscriptions", json=body, headers=admin).status_code == 201
    client.post(f"{BASE}/topics/findings/publish", json={"attributes": {"severity": "high"}}, headers=admin)

    async def deliver_announcing_on_the_bus() -> None:
        bus = wiring.event_bus(load_settings(), clock=SystemClock())
        parts = build_notifications(load_settings(), clock=app.state.clock, put_events=bus.put_events)
        await parts.deliveries.drain()
        await parts.aclose()

    pattern = {"source": ["hexad.notifications"], "detail": {"user": ["u-admin"]}}
    with client.websocket_connect("/api/v1/live") as socket:
        socket.send_json({"token": admin["Authorization"].split()[1], "pattern": pattern})
        assert socket.receive_json() == {"type": "subscribed"}
        asyncio.run(deliver_announcing_on_the_bus())
        message = socket.receive_json()
    assert message["event"]["detail-type"] == "notification.created"
    [item] = client.get(f"{BASE}/inbox", headers=admin).json()["items"]
    assert message["event"]["detail"] == {"id": item["id"], "user": "u-admin", "severity": "high"}
