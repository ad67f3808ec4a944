"""Every /api/v1 route x every role x every kind of bad token."""

import base64
import json
import re
from collections.abc import Iterator

import jwt
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from hexad.api.app import API_ROUTERS
from hexad.auth.permissions import ROLES, allowed


def _guarded_routes(app: FastAPI) -> Iterator[tuple[str, str, str]]:
    routes = [route for router in API_ROUTERS for route in router.routes]
    assert {r.path for r in app.routes if isinstance(r, APIRoute)}.isdisjoint({r.path for r in routes})
    for route in routes:
        assert isinstance(route, APIRoute) and route.path.startswith("/api/v1"), route
        permissions = [
            dep.call.permission for dep in route.dependant.dependencies if hasattr(dep.call, "permission")
        ]
        assert len(permissions) == 1, f"{route.path} must depend on exactly one require(permission)"
        for method in route.methods:
            yield method, re.sub(r"\{[^}]+\}", "x", route.path), permissions[0]


def test_every_api_route_is_guarded_by_a_permission(app: FastAPI) -> None:
    assert list(_guarded_routes(app))


def test_each_role_gets_exactly_its_permissions(app: FastAPI) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    for method, path, permission in _guarded_routes(app):
        for role in ROLES:
            token = app.state.tokens.issue("u-matrix", [role])
            response = client.request(method, path, headers={"Authorization": f"Bearer {token}"}, json={})
            if allowed([role], permission):
                assert response.status_code not in (401, 403), (method, path, role)
            else:
                assert response.status_code == 403, (method, path, role)


def _unsigned(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize("case", ["missing", "garbage", "expired", "tampered", "alg_none", "wrong_issuer"])
def test_bad_tokens_are_401_on_every_route(app: FastAPI, case: str) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    good = app.state.tokens.issue("u-1", ["admin"])
    claims = jwt.decode(good, options={"verify_signature": False})
    secret = app.state.tokens._secret
    tokens = {
        "missing": None,
        "garbage": "garbage",
        "expired": jwt.encode({**claims, "exp": claims["iat"] - 60}, secret, algorithm="HS256"),
        "tampered": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
        "alg_none": _unsigned(claims),
        "wrong_issuer": jwt.encode({**claims, "iss": "someone-else"}, secret, algorithm="HS256"),
    }
    token = tokens[case]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for method, path, _ in _guarded_routes(app):
        response = client.request(method, path, headers=headers, json={})
        assert response.status_code == 401, (case, method, path)
        assert response.headers["www-authenticate"] == "Bearer"
