"""Signatures: HMAC-SHA256 on webhook deliveries, and signed links (confirm a subscription, mute a subject).

Webhooks: each delivery carries `X-Hexad-Timestamp: <unix seconds>` and
`X-Hexad-Signature: v1=<hex>`, the HMAC-SHA256 under the subscription's secret of
`"<timestamp>.<raw body>"`. A receiver recomputes it over the raw bytes it got, compares in constant
time and refuses timestamps older than a few minutes (replays); `verify_webhook` does all of that.

Links: `LinkSigner` makes URL-safe tokens `<base64url JSON>.<base64url HMAC>` carrying a purpose and
an expiry, so a link made to confirm cannot mute, and an old link stops working. Its key is derived
from Hexad's signing secret for this one use, so no new secret needs to be managed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Final

from hexad.notifications.errors import InvalidLinkError

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "LinkSigner",
    "sign_webhook",
    "verify_webhook",
]

SIGNATURE_HEADER: Final = "X-Hexad-Signature"
TIMESTAMP_HEADER: Final = "X-Hexad-Timestamp"
DEFAULT_TOLERANCE: Final = 300.0


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify_webhook(
    secret: str,
    signature: str,
    timestamp: str,
    body: bytes,
    *,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE,
) -> bool:
    """True when `signature` signs `body` at `timestamp` and the timestamp is within `tolerance` of `now`."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > tolerance:
        return False
    # bytes, not str: compare_digest refuses non-ASCII text, and a forged signature may be anything
    return hmac.compare_digest(sign_webhook(secret, sent, body).encode(), signature.strip().encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    """Makes and reads signed, expiring tokens for one-click links."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"hexad.notifications.links", hashlib.sha256).digest()

    def make(self, purpose: str, data: dict[str, Any], *, expires_at: float) -> str:
        """A token for `purpose` carrying `data`, valid until `expires_at` (unix seconds)."""
        payload = _b64(
            json.dumps({"p": purpose, "d": data, "e": int(expires_at)}, separators=(",", ":")).encode()
        )
        return f"{payload}.{self._mac(payload)}"

    def read(self, purpose: str, token: str, *, now: float) -> dict[str, Any]:
        """The data of a valid token for `purpose`; `InvalidLinkError` otherwise."""
        payload, _, mac = token.partition(".")
        if not mac or not hmac.compare_digest(self._mac(payload).encode(), mac.encode()):
            raise InvalidLinkError("link: the token is not valid (altered or not made by this Hexad)")
        try:
            content = json.loads(_unb64(payload))
        except ValueError:
            raise InvalidLinkError("link: the token's content is not readable") from None
        if content.get("p") != purpose:
            raise InvalidLinkError(f"link: this token is for {content.get('p')!r}, not {purpose!r}")
        if now > float(content.get("e", 0)):
            raise InvalidLinkError("link: the token has expired; ask for a new link")
        data: dict[str, Any] = content.get("d") or {}
        return data

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:24])
