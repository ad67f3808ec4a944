"""Who is calling and may they: bearer-token authentication and per-route permissions.

Every route under /api/v1 depends on `require(permission)`; the permission names and the roles that
hold them live in `hexad.auth.permissions`, the one table of who may do what. `require` marks its
dependency with the permission so a test can walk every route and check it is guarded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request

from hexad.auth.permissions import PERMISSIONS, allowed
from hexad.auth.tokens import TokenIssuer
from hexad.errors import AuthenticationError, PermissionDeniedError

__all__ = ["Principal", "authenticate", "require"]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    subject: str
    roles: tuple[str, ...]
    mfa: bool


def authenticate(request: Request) -> Principal:
    """The caller of a request with a valid `Authorization: Bearer <token>` header."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("expected an 'Authorization: Bearer <access token>' header")
    issuer: TokenIssuer = request.app.state.tokens
    claims = issuer.verify(token.strip())
    return Principal(claims.subject, claims.roles, claims.mfa)


def require(permission: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that authenticates the caller and checks they hold `permission`."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}: add it to hexad.auth.permissions")

    async def dependency(request: Request) -> Principal:
        principal = authenticate(request)
        if not allowed(principal.roles, permission):
            raise PermissionDeniedError(f"this needs the {permission!r} permission, which your roles lack")
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency
