"""Access tokens verified once per process: the claims of recent tokens, keyed by the token's hash.

A client sends the same access token with every request for its 15 minutes, and checking its HS256
signature and claims is a good part of a cheap read. Hexad's access tokens are stateless (nothing
revokes one before it expires), so a token that verified once verifies again until its expiry:
the cache re-checks only that, on the app's clock, every time. API keys and OIDC tokens are not
cached here (a revoked key must fail at once in every process, so its store is read per request).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from hexad.auth.tokens import AccessClaims, TokenIssuer

__all__ = ["VerifiedTokens"]


class VerifiedTokens:
    """`TokenIssuer.verify` with a bounded LRU of the claims of tokens already verified."""

    def __init__(self, issuer: TokenIssuer, size: int = 4096) -> None:
        self._issuer, self._size = issuer, size
        self._claims: OrderedDict[bytes, AccessClaims] = OrderedDict()
        self._lock = threading.Lock()  # sync routes authenticate from worker threads too

    def verify(self, token: str) -> AccessClaims:
        """The token's claims; `AuthenticationError` when it is not valid or has expired since."""
        key = hashlib.sha256(token.encode()).digest()
        with self._lock:
            claims = self._claims.get(key)
            if claims is not None:
                self._claims.move_to_end(key)
        if claims is None:
            claims = self._issuer.verify(token)
            self._remember(key, claims)
        else:
            self._issuer.check_unexpired(claims)
        return claims

    def _remember(self, key: bytes, claims: AccessClaims) -> None:
        with self._lock:
            self._claims[key] = claims
            while len(self._claims) > self._size:
                self._claims.popitem(last=False)
