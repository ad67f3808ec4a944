"""API keys for machine clients: random secrets stored as SHA-256, scoped, expiring and revocable.

A key reads `hx_<id>_<secret>`: the id finds the stored row without a scan, the secret (256 bits from
`secrets`) proves possession. High-entropy secrets need no slow hash: SHA-256 of the whole key is
compared in constant time, so a request with a key costs one indexed read, not an argon2 round.
A key carries permissions (scopes), never roles: it may do exactly what it was granted, and granting
is limited to permissions the creator's roles hold, so a key never exceeds its creator.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from hexad.auth.permissions import PERMISSIONS
from hexad.auth.tokens import hash_token
from hexad.errors import AuthenticationError, NotFoundError, PermissionDeniedError, ValidationError
from hexad.runtime.clock import Clock

__all__ = ["KEY_PREFIX", "ApiKey", "ApiKeyStore", "ApiKeys", "looks_like_api_key"]

KEY_PREFIX = "hx_"
_KEY = re.compile(r"^hx_([0-9a-f]{16})_([A-Za-z0-9_-]{32,128})$")
_TOUCH_SECONDS = 60.0  # write `last_used_at` at most once a minute per key


@dataclass(frozen=True)
class ApiKey:
    """A stored key without its secret."""

    id: str
    name: str
    secret_hash: str
    owner: str
    scopes: tuple[str, ...]
    created_at: float
    expires_at: float | None = None
    revoked_at: float | None = None
    last_used_at: float | None = None

    def usable_at(self, now: float) -> bool:
        """Not revoked and not expired at `now`."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


class ApiKeyStore(Protocol):
    """Where keys are kept (the domain database's `api_keys` table)."""

    def get(self, key_id: str) -> ApiKey | None:
        """The key, or None."""
        ...

    def all(self) -> list[ApiKey]:
        """Every key, newest first."""
        ...

    def save(self, key: ApiKey) -> None:
        """Insert or replace."""
        ...


def looks_like_api_key(credential: str) -> bool:
    """Whether a bearer credential is an API key rather than a JWT."""
    return credential.startswith(KEY_PREFIX)


def _everything(permission: str) -> bool:
    return True


def _check_scopes(scopes: Sequence[str], may: Callable[[str], bool]) -> tuple[str, ...]:
    if not scopes:
        raise ValidationError("scopes: a key needs at least one permission, e.g. findings:read")
    unknown = sorted(set(scopes) - set(PERMISSIONS))
    if unknown:
        raise ValidationError(
            f"scopes: unknown permission(s) {', '.join(unknown)}; see hexad.auth.permissions"
        )
    beyond = sorted(scope for scope in set(scopes) if not may(scope))
    if beyond:
        raise PermissionDeniedError(
            f"scopes: you do not hold {', '.join(beyond)}, so a key you make cannot either"
        )
    return tuple(sorted(set(scopes)))


class ApiKeys:
    """Create, list, revoke and verify keys over an `ApiKeyStore` on Hexad's clock."""

    def __init__(self, store: ApiKeyStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    def create(
        self,
        name: str,
        scopes: Sequence[str],
        *,
        owner: str,
        may: Callable[[str], bool] = _everything,
        expires_in_days: float | None = 90,
    ) -> tuple[ApiKey, str]:
        """A new key and its full text (shown once; only its hash is kept).

        `may` says which permissions the creator holds (the shell's operator holds them all).
        """
        if not name.strip():
            raise ValidationError("name: a key needs a name that says which client uses it")
        if expires_in_days is not None and expires_in_days <= 0:
            raise ValidationError(f"expires_in_days: expected a positive number, got {expires_in_days}")
        granted = _check_scopes(scopes, may)
        key_id = secrets.token_hex(8)
        text = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        now = self._clock.time()
        expires = None if expires_in_days is None else now + expires_in_days * 86400
        key = ApiKey(key_id, name.strip(), hash_token(text), owner, granted, now, expires)
        self._store.save(key)
        return key, text

    def list(self) -> list[ApiKey]:
        """Every key, newest first (revoked and expired ones too, so they can be audited)."""
        return self._store.all()

    def revoke(self, key_id: str) -> ApiKey:
        """Stop a key from working at once; revoking twice keeps the first time."""
        key = self._store.get(key_id)
        if key is None:
            raise NotFoundError(f"no API key with id {key_id!r}")
        if key.revoked_at is None:
            key = replace(key, revoked_at=self._clock.time())
            self._store.save(key)
        return key

    def verify(self, text: str) -> ApiKey:
        """The key behind `text`; `AuthenticationError` when unknown, revoked or expired."""
        match = _KEY.match(text)
        key = None if match is None else self._store.get(match.group(1))
        if key is None or not hmac.compare_digest(key.secret_hash, hash_token(text)):
            raise AuthenticationError("the API key is not valid")
        now = self._clock.time()
        if key.revoked_at is not None:
            raise AuthenticationError("the API key was revoked")
        if not key.usable_at(now):
            raise AuthenticationError("the API key has expired")
        if key.last_used_at is None or now - key.last_used_at >= _TOUCH_SECONDS:
            key = replace(key, last_used_at=now)
            self._store.save(key)
        return key
