"""The bell's one-click mute and the settings page's unmute: /notifications/inbox, /mute, /mutes."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.unit.api.test_notifications_api import BASE
from tests.unit.api.test_notifications_api import deliver as _deliver


async def test_a_bell_notification_mutes_its_subject_and_unmute_restores_it(
    app: FastAPI, client: TestClient, token_for: Callable[..., dict[str, str]]
) -> None:
    admin, ann, bob = (
        token_for("admin"),
        token_for("viewer", subject="u-ann"),
        token_for("viewer", subject="u-bob"),
    )
    client.post(f"{BASE}/topics", json={"name": "findings"}, headers=admin)
    bell = {"topic": "findings", "protocol": "in_app", "endpoint": "u-ann"}
    assert client.post(f"{BASE}/subscriptions", json=bell, headers=ann).status_code == 201
    for subject, attributes in (("Margin", {"subject_id": "CL-0007"}), ("Test", {})):
        message = {"subject": subject, "attributes": {"severity": "high", **attributes}}
        client.post(f"{BASE}/topics/findings/publish", json=message, headers=admin)
    await _deliver(app)

    items = {item["title"]: item for item in client.get(f"{BASE}/inbox", headers=ann).json()["items"]}
    assert items["Margin"]["subject_id"] == "CL-0007" and items["Margin"]["mute_token"]
    assert items["Test"]["subject_id"] == "" and items["Test"]["mute_token"] is None
    token = items["Margin"]["mute_token"]
    assert client.post(f"{BASE}/mute", json={"token": token}, headers=bob).status_code == 403
    assert client.post(f"{BASE}/mute", json={"token": token}, headers=ann).json()["muted_subjects"] == [
        "CL-0007"
    ]
    assert client.get(f"{BASE}/preferences", headers=ann).json()["muted_subjects"] == ["CL-0007"]

    client.post(
        f"{BASE}/topics/findings/publish",
        json={"subject": "Again", "attributes": {"subject_id": "CL-0007"}},
        headers=admin,
    )
    await _deliver(app)
    titles = [item["title"] for item in client.get(f"{BASE}/inbox", headers=ann).json()["items"]]
    assert "Again" not in titles, "a muted subject stays out of the bell"

    assert client.delete(f"{BASE}/mutes/CL-0007", headers=ann).json() == {
        "user": "u-ann",
        "muted_subjects": [],
    }
    assert client.delete(f"{BASE}/mutes/CL-0007", headers=ann).status_code == 200, "unmute is idempotent"
    assert client.get(f"{BASE}/preferences", headers=ann).json()["muted_subjects"] == []


def test_unmute_changes_only_the_callers_preferences(
    client: TestClient, token_for: Callable[..., dict[str, str]]
) -> None:
    ann, bob = token_for("viewer", subject="u-ann"), token_for("viewer", subject="u-bob")
    preferences = client.get(f"{BASE}/preferences", headers=ann).json()
    client.put(f"{BASE}/preferences", json={**preferences, "muted_subjects": ["CL-1", "CL-2"]}, headers=ann)
    assert client.delete(f"{BASE}/mutes/CL-1", headers=bob).json()["muted_subjects"] == []
    assert client.get(f"{BASE}/preferences", headers=ann).json()["muted_subjects"] == ["CL-1", "CL-2"]
    assert client.delete(f"{BASE}/mutes/CL-1", headers=ann).json()["muted_subjects"] == ["CL-2"]
    assert client.delete(f"{BASE}/mutes/CL-1").status_code == 401
