"""The API's cross-cutting behaviour: problem details, security headers, size and rate limits."""

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from hexad.api.app import MAX_REQUEST_BYTES, create_app
from hexad.api.pagination import Cursor, decode_cursor, encode_cursor
from hexad.api.problems import PROBLEM_BASE, ProblemError
from hexad.auth.ratelimit import Limit
from hexad.config import load_settings
from hexad.errors import NotFoundError, ValidationError
from hexad.runtime.clock import ManualClock

_GENEROUS = Limit(rate=1000, burst=1000)


def _app(limit: Limit = _GENEROUS) -> tuple[FastAPI, ManualClock]:
    clock = ManualClock()
    app = create_app(load_settings(), clock=clock, caller_limit=limit)
    extra = APIRouter()  # ahead of the dashboard's catch-all GET route

    @extra.get("/api/v1/missing")
    async def missing() -> None:
        raise NotFoundError("client C-404 does not exist")

    @extra.get("/api/v1/teapot")
    async def teapot() -> None:
        raise ProblemError(418, "teapot", "short and stout")

    @extra.get("/api/v1/crash")
    async def crash() -> None:
        raise RuntimeError("secret=hunter2")

    @extra.post("/api/v1/echo")
    async def echo(body: dict[str, int]) -> dict[str, int]:
        return body

    app.router.routes[:0] = extra.routes
    return app, clock


def test_health_and_metrics_answer_without_auth() -> None:
    client = TestClient(create_app(load_settings()))
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    assert "python_info" in client.get("/metrics").text
    assert client.get("/api/openapi.json").json()["openapi"].startswith("3.1")


def test_hexad_errors_become_problem_documents() -> None:
    client = TestClient(_app()[0])
    response = client.get("/api/v1/missing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == PROBLEM_BASE + "not-found"
    assert body["detail"] == "client C-404 does not exist"
    assert body["instance"] == "/api/v1/missing"
    assert client.get("/api/v1/teapot").json()["type"] == PROBLEM_BASE + "teapot"


def test_unexpected_errors_hide_their_text() -> None:
    client = TestClient(_app()[0], raise_server_exceptions=False)
    response = client.get("/api/v1/crash")
    assert response.status_code == 500
    assert "hunter2" not in response.text


def test_request_validation_names_the_field() -> None:
    response = TestClient(_app()[0]).post("/api/v1/echo", json={"a": "x"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.a"


def test_every_response_carries_security_headers() -> None:
    response = TestClient(_app()[0]).get("/api/v1/missing")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_bodies_over_the_limit_are_refused_with_413() -> None:
    client = TestClient(_app()[0])
    response = client.post(
        "/api/v1/echo", content=b"x" * (MAX_REQUEST_BYTES + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["type"] == PROBLEM_BASE + "too-large"


def test_callers_over_their_budget_get_429_with_retry_after() -> None:
    app, clock = _app(Limit(rate=1, burst=2))
    client = TestClient(app)
    codes = [client.get("/api/v1/missing").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    limited = client.get("/api/v1/missing")
    assert limited.headers["retry-after"] == "1"
    clock.advance(1)
    assert client.get("/api/v1/missing").status_code == 404


def test_cursors_round_trip_and_reject_tampering() -> None:
    cursor = Cursor("created_at", "2026-09-30T00:00:00Z", "F-1")
    assert decode_cursor(encode_cursor(cursor), "created_at") == cursor
    with pytest.raises(ValidationError, match="sort='created_at', not sort='score'"):
        decode_cursor(encode_cursor(cursor), "score")
    with pytest.raises(ValidationError, match="expected a cursor"):
        decode_cursor("%%%", "created_at")
