"""The API's own settings (`HEXAD_*`): CORS, the per-caller rate limit, an external OIDC provider.

Kept beside the API rather than in `hexad.config` because only the API process reads them; they
come from the same environment and `.env` file. A bad value stops the API at start-up, naming the
variable.
"""

from __future__ import annotations

import json
from functools import cached_property

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hexad.auth.oidc import OidcVerifier
from hexad.auth.permissions import ROLES
from hexad.auth.ratelimit import CALLER_LIMIT
from hexad.runtime.clock import Clock

__all__ = ["ApiSettings"]


def _names(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class ApiSettings(BaseSettings):
    """CORS origins, the per-caller rate limit, and OIDC issuer, audience, JWKS and role mapping."""

    model_config = SettingsConfigDict(env_prefix="HEXAD_", env_file=".env", extra="ignore")

    cors_origins: str = Field(
        "", description="comma-separated origins allowed by CORS, e.g. https://ops.msp.example"
    )
    oidc_issuer: str | None = Field(None, description="issuer (iss) of accepted external tokens")
    oidc_audience: str | None = Field(None, description="audience (aud) external tokens must name")
    oidc_jwks_url: str | None = Field(
        None, description="the issuer's JWKS; default <issuer>/.well-known/jwks.json"
    )
    oidc_roles_claim: str = Field("groups", description="claim holding the caller's groups or roles")
    caller_rate: float = Field(
        CALLER_LIMIT.rate, gt=0, description="requests/s each caller (user, key, address) may make"
    )
    caller_burst: float = Field(
        CALLER_LIMIT.burst, gt=0, description="requests a caller may make at once after a pause"
    )
    oidc_role_map: str = Field(
        "{}", description='JSON: claim value -> Hexad role, e.g. {"msp-admins": "admin"}'
    )
    live_queue_size: int = Field(
        256,
        ge=1,
        le=100_000,
        description="events a live client may fall behind before it is closed",
    )

    @field_validator("oidc_role_map")
    @classmethod
    def _check_role_map(cls, value: str) -> str:
        try:
            mapping = json.loads(value or "{}")
        except ValueError as exc:
            raise ValueError(f"expected a JSON object of claim value -> role ({exc})") from None
        if not isinstance(mapping, dict) or not all(isinstance(k, str) for k in mapping):
            raise ValueError("expected a JSON object of claim value -> role")
        unknown = sorted({str(role) for role in mapping.values()} - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; expected {', '.join(ROLES)}")
        return value

    @field_validator("oidc_issuer", "oidc_jwks_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("expected an http(s):// URL")
        return value.rstrip("/") if value else None

    @model_validator(mode="after")
    def _audience_with_issuer(self) -> ApiSettings:
        if self.oidc_issuer and not self.oidc_audience:
            raise ValueError(
                "HEXAD_OIDC_AUDIENCE is required when HEXAD_OIDC_ISSUER is set (the API's client id)"
            )
        return self

    def oidc_verifier(self, clock: Clock) -> OidcVerifier | None:
        """The external issuer's verifier, or None when no issuer is configured."""
        if not self.oidc_issuer or not self.oidc_audience or not self.jwks_url:
            return None
        return OidcVerifier(self.oidc_issuer, self.oidc_audience, self.jwks_url, clock,
                            roles_claim=self.oidc_roles_claim, role_map=self.role_map)  # fmt: skip

    @cached_property
    def allowed_origins(self) -> list[str]:
        """The CORS allow-list."""
        return _names(self.cors_origins)

    @cached_property
    def role_map(self) -> dict[str, str]:
        """Claim value -> Hexad role."""
        mapping: dict[str, str] = {str(k): str(v) for k, v in json.loads(self.oidc_role_map or "{}").items()}
        return mapping

    @property
    def jwks_url(self) -> str | None:
        """Where the issuer's signing keys are published."""
        if self.oidc_jwks_url:
            return self.oidc_jwks_url
        return f"{self.oidc_issuer}/.well-known/jwks.json" if self.oidc_issuer else None
