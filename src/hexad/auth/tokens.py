"""Signed access tokens (JWT, HS256) and opaque refresh tokens with rotation and reuse detection.

Access tokens live 15 minutes and carry the user id, roles and whether MFA was passed. Verification
pins the algorithm list (so `alg=none` and algorithm-confusion tokens fail), requires `exp`, `iat`,
`sub` and the issuer, and allows 10 s of clock skew.

Refresh tokens are random strings; only their SHA-256 is stored. Each login starts a family; using a
refresh token retires it and issues the next in the same family. Presenting a retired token again
means it was stolen (OAuth 2.0 Security BCP, "refresh token rotation"): the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import jwt

from hexad.errors import AuthenticationError
from hexad.runtime.clock import Clock

__all__ = [
    "ACCESS_TOKEN_SECONDS",
    "REFRESH_TOKEN_SECONDS",
    "AccessClaims",
    "RefreshRecord",
    "RefreshStore",
    "RefreshTokens",
    "TokenIssuer",
    "hash_token",
]

ACCESS_TOKEN_SECONDS = 15 * 60
REFRESH_TOKEN_SECONDS = 30 * 24 * 3600
_ALGORITHM = "HS256"
_LEEWAY_SECONDS = 10


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says about its bearer."""

    subject: str
    roles: tuple[str, ...]
    mfa: bool
    expires_at: float
    token_id: str


class TokenIssuer:
    """Issues and verifies access tokens signed with the deployment's secret."""

    def __init__(self, secret: str, clock: Clock, *, issuer: str = "hexad") -> None:
        if len(secret) < 32:
            raise ValueError("the token signing secret must be at least 32 characters")
        self._secret, self._clock, self._issuer = secret, clock, issuer

    def issue(self, subject: str, roles: Sequence[str], *, mfa: bool = False) -> str:
        """A signed access token valid for `ACCESS_TOKEN_SECONDS`."""
        now = int(self._clock.time())
        claims = {
            "iss": self._issuer,
            "sub": subject,
            "iat": now,
            "exp": now + ACCESS_TOKEN_SECONDS,
            "jti": uuid.uuid4().hex,
            "roles": list(roles),
            "mfa": mfa,
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(self, token: str) -> AccessClaims:
        """The token's claims; `AuthenticationError` for anything expired, tampered or foreign."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=self._issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "iss"], "verify_exp": False, "verify_iat": False},
            )
            self._check_time(claims)
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("the access token has expired") from None
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"the access token is not valid: {exc}") from None
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise AuthenticationError("the access token is not valid: roles must be a list of names")
        return AccessClaims(
            subject=str(claims["sub"]),
            roles=tuple(roles),
            mfa=bool(claims.get("mfa")),
            expires_at=float(claims["exp"]),
            token_id=str(claims.get("jti", "")),
        )

    def check_unexpired(self, claims: AccessClaims) -> None:
        """`AuthenticationError` once `claims` are past their expiry (for claims verified earlier)."""
        if claims.expires_at + _LEEWAY_SECONDS < self._clock.time():
            raise AuthenticationError("the access token has expired")

    def _check_time(self, claims: dict[str, object]) -> None:
        """Expiry is checked against Hexad's clock (PyJWT would use the wall clock)."""
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or expires + _LEEWAY_SECONDS < self._clock.time():
            raise jwt.ExpiredSignatureError("expired")


def hash_token(token: str) -> str:
    """The stored form of an opaque token (tokens have 256 bits of entropy, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RefreshRecord:
    """One refresh token as stored: its hash, family, owner, expiry and whether it was used."""

    token_hash: str
    family: str
    subject: str
    expires_at: float
    used: bool = False
    revoked: bool = False


class RefreshStore(Protocol):
    """Where refresh tokens are kept (the domain database in production)."""

    def get(self, token_hash: str) -> RefreshRecord | None:
        """The record, or None when the token was never issued."""
        ...

    def save(self, record: RefreshRecord) -> None:
        """Insert or replace the record."""
        ...

    def revoke_family(self, family: str) -> int:
        """Revoke every token of the family; returns how many."""
        ...

    def revoke_subject(self, subject: str) -> int:
        """Revoke every token of a user (logout everywhere, password reset)."""
        ...


class RefreshTokens:
    """Rotation with reuse detection over a `RefreshStore`."""

    def __init__(self, store: RefreshStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    def start(self, subject: str) -> str:
        """A new family's first token (at login)."""
        return self._issue(subject, uuid.uuid4().hex)

    def rotate(self, token: str) -> tuple[str, str]:
        """Retire `token` and return (subject, next token); a reused token revokes its family."""
        record = self._store.get(hash_token(token))
        if record is None or record.revoked:
            raise AuthenticationError("the refresh token is not valid")
        if record.used:
            self._store.revoke_family(record.family)
            raise AuthenticationError("the refresh token was already used; its sessions are now revoked")
        if record.expires_at < self._clock.time():
            raise AuthenticationError("the refresh token has expired")
        self._store.save(replace(record, used=True))
        return record.subject, self._issue(record.subject, record.family)

    def revoke(self, token: str) -> None:
        """Log out: revoke the family of `token` (unknown tokens are ignored)."""
        record = self._store.get(hash_token(token))
        if record is not None:
            self._store.revoke_family(record.family)

    def revoke_subject(self, subject: str) -> int:
        """End every session of a user (password reset, account disabled)."""
        return self._store.revoke_subject(subject)

    def _issue(self, subject: str, family: str) -> str:
        token = secrets.token_urlsafe(32)
        expires = self._clock.time() + REFRESH_TOKEN_SECONDS
        self._store.save(RefreshRecord(hash_token(token), family, subject, expires))
        return token
