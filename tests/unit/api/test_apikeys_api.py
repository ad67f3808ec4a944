"""API keys through the API and the CLI: create (admin), use by header, scope, revoke, rate limit."""

import json
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hexad.api.app import create_app
from hexad.auth.ratelimit import Limit
from hexad.cli.app import app as cli
from hexad.config import load_settings
from hexad.runtime.clock import ManualClock

Headers = Callable[..., dict[str, str]]


def _create(client: TestClient, admin: dict[str, str], scopes: list[str], days: float | None = 30) -> str:
    response = client.post("/api/v1/apikeys", headers=admin,
                           json={"name": "psa-sync", "scopes": scopes, "expires_in_days": days})  # fmt: skip
    assert response.status_code == 201, response.text
    text: str = response.json()["api_key"]
    return text


def test_a_key_works_in_either_header_and_only_within_its_scopes(
    client: TestClient, token_for: Headers
) -> None:
    text = _create(client, token_for("admin"), ["findings:read"])
    assert client.get("/api/v1/findings", headers={"X-API-Key": text}).status_code == 200
    assert client.get("/api/v1/findings", headers={"Authorization": f"Bearer {text}"}).status_code == 200
    denied = client.get("/api/v1/users", headers={"X-API-Key": text})
    assert denied.status_code == 403 and "users:read" in denied.json()["detail"]


def test_listing_never_shows_the_secret_and_revoking_stops_the_key(
    client: TestClient, token_for: Headers
) -> None:
    admin = token_for("admin")
    text = _create(client, admin, ["findings:read"])
    listed = client.get("/api/v1/apikeys", headers=admin)
    assert listed.status_code == 200 and text not in listed.text and "secret_hash" not in listed.text
    key_id = listed.json()[0]["id"]
    assert client.post(f"/api/v1/apikeys/{key_id}/revoke", headers=admin).json()["revoked_at"] is not None
    refused = client.get("/api/v1/findings", headers={"X-API-Key": text})
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


def test_expired_keys_are_refused(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    text = _create(client, token_for("admin"), ["findings:read"], days=1)
    app.state.clock.advance(86400 + 11)
    assert client.get("/api/v1/findings", headers={"X-API-Key": text}).status_code == 401


def test_only_admins_manage_keys_and_a_key_cannot_exceed_its_creator(
    client: TestClient, token_for: Headers
) -> None:
    assert client.get("/api/v1/apikeys", headers=token_for("finance")).status_code == 403
    minter = _create(client, token_for("admin"), ["apikeys:write"])
    beyond = client.post("/api/v1/apikeys", headers={"X-API-Key": minter},
                         json={"name": "x", "scopes": ["users:write"]})  # fmt: skip
    assert beyond.status_code == 403 and "users:write" in beyond.json()["detail"]


def test_each_key_has_its_own_rate_limit() -> None:
    app = create_app(load_settings(), clock=ManualClock(), caller_limit=Limit(rate=1, burst=2))
    client = TestClient(app)
    admin = {"Authorization": f"Bearer {app.state.tokens.issue('u-admin', ['admin'])}"}
    first, second = (_create(client, admin, ["findings:read"]) for _ in range(2))
    codes = [client.get("/api/v1/findings", headers={"X-API-Key": first}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/api/v1/findings", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_cli_creates_lists_and_revokes() -> None:
    runner = CliRunner()
    created = runner.invoke(cli, ["apikeys", "create", "psa-sync", "--scopes", "findings:read,tasks:write"])
    assert created.exit_code == 0, created.output
    text = created.output.strip().splitlines()[-1]
    assert text.startswith("hx_")
    listed = json.loads(runner.invoke(cli, ["apikeys", "list", "--json"]).output)
    assert listed[0]["scopes"] == ["findings:read", "tasks:write"] and text not in json.dumps(listed)
    assert runner.invoke(cli, ["apikeys", "revoke", listed[0]["id"]]).exit_code == 0
    assert json.loads(runner.invoke(cli, ["apikeys", "list", "--json"]).output)[0]["revoked_at"] is not None
    bad = runner.invoke(cli, ["apikeys", "create", "x", "--scopes", "root:all"])
    assert bad.exit_code != 0 and "root:all" in str(bad.exception)


def test_a_key_opens_the_live_websocket(client: TestClient, token_for: Headers) -> None:
    text = _create(client, token_for("admin"), ["findings:read"])
    with client.websocket_connect("/api/v1/live") as socket:
        socket.send_json({"token": text, "pattern": {"source": ["hexad.test"]}})
        assert socket.receive_json() == {"type": "subscribed"}
