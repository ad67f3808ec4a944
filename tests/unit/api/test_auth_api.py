"""Sign-in over HTTP: first-login password change, tokens, refresh reuse, lockout, MFA, audit."""

import pyotp
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.observability.audit import verify_chain

PASSWORD = "Harbour-lights-42"


def _first_login(app: FastAPI, client: TestClient, roles: list[str]) -> dict[str, str]:
    _, once = app.state.users.add("ana@example.com", "Ana", roles)
    assert client.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": once}).json() == {
        "status": "password_change_required",
        "access_token": None,
        "refresh_token": None,
        "token_type": "bearer",
    }
    change = {"email": "ana@example.com", "current_password": once, "new_password": PASSWORD}
    assert client.post("/api/v1/auth/password", json=change).status_code == 204
    body = client.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": PASSWORD}).json()
    assert body["status"] == "signed_in"
    return {"access": body["access_token"], "refresh": body["refresh_token"]}


def test_sign_in_then_use_the_api(app: FastAPI, client: TestClient) -> None:
    tokens = _first_login(app, client, ["admin"])
    users = client.get("/api/v1/users", headers={"Authorization": f"Bearer {tokens['access']}"})
    assert [u["email"] for u in users.json()] == ["ana@example.com"]
    assert "password_hash" not in users.text


def test_weak_new_passwords_are_refused_with_the_rules(app: FastAPI, client: TestClient) -> None:
    _, once = app.state.users.add("bo@example.com", "Bo", ["viewer"])
    change = {"email": "bo@example.com", "current_password": once, "new_password": "password"}
    response = client.post("/api/v1/auth/password", json=change)
    assert response.status_code == 422
    assert "an upper-case letter" in response.json()["detail"]


def test_refresh_rotates_and_reuse_is_refused(app: FastAPI, client: TestClient) -> None:
    tokens = _first_login(app, client, ["viewer"])
    first = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh"]})
    assert first.status_code == 200
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh"]})
    assert reused.status_code == 401
    newer = client.post("/api/v1/auth/refresh", json={"refresh_token": first.json()["refresh_token"]})
    assert newer.status_code == 401  # the family was revoked by the reuse


def test_lockout_after_repeated_failures(app: FastAPI, client: TestClient) -> None:
    _first_login(app, client, ["viewer"])
    for _ in range(5):
        wrong = client.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": "nope"})
        assert wrong.status_code == 401
    right = client.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": PASSWORD})
    assert right.status_code == 401
    app.state.clock.advance(31)
    again = client.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": PASSWORD})
    assert again.status_code == 200


def test_mfa_enrolment_then_codes_are_required(app: FastAPI, client: TestClient) -> None:
    tokens = _first_login(app, client, ["finance"])
    auth = {"Authorization": f"Bearer {tokens['access']}"}
    secret = client.post("/api/v1/auth/mfa/setup", headers=auth).json()["secret"]
    code = pyotp.TOTP(secret).at(app.state.clock.time())
    assert (
        client.post(
            "/api/v1/auth/mfa/enable", json={"secret": secret, "code": code}, headers=auth
        ).status_code
        == 204
    )
    login = {"email": "ana@example.com", "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).json()["status"] == "mfa_required"
    app.state.clock.advance(30)
    code = pyotp.TOTP(secret).at(app.state.clock.time())
    assert client.post("/api/v1/auth/login", json={**login, "code": code}).json()["status"] == "signed_in"


def test_admins_manage_accounts_and_others_cannot(app: FastAPI, client: TestClient) -> None:
    tokens = _first_login(app, client, ["admin"])
    admin = {"Authorization": f"Bearer {tokens['access']}"}
    created = client.post(
        "/api/v1/users", json={"email": "cy@example.com", "name": "Cy", "roles": ["sales"]}, headers=admin
    )
    assert created.status_code == 201 and created.json()["one_time_password"]
    user_id = created.json()["user"]["id"]
    assert client.post(f"/api/v1/users/{user_id}/disable", headers=admin).json()["disabled"] is True
    bad_role = client.post(
        "/api/v1/users", json={"email": "dee@example.com", "name": "Dee", "roles": ["root"]}, headers=admin
    )
    assert bad_role.status_code == 422


def test_every_write_and_login_is_in_a_verifiable_audit_log(app: FastAPI, client: TestClient) -> None:
    _first_login(app, client, ["admin"])
    client.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": "wrong"})
    entries = list(app.state.audit.entries())
    assert verify_chain(entries) is None
    logins = [e for e in entries if e.action == "POST /api/v1/auth/login"]
    assert [(e.actor, e.detail["status"]) for e in logins][-1] == ("ana@example.com", 401)
    assert all("Harbour" not in str(e.detail) for e in entries)
