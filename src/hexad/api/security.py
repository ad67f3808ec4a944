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

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from hexad.auth.apikeys import ApiKeys, looks_like_api_key
from hexad.auth.oidc import OidcVerifier, issuer_of
from hexad.auth.permissions import PERMISSIONS, allowed
from hexad.auth.tokens import TokenIssuer
from hexad.errors import AuthenticationError, PermissionDeniedError

__all__ = ["Principal", "authenticate", "authenticate_request", "credential_of", "require"]


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


def authenticate(request: Request) -> Principal:
    """The caller of a request carrying a valid access token or API key."""
    credential = credential_of({"x-api-key": request.headers.get("x-api-key", ""),
                                "authorization": request.headers.get("authorization", "")})  # fmt: skip
    if credential is None:
        raise AuthenticationError(
            "expected an 'Authorization: Bearer <access token or API key>' or 'X-API-Key' header"
        )
    if looks_like_api_key(credential):
        keys: ApiKeys = request.app.state.api_keys
        key = keys.verify(credential)
        return Principal(f"apikey:{key.id}", (), False, frozenset(key.scopes))
    issuer: TokenIssuer = request.app.state.tokens
    claims = issuer.verify(credential)
    return Principal(claims.subject, claims.roles, claims.mfa)


def _external(request: Request) -> tuple[OidcVerifier, str] | None:
    """The OIDC verifier and token when the bearer token names the configured external issuer."""
    verifier: OidcVerifier | None = getattr(request.app.state, "oidc", None)
    if verifier is None:
        return None
    credential = credential_of({"authorization": request.headers.get("authorization", "")})
    if credential is None or looks_like_api_key(credential) or issuer_of(credential) != verifier.issuer:
        return None
    return verifier, credential


async def authenticate_request(request: Request) -> Principal:
    """`authenticate`, with external tokens verified off the event loop (the JWKS may be fetched)."""
    external = _external(request)
    if external is None:
        return authenticate(request)
    verifier, token = external
    identity = await run_in_threadpool(verifier.verify, token)
    return Principal(identity.subject, identity.roles, False)


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
