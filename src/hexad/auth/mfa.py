"""Time-based one-time passwords (RFC 6238) for multi-factor sign-in, with pyotp.

A code is accepted in the current 30-second step or the one before or after (clock drift), and a
code that was already used cannot be used again within its window (the caller stores the last
accepted step per user and passes it back).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyotp

__all__ = ["TotpCheck", "new_secret", "provisioning_uri", "verify_code"]

_STEP_SECONDS = 30


@dataclass(frozen=True)
class TotpCheck:
    """The outcome of a code check; `step` is the accepted time step, to store against replay."""

    ok: bool
    step: int | None = None


def new_secret() -> str:
    """A random base32 secret for a new authenticator enrolment."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str = "Hexad") -> str:
    """The `otpauth://` URI an authenticator app reads (usually from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def verify_code(secret: str, code: str, now: float, last_step: int | None = None) -> TotpCheck:
    """Accept `code` for the step at `now` +/- one step, never for a step at or before `last_step`."""
    cleaned = code.strip().replace(" ", "")
    if not (cleaned.isdigit() and len(cleaned) == 6):
        return TotpCheck(False)
    totp = pyotp.TOTP(secret)
    current = int(now // _STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if totp.at(step * _STEP_SECONDS) == cleaned:
            return TotpCheck(True, step)
    return TotpCheck(False)
