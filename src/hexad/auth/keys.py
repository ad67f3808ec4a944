"""The token signing secret and the composition of the user pool for a deployment."""

from __future__ import annotations

import secrets
from pathlib import Path

from hexad.auth.apikeys import ApiKeys
from hexad.auth.stores import SqlApiKeyStore, SqlRefreshStore, SqlUserStore
from hexad.auth.tokens import RefreshTokens, TokenIssuer
from hexad.auth.users import UserPool
from hexad.config import Settings
from hexad.domain.database import engine_for
from hexad.runtime.clock import Clock, SystemClock

__all__ = ["api_keys", "signing_secret", "user_pool"]


def signing_secret(settings: Settings) -> str:
    """HEXAD_JWT_SECRET, else a secret generated once and kept (mode 0600) in HEXAD_HOME/secrets."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    path = Path(settings.home) / "secrets" / "jwt.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def user_pool(settings: Settings, clock: Clock | None = None, tokens: TokenIssuer | None = None) -> UserPool:
    """The user pool on the settings' domain database (issuing with `tokens` when given)."""
    clock = clock or SystemClock()
    engine = engine_for(settings)
    tokens = tokens or TokenIssuer(signing_secret(settings), clock)
    return UserPool(SqlUserStore(engine), clock, tokens, RefreshTokens(SqlRefreshStore(engine), clock))


def api_keys(settings: Settings, clock: Clock | None = None) -> ApiKeys:
    """The API keys on the settings' domain database."""
    return ApiKeys(SqlApiKeyStore(engine_for(settings)), clock or SystemClock())
