"""External OIDC tokens: verified against the issuer's JWKS served by a local HTTP server."""

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import HMACAlgorithm, RSAAlgorithm
from pydantic import ValidationError

from hexad.api.app import create_app
from hexad.api.settings import ApiSettings
from hexad.auth.oidc import OidcVerifier
from hexad.config import load_settings
from hexad.errors import AuthenticationError
from hexad.runtime.clock import ManualClock

AUDIENCE = "hexad-api"
ROLE_MAP = {"msp-admins": "admin", "msp-finance": "finance"}


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class _Jwks(BaseHTTPRequestHandler):
    keys: ClassVar[dict[str, rsa.RSAPrivateKey]] = {}
    fetches: ClassVar[int] = 0

    def do_GET(self) -> None:
        type(self).fetches += 1
        public = {kid: json.loads(RSAAlgorithm.to_jwk(key.public_key())) for kid, key in self.keys.items()}
        jwks = [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"} for kid, jwk in public.items()]
        body = json.dumps({"keys": jwks}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def issuer() -> Iterator[str]:
    _Jwks.keys, _Jwks.fetches = {"k1": _key()}, 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(issuer: str) -> FastAPI:
    settings = ApiSettings(oidc_issuer=issuer, oidc_audience=AUDIENCE, oidc_role_map=json.dumps(ROLE_MAP))
    clock = ManualClock()
    clock.set(time.time())
    return create_app(load_settings(), clock=clock, api_settings=settings)


def _token(issuer: str, kid: str = "k1", **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": issuer, "aud": AUDIENCE, "sub": "entra-123", "iat": now, "exp": now + 300,
              "groups": ["msp-finance", "everyone"], **overrides}  # fmt: skip
    key = _Jwks.keys.get(kid) or _key()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _get(app: FastAPI, token: str, path: str = "/api/v1/spend/departments") -> Any:
    return TestClient(app).get(path, headers={"Authorization": f"Bearer {token}"})


def test_a_valid_token_maps_its_groups_to_roles(app: FastAPI, issuer: str) -> None:
    assert _get(app, _token(issuer), "/api/v1/findings").status_code == 200
    assert _get(app, _token(issuer), "/api/v1/users").status_code == 403  # finance, not admin
    assert _get(app, _token(issuer, groups=["msp-admins"]), "/api/v1/users").status_code == 200
    denied = _get(app, _token(issuer, groups=["strangers"]), "/api/v1/findings")
    assert denied.status_code == 403


def _unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]


@pytest.mark.parametrize("case", ["wrong_issuer", "expired", "unknown_kid", "alg_none", "wrong_audience",
                                  "hmac_with_public_key", "not_yet_valid", "other_key_same_kid"])  # fmt: skip
def test_bad_external_tokens_are_refused(app: FastAPI, issuer: str, case: str) -> None:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": "x",
        "iat": now,
        "exp": now + 300,
        "groups": ["msp-admins"],
    }
    public_pem = (
        _Jwks.keys["k1"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    tokens = {
        "wrong_issuer": lambda: _token("https://login.evil.example", groups=["msp-admins"]),
        "expired": lambda: _token(issuer, iat=now - 4000, exp=now - 3600),
        "unknown_kid": lambda: _token(issuer, kid="k-unknown"),
        "alg_none": lambda: _unsigned(claims),
        "wrong_audience": lambda: _token(issuer, aud="someone-else"),
        "hmac_with_public_key": lambda: _hmac(claims, public_pem),
        "not_yet_valid": lambda: _token(issuer, nbf=now + 3600),
        "other_key_same_kid": lambda: jwt.encode(claims, _key(), algorithm="RS256", headers={"kid": "k1"}),
    }
    response = _get(app, tokens[case](), "/api/v1/findings")
    assert response.status_code == 401, (case, response.text)
    assert response.headers["www-authenticate"] == "Bearer"


def _hmac(claims: dict[str, Any], secret: bytes) -> str:
    """An HS256 token keyed with the public key's PEM (PyJWT refuses to make one, so by hand)."""
    header = {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    payload = json.dumps(claims).encode()
    algorithm = HMACAlgorithm(HMACAlgorithm.SHA256)

    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    signing_input = part(json.dumps(header).encode()) + b"." + part(payload)
    return (signing_input + b"." + part(algorithm.sign(signing_input, secret))).decode()


def test_keys_are_cached_and_a_rotated_key_is_fetched_when_first_used(issuer: str) -> None:
    clock = ManualClock()
    clock.set(time.time())
    verifier = OidcVerifier(
        issuer, AUDIENCE, f"{issuer}/jwks", clock, role_map=ROLE_MAP, refetch_cooldown=0.0
    )
    assert verifier.verify(_token(issuer)).roles == ("finance",)
    fetched = _Jwks.fetches
    for _ in range(3):
        verifier.verify(_token(issuer))
    assert _Jwks.fetches == fetched
    _Jwks.keys["k2"] = _key()
    assert verifier.verify(_token(issuer, kid="k2", sub="s-2")).subject == "oidc:s-2"
    assert _Jwks.fetches == fetched + 1


def test_unknown_key_ids_do_not_refetch_within_the_cooldown(issuer: str) -> None:
    verifier = OidcVerifier(issuer, AUDIENCE, f"{issuer}/jwks", ManualClock(), role_map=ROLE_MAP)
    with pytest.raises(AuthenticationError):
        verifier.verify(_token(issuer, kid="k-none-1"))
    fetched = _Jwks.fetches
    for n in range(3):
        with pytest.raises(AuthenticationError):
            verifier.verify(_token(issuer, kid=f"k-none-{n + 2}"))
    assert _Jwks.fetches == fetched


def test_hexad_tokens_still_work_beside_external_ones(app: FastAPI) -> None:
    local = app.state.tokens.issue("u-1", ["viewer"])
    assert _get(app, local, "/api/v1/findings").status_code == 200


def test_settings_refuse_an_issuer_without_audience_or_unknown_roles() -> None:
    with pytest.raises(ValidationError, match="HEXAD_OIDC_AUDIENCE"):
        ApiSettings(oidc_issuer="https://login.example")
    with pytest.raises(ValidationError, match="root"):
        ApiSettings(oidc_role_map='{"ops": "root"}')
    with pytest.raises(ValidationError, match="http"):
        ApiSettings(oidc_issuer="login.example", oidc_audience="x")


def test_an_external_token_opens_the_live_websocket(app: FastAPI, issuer: str) -> None:
    with TestClient(app).websocket_connect("/api/v1/live") as socket:
        socket.send_json({"token": _token(issuer), "pattern": {"source": ["hexad.test"]}})
        assert socket.receive_json() == {"type": "subscribed"}
