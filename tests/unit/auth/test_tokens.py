import base64
import json

import jwt
import pytest

from hexad.auth.tokens import ACCESS_TOKEN_SECONDS, RefreshTokens, TokenIssuer
from hexad.errors import AuthenticationError
from hexad.runtime.clock import ManualClock
from tests.unit.auth.memory_stores import MemoryRefreshStore

SECRET = "s" * 40


def test_access_token_round_trip() -> None:
    issuer = TokenIssuer(SECRET, ManualClock())
    claims = issuer.verify(issuer.issue("u1", ["finance"], mfa=True))
    assert (claims.subject, claims.roles, claims.mfa) == ("u1", ("finance",), True)


def test_expired_token_is_rejected() -> None:
    clock = ManualClock()
    issuer = TokenIssuer(SECRET, clock)
    token = issuer.issue("u1", ["viewer"])
    clock.advance(ACCESS_TOKEN_SECONDS + 11)
    with pytest.raises(AuthenticationError, match="expired"):
        issuer.verify(token)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_tampered_alg_none_foreign_issuer_and_foreign_key_are_rejected() -> None:
    clock = ManualClock()
    issuer = TokenIssuer(SECRET, clock)
    header, _payload, signature = issuer.issue("u1", ["viewer"]).split(".")
    claims = jwt.decode(issuer.issue("u1", ["viewer"]), options={"verify_signature": False})
    admin = _b64({**claims, "roles": ["admin"]})
    forged = [
        f"{header}.{admin}.{signature}",
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{admin}.",
        jwt.encode({**claims, "iss": "elsewhere"}, SECRET, algorithm="HS256"),
        jwt.encode(claims, "k" * 40, algorithm="HS256"),
        "not-a-token",
    ]
    for token in forged:
        with pytest.raises(AuthenticationError):
            issuer.verify(token)


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 characters"):
        TokenIssuer("short", ManualClock())


def test_refresh_rotation_and_reuse_detection_revokes_the_family() -> None:
    store = MemoryRefreshStore()
    tokens = RefreshTokens(store, ManualClock())
    first = tokens.start("u1")
    subject, second = tokens.rotate(first)
    assert subject == "u1"
    with pytest.raises(AuthenticationError, match="already used"):
        tokens.rotate(first)
    with pytest.raises(AuthenticationError, match="not valid"):
        tokens.rotate(second)


def test_logout_revokes_and_expiry_is_enforced() -> None:
    clock = ManualClock()
    tokens = RefreshTokens(MemoryRefreshStore(), clock)
    token = tokens.start("u1")
    tokens.revoke(token)
    with pytest.raises(AuthenticationError):
        tokens.rotate(token)
    fresh = tokens.start("u2")
    clock.advance(31 * 24 * 3600)
    with pytest.raises(AuthenticationError, match="expired"):
        tokens.rotate(fresh)
