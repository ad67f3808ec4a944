"""API keys: hashed at rest, scoped, expiring and revocable."""

import pytest

from hexad.auth.apikeys import ApiKey, ApiKeys, looks_like_api_key
from hexad.auth.tokens import hash_token
from hexad.errors import AuthenticationError, NotFoundError, PermissionDeniedError, ValidationError
from hexad.runtime.clock import ManualClock


class MemoryKeyStore:
    def __init__(self) -> None:
        self.keys: dict[str, ApiKey] = {}

    def get(self, key_id: str) -> ApiKey | None:
        return self.keys.get(key_id)

    def all(self) -> list[ApiKey]:
        return sorted(self.keys.values(), key=lambda k: -k.created_at)

    def save(self, key: ApiKey) -> None:
        self.keys[key.id] = key


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def keys(clock: ManualClock) -> ApiKeys:
    return ApiKeys(MemoryKeyStore(), clock)


def test_only_the_hash_is_stored_and_the_key_verifies(keys: ApiKeys) -> None:
    key, text = keys.create("psa-sync", ["findings:read", "findings:read", "tasks:write"], owner="u-1")
    assert looks_like_api_key(text) and key.id in text
    assert key.secret_hash == hash_token(text) and text not in repr(key)
    assert key.scopes == ("findings:read", "tasks:write")
    assert keys.verify(text).id == key.id


def test_a_changed_secret_or_unknown_id_is_refused(keys: ApiKeys) -> None:
    _, text = keys.create("psa-sync", ["findings:read"], owner="u-1")
    forged = text[:-2] + ("aa" if not text.endswith("aa") else "bb")
    for bad in (forged, "hx_0000000000000000_" + "a" * 43, "hx_short", "not-a-key"):
        with pytest.raises(AuthenticationError, match="not valid"):
            keys.verify(bad)


def test_keys_expire_and_can_be_revoked(keys: ApiKeys, clock: ManualClock) -> None:
    _, short = keys.create("nightly", ["findings:read"], owner="u-1", expires_in_days=1)
    forever, lasting = keys.create("forever", ["findings:read"], owner="u-1", expires_in_days=None)
    clock.advance(86400 + 1)
    with pytest.raises(AuthenticationError, match="expired"):
        keys.verify(short)
    assert keys.verify(lasting).id == forever.id
    keys.revoke(forever.id)
    with pytest.raises(AuthenticationError, match="revoked"):
        keys.verify(lasting)
    with pytest.raises(NotFoundError, match="nope"):
        keys.revoke("nope")


def test_scopes_must_be_known_and_held_by_the_creator(keys: ApiKeys) -> None:
    with pytest.raises(ValidationError, match="findings:delete"):
        keys.create("x", ["findings:delete"], owner="u-1")
    with pytest.raises(ValidationError, match="at least one"):
        keys.create("x", [], owner="u-1")
    with pytest.raises(PermissionDeniedError, match="users:write"):
        keys.create("x", ["users:write", "findings:read"], owner="u-1", may=lambda p: p == "findings:read")


def test_last_use_is_recorded_at_most_once_a_minute(keys: ApiKeys, clock: ManualClock) -> None:
    _, text = keys.create("psa-sync", ["findings:read"], owner="u-1")
    first = keys.verify(text).last_used_at
    clock.advance(10)
    keys.verify(text)
    assert keys.list()[0].last_used_at == first
    clock.advance(60)
    keys.verify(text)
    assert keys.list()[0].last_used_at == clock.time()
