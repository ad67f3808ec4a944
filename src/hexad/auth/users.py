"""The built-in user pool: accounts, sign-in with lockout and MFA, first-login password change.

Sign-in is a small state machine. A right password on an account that must change its password
yields `password_change_required` (and nothing else); an account with MFA yields `mfa_required`
until a valid code is given. Repeated failures lock the account with exponential backoff (30 s after
the fifth failure, doubling up to 15 minutes), so guessing is slow while a typo costs nothing. Every
failure answers the same vague message, so sign-in does not reveal which emails exist.
"""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from hexad.auth.mfa import verify_code
from hexad.auth.passwords import PasswordPolicy, hash_password, needs_rehash, verify_password
from hexad.auth.permissions import unknown_roles
from hexad.auth.tokens import RefreshTokens, TokenIssuer
from hexad.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError
from hexad.runtime.clock import Clock

__all__ = ["LOCKOUT_AFTER", "SignIn", "User", "UserPool", "UserStore", "one_time_password"]

LOCKOUT_AFTER = 5
_LOCK_BASE_SECONDS = 30.0
_LOCK_MAX_SECONDS = 15 * 60.0
_VAGUE = "the email, password or code is not right, or the account is locked"


@dataclass(frozen=True)
class User:
    """An account as stored; `password_hash` never leaves the auth package."""

    id: str
    email: str
    name: str
    roles: tuple[str, ...]
    password_hash: str
    mfa_secret: str | None = None
    mfa_last_step: int | None = None
    must_change_password: bool = False
    disabled: bool = False
    failed_attempts: int = 0
    locked_until: float = 0.0


class UserStore(Protocol):
    """Where accounts live (the domain database in production)."""

    def get(self, user_id: str) -> User | None:
        """The account with this id, or None."""
        ...

    def find_by_email(self, email: str) -> User | None:
        """The account with this email (case-insensitive), or None."""
        ...

    def save(self, user: User) -> None:
        """Insert or replace the account."""
        ...

    def all(self) -> list[User]:
        """Every account, by email."""
        ...


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in step: tokens, or what the user must do next."""

    status: Literal["signed_in", "mfa_required", "password_change_required"]
    user_id: str
    access_token: str | None = None
    refresh_token: str | None = None


def one_time_password() -> str:
    """A random password that satisfies the policy, for new accounts and resets."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(14))
    return core + secrets.choice(string.ascii_uppercase) + secrets.choice(string.digits) + "!"


class UserPool:
    """Accounts and sign-in over a `UserStore`, issuing tokens with `TokenIssuer`/`RefreshTokens`."""

    def __init__(
        self,
        store: UserStore,
        clock: Clock,
        tokens: TokenIssuer,
        refresh: RefreshTokens,
        policy: PasswordPolicy | None = None,
    ) -> None:
        self._store, self._clock, self._tokens, self._refresh = store, clock, tokens, refresh
        self._policy = policy or PasswordPolicy()

    # --- accounts

    def add(self, email: str, name: str, roles: Sequence[str]) -> tuple[User, str]:
        """Create an account with a one-time password it must change at first sign-in."""
        email = _normalised_email(email)
        if self._store.find_by_email(email) is not None:
            raise ConflictError(f"a user with email {email} already exists")
        _check_roles(roles)
        password = one_time_password()
        user = User(
            uuid.uuid4().hex, email, name, tuple(roles), hash_password(password), must_change_password=True
        )
        self._store.save(user)
        return user, password

    def list(self) -> list[User]:
        return self._store.all()

    def get(self, user_id: str) -> User:
        """The account with this id, or `NotFoundError`."""
        return self._require(user_id)

    def find(self, email: str) -> User:
        """The account with this email; an unknown email fails like a wrong password would."""
        user = self._store.find_by_email(_normalised_email(email))
        if user is None:
            raise AuthenticationError(_VAGUE)
        return user

    def disable(self, email: str) -> User:
        """Refuse further sign-ins and end the user's sessions."""
        user = self._update(email, disabled=True)
        self._refresh.revoke_subject(user.id)
        return user

    def reset_password(self, email: str) -> str:
        """A new one-time password; every session of the user is ended."""
        password = one_time_password()
        user = self._update(email, password_hash=hash_password(password), must_change_password=True)
        self._refresh.revoke_subject(user.id)
        return password

    def reset_mfa(self, email: str) -> User:
        return self._update(email, mfa_secret=None, mfa_last_step=None)

    def enrol_mfa(self, user_id: str, secret: str, code: str) -> None:
        """Turn MFA on once the user proves their authenticator produces valid codes."""
        user = self._require(user_id)
        check = verify_code(secret, code, self._clock.time())
        if not check.ok:
            raise ValidationError("code: expected the current 6-digit code from the authenticator")
        self._store.save(replace(user, mfa_secret=secret, mfa_last_step=check.step))

    def change_password(self, user_id: str, current: str, new: str) -> None:
        user = self._require(user_id)
        if not verify_password(user.password_hash, current):
            raise AuthenticationError("the current password is not right")
        self._policy.check(new)
        if new == current:
            raise ValidationError("password: expected a password different from the current one")
        self._store.save(replace(user, password_hash=hash_password(new), must_change_password=False))

    # --- sign-in

    def sign_in(self, email: str, password: str, code: str | None = None) -> SignIn:
        """Check the password (and the MFA code when the account has MFA) and issue tokens."""
        user = self._store.find_by_email(_normalised_email(email))
        now = self._clock.time()
        if user is None or user.disabled or user.locked_until > now:
            raise AuthenticationError(_VAGUE)
        if not verify_password(user.password_hash, password):
            self._record_failure(user, now)
            raise AuthenticationError(_VAGUE)
        if user.must_change_password:
            return SignIn("password_change_required", user.id)
        if user.mfa_secret is not None:
            if code is None:
                return SignIn("mfa_required", user.id)
            check = verify_code(user.mfa_secret, code, now, user.mfa_last_step)
            if not check.ok:
                self._record_failure(user, now)
                raise AuthenticationError(_VAGUE)
            user = replace(user, mfa_last_step=check.step)
        return self._signed_in(user, password)

    def refresh(self, refresh_token: str) -> SignIn:
        """New tokens for a refresh token (rotation; a reused token ends its sessions)."""
        subject, token = self._refresh.rotate(refresh_token)
        user = self._store.get(subject)
        if user is None or user.disabled:
            raise AuthenticationError("the account is disabled")
        access = self._tokens.issue(user.id, user.roles, mfa=user.mfa_secret is not None)
        return SignIn("signed_in", user.id, access, token)

    def sign_out(self, refresh_token: str) -> None:
        self._refresh.revoke(refresh_token)

    def _signed_in(self, user: User, password: str) -> SignIn:
        rehashed = hash_password(password) if needs_rehash(user.password_hash) else user.password_hash
        self._store.save(replace(user, failed_attempts=0, locked_until=0.0, password_hash=rehashed))
        access = self._tokens.issue(user.id, user.roles, mfa=user.mfa_secret is not None)
        return SignIn("signed_in", user.id, access, self._refresh.start(user.id))

    def _record_failure(self, user: User, now: float) -> None:
        failures = user.failed_attempts + 1
        locked_until = user.locked_until
        if failures >= LOCKOUT_AFTER:
            locked_until = now + min(_LOCK_MAX_SECONDS, _LOCK_BASE_SECONDS * 2 ** (failures - LOCKOUT_AFTER))
        self._store.save(replace(user, failed_attempts=failures, locked_until=locked_until))

    # --- helpers

    def _require(self, user_id: str) -> User:
        user = self._store.get(user_id)
        if user is None:
            raise NotFoundError(f"no user has id {user_id}")
        return user

    def _update(self, email: str, **changes: object) -> User:
        user = self._store.find_by_email(_normalised_email(email))
        if user is None:
            raise NotFoundError(f"no user has email {email}")
        updated = replace(user, **changes)  # type: ignore[arg-type]
        self._store.save(updated)
        return updated


def _normalised_email(email: str) -> str:
    cleaned = email.strip().lower()
    if "@" not in cleaned or cleaned.startswith("@") or cleaned.endswith("@"):
        raise ValidationError(f"email: expected an address like name@example.com, got {email!r}")
    return cleaned


def _check_roles(roles: Sequence[str]) -> None:
    unknown = unknown_roles(roles)
    if not roles or unknown:
        raise ValidationError(
            "roles: expected one or more of admin, finance, sales, service_manager, viewer"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
