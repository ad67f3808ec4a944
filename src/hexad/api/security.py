"""Who is calling and may they: bearer tokens, API keys and per-route permissions.

Every route under /api/v1 depends on `require(permission)`; the permission names and the roles that
hold them live in `hexad.auth.permissions`, the one table of who may do what. `require` marks its
dependency with the permission so a test can walk every route and check it is guarded.

A caller proves who they are with `Authorization: Bearer <access token>` (Hexad's own JWT, or one
from the configured OIDC issuer), the same header with an API key (`hx_...`), or `X-API-Key: hx_...`.
A user holds roles; a key holds scopes (permissions) and may use only those.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from hexad.api.token_cache import VerifiedTokens
from hexad.auth.apikeys import ApiKeys, looks_like_api_key
from hexad.auth.oidc import OidcVerifier, issuer_of
from hexad.auth.permissions import PERMISSIONS, allowed
from hexad.auth.tokens import TokenIssuer
from hexad.errors import AuthenticationError, PermissionDeniedError

__all__ = [
    "Principal",
    "authenticate",
    "authenticate_request",
    "credential_of",
    "require",
    "verify_credential",
]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller; `scopes` is set for an API key and limits it to those permissions."""

    subject: str
    roles: tuple[str, ...]
    mfa: bool
    scopes: frozenset[str] | None = None

    def may(self, permission: str) -> bool:
        """Whether this caller holds `permission`."""
        if self.scopes is not None:
            return permission in self.scopes
        return allowed(self.roles, permission)


def credential_of(headers: dict[str, str]) -> str | None:
    """The bearer token or API key a request carries (lower-case header names), or None."""
    key = headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _principal(state: Any, credential: str) -> Principal:
    if looks_like_api_key(credential):
        keys: ApiKeys = state.api_keys
        key = keys.verify(credential)
        return Principal(f"apikey:{key.id}", (), False, frozenset(key.scopes))
    verifier: OidcVerifier | None = getattr(state, "oidc", None)
    if verifier is not None and issuer_of(credential) == verifier.issuer:
        identity = verifier.verify(credential)
        return Principal(identity.subject, identity.roles, False)
    issuer: VerifiedTokens | TokenIssuer = getattr(state, "verified_tokens", None) or state.tokens
    claims = issuer.verify(credential)
    return Principal(claims.subject, claims.roles, claims.mfa)


def _credential(request: Request) -> str:
    headers = request.headers
    credential = credential_of({"x-api-key": headers.get("x-api-key", ""),
                                "authorization": headers.get("authorization", "")})  # fmt: skip
    if credential is None:
        raise AuthenticationError(
            "expected an 'Authorization: Bearer <access token or API key>' or 'X-API-Key' header"
        )
    return credential


async def verify_credential(state: Any, credential: str) -> Principal:
    """The caller behind a bearer token or API key, for HTTP requests and the live WebSocket alike.

    An external token is verified in a worker thread, since its issuer's JWKS may have to be fetched.
    """
    verifier: OidcVerifier | None = getattr(state, "oidc", None)
    if verifier is not None and issuer_of(credential) == verifier.issuer:
        return await run_in_threadpool(_principal, state, credential)
    return _principal(state, credential)


def authenticate(request: Request) -> Principal:
    """The caller of a request, checked on this thread (for ASGI code outside FastAPI's dependencies)."""
    return _principal(request.app.state, _credential(request))


async def authenticate_request(request: Request) -> Principal:
    """The caller of a request carrying a valid access token, OIDC token or API key."""
    return await verify_credential(request.app.state, _credential(request))


def require(permission: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that authenticates the caller and checks they hold `permission`."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}: add it to hexad.auth.permissions")

    async def dependency(request: Request) -> Principal:
        principal = await authenticate_request(request)
        if not principal.may(permission):
            raise PermissionDeniedError(f"this needs the {permission!r} permission, which you lack")
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency
