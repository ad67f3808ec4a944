"""The hot reads' caches keep every behaviour: fresh data after any commit, expiry, revocation, limits."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.api.app import create_app
from hexad.api.read_cache import DataVersion, ReadCache
from hexad.api.token_cache import VerifiedTokens
from hexad.auth.ratelimit import Limit
from hexad.auth.tokens import ACCESS_TOKEN_SECONDS, AccessClaims, TokenIssuer
from hexad.config import load_settings
from hexad.errors import AuthenticationError
from hexad.runtime.clock import ManualClock
from tests.unit.api.conftest import draft
from tests.unit.api.demo_home import install_demo_database

Headers = Callable[..., dict[str, str]]


def _other_process_engine() -> sa.Engine:
    """A separate engine on the same file: its commits are another process's (a CLI import, a worker)."""
    return sa.create_engine(load_settings().effective_database_url)


def test_a_findings_page_is_served_from_the_cache_until_something_commits(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    app.state.findings.save("cpi", [draft("C-1"), draft("C-2")], full_run=True)
    headers, cache = token_for("viewer"), app.state.read_cache
    first = client.get("/api/v1/findings", headers=headers).json()
    computed = cache.computed
    assert client.get("/api/v1/findings", headers=headers).json() == first
    assert cache.computed == computed  # the second answer came from the cache
    finding_id = first["items"][0]["id"]
    manager = token_for("service_manager")
    assert client.post(f"/api/v1/findings/{finding_id}/acknowledge", headers=manager).status_code == 200
    statuses = {
        item["id"]: item["status"] for item in client.get("/api/v1/findings", headers=headers).json()["items"]
    }
    assert statuses[finding_id] == "acknowledged"
    with _other_process_engine().begin() as conn:
        conn.execute(
            sa.text("UPDATE findings SET summary = 'changed elsewhere' WHERE id = :id"), {"id": finding_id}
        )
    again = client.get("/api/v1/findings", headers=headers).json()["items"]
    assert {item["id"]: item["summary"] for item in again}[finding_id] == "changed elsewhere"


def test_pages_with_other_filters_or_cursors_are_cached_apart(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    app.state.findings.save("cpi", [draft(f"C-{i}", severity="high" if i % 2 else "low") for i in range(5)],
                            full_run=True)  # fmt: skip
    headers = token_for("viewer")
    everything = client.get("/api/v1/findings", params={"limit": 2}, headers=headers).json()
    high = client.get("/api/v1/findings", params={"limit": 2, "severity": "high"}, headers=headers).json()
    assert {item["severity"] for item in high["items"]} == {"high"}
    after = {"limit": 2, "cursor": everything["next_cursor"]}
    second = client.get("/api/v1/findings", params=after, headers=headers).json()
    assert not {item["id"] for item in second["items"]} & {item["id"] for item in everything["items"]}
    assert client.get("/api/v1/findings", params={"cursor": "nope"}, headers=headers).status_code == 422


@pytest.fixture
def demo_app(_isolated_home: Path) -> FastAPI:
    install_demo_database(_isolated_home)
    return create_app(load_settings(), clock=ManualClock(datetime(2027, 1, 1, tzinfo=UTC)))


def test_a_clients_detail_shows_a_finding_change_and_an_import_on_the_next_request(demo_app: FastAPI) -> None:
    client = TestClient(demo_app)
    headers = {"Authorization": f"Bearer {demo_app.state.tokens.issue('u-admin', ['admin'])}"}
    client_id = client.get("/api/v1/clients", params={"limit": 1}, headers=headers).json()["items"][0][
        "client_id"
    ]
    url = f"/api/v1/clients/{client_id}"
    before = client.get(url, headers=headers).json()
    assert client.get(url, headers=headers).json() == before and before["open_findings"] == []
    demo_app.state.findings.save("cpi", [draft(client_id)], full_run=True)
    assert [f["subject_id"] for f in client.get(url, headers=headers).json()["open_findings"]] == [client_id]
    with _other_process_engine().begin() as conn:  # an import elsewhere doubles this client's invoices
        conn.execute(sa.text("UPDATE invoices SET total = total * 2 WHERE client_id = :c"), {"c": client_id})
        conn.execute(sa.text("UPDATE clients SET seats = 4321 WHERE client_id = :c"), {"c": client_id})
    assert client.get(url, headers=headers).json()["seats"] == 4321
    imported = {"Source": "hexad.ingest", "DetailType": "data.imported", "Detail": {"entity": "invoices"}}
    client.post("/api/v1/events", json={"entries": [imported]}, headers=headers)
    after = client.get(url, headers=headers).json()
    revenue = before["trailing_12_months"]["revenue"]
    assert after["trailing_12_months"]["revenue"] == pytest.approx(2 * revenue, abs=0.05)


def test_a_verified_token_is_still_refused_once_it_expires(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    headers = token_for("viewer")
    assert client.get("/api/v1/findings", headers=headers).status_code == 200
    app.state.clock.advance(ACCESS_TOKEN_SECONDS + 30)
    expired = client.get("/api/v1/findings", headers=headers)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    tampered = {"Authorization": headers["Authorization"][:-2] + "xx"}
    assert client.get("/api/v1/findings", headers=tampered).status_code == 401


def test_a_cached_tokens_roles_still_decide_what_it_may_read(client: TestClient, token_for: Headers) -> None:
    viewer = token_for("viewer")
    assert client.get("/api/v1/findings", headers=viewer).status_code == 200
    assert client.get("/api/v1/users", headers=viewer).status_code == 403


def test_a_key_revoked_in_another_process_is_refused_on_its_next_request(
    client: TestClient, token_for: Headers
) -> None:
    admin = token_for("admin")
    created = client.post("/api/v1/apikeys", headers=admin, json={"name": "psa", "scopes": ["findings:read"]})
    key = {"X-API-Key": created.json()["api_key"]}
    assert client.get("/api/v1/findings", headers=key).status_code == 200
    elsewhere = create_app(load_settings(), clock=ManualClock())  # another server process on the same home
    elsewhere.state.api_keys.revoke(created.json()["key"]["id"])
    refused = client.get("/api/v1/findings", headers=key)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


def test_cached_answers_still_spend_the_callers_rate_limit() -> None:
    app = create_app(load_settings(), clock=ManualClock(), caller_limit=Limit(rate=1, burst=3))
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {app.state.tokens.issue('u-1', ['viewer'])}"}
    codes = [client.get("/api/v1/findings", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_token_is_verified_once_and_the_cache_stays_bounded() -> None:
    clock = ManualClock()
    issuer = TokenIssuer("s" * 32, clock)
    checked: list[str] = []
    original = issuer.verify

    def counting(token: str) -> AccessClaims:
        checked.append(token)
        return original(token)

    issuer.verify = counting  # type: ignore[method-assign]
    tokens = VerifiedTokens(issuer, size=2)
    first, second, third = (issuer.issue(f"u-{i}", ["viewer"]) for i in range(3))
    assert tokens.verify(first).subject == tokens.verify(first).subject == "u-0"
    assert checked == [first]
    tokens.verify(second), tokens.verify(third), tokens.verify(first)  # first was evicted
    assert checked == [first, second, third, first]
    with pytest.raises(AuthenticationError):
        tokens.verify(first[:-2] + "xx")


def test_without_a_sqlite_file_nothing_is_cached() -> None:
    for url in ("sqlite://", "postgresql+psycopg://hexad@localhost/never-connected"):
        cache = ReadCache(DataVersion(sa.create_engine(url)))
        first, second = cache.answer("k", lambda: b"1"), cache.answer("k", lambda: b"2")
        assert (first, second) == (b"1", b"2")


def test_the_cache_keeps_the_most_recently_used_answers_within_its_bytes(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'data.db'}")
    cache = ReadCache(DataVersion(engine), max_bytes=10)
    for key in ("a", "b", "a", "c"):  # c pushes out b, the least recently used
        cache.answer(key, lambda key=key: key.encode() * 4)
    assert cache.computed == 3
    assert [cache.answer(key, lambda: b"again") for key in ("a", "c", "b")] == [b"aaaa", b"cccc", b"again"]
    cache.answer("huge", lambda: b"x" * 11)  # larger than the whole cache: answered, never kept
    assert cache.answer("huge", lambda: b"y") == b"y"
