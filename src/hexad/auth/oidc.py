"""Tokens from an external OpenID Connect provider (Cognito, Entra ID, Okta, Keycloak...).

A token is accepted only when it is signed by a key in the issuer's JWKS with an asymmetric
algorithm (so `alg=none` and HMAC-with-the-public-key tokens fail), names the configured issuer and
audience, and is within its lifetime on Hexad's clock. Roles come from one claim (e.g. `groups`)
through a configured map of claim value -> Hexad role; values not in the map give nothing. The JWKS
is cached and refetched at most every 30 s when an unknown key id appears (key rotation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from hexad.errors import AuthenticationError
from hexad.runtime.clock import Clock

__all__ = ["ALGORITHMS", "ExternalIdentity", "OidcVerifier", "issuer_of"]

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
_LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class ExternalIdentity:
    """Who an external token says its bearer is, and the Hexad roles that maps to."""

    subject: str
    roles: tuple[str, ...]


def issuer_of(token: str) -> str | None:
    """The unverified `iss` claim (only to choose a verifier; never trusted by itself)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None


class OidcVerifier:
    """Verifies one issuer's tokens against its JWKS and maps a claim to roles."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str,
        clock: Clock,
        *,
        roles_claim: str = "groups",
        role_map: Mapping[str, str] | None = None,
        refetch_cooldown: float = 30.0,
    ) -> None:
        self.issuer, self._audience, self._clock = issuer, audience, clock
        self._roles_claim, self._role_map = roles_claim, dict(role_map or {})
        self._keys = jwt.PyJWKClient(
            jwks_url, cache_keys=True, lifespan=300, timeout=5, cooldown_duration=refetch_cooldown
        )

    def verify(self, token: str) -> ExternalIdentity:
        """The identity in `token`; `AuthenticationError` naming what is wrong with it."""
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token, key.key, algorithms=ALGORITHMS, audience=self._audience, issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": False,
                         "verify_iat": False, "verify_nbf": False},
            )  # fmt: skip
        except jwt.PyJWKClientError as exc:
            raise AuthenticationError(f"the identity provider's token is not valid: {exc}") from None
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"the identity provider's token is not valid: {exc}") from None
        self._check_lifetime(claims)
        return ExternalIdentity(f"oidc:{claims['sub']}", self._roles(claims))

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        now = self._clock.time()
        expires, not_before = claims.get("exp"), claims.get("nbf")
        if not isinstance(expires, int | float) or expires + _LEEWAY_SECONDS < now:
            raise AuthenticationError("the identity provider's token has expired")
        if isinstance(not_before, int | float) and not_before - _LEEWAY_SECONDS > now:
            raise AuthenticationError("the identity provider's token is not valid yet (nbf)")

    def _roles(self, claims: dict[str, Any]) -> tuple[str, ...]:
        values = claims.get(self._roles_claim, [])
        if isinstance(values, str):
            values = values.split()
        if not isinstance(values, list):
            return ()
        return tuple(
            sorted({self._role_map[v] for v in values if isinstance(v, str) and v in self._role_map})
        )
