import pyotp
import pytest

from hexad.auth.mfa import new_secret
from hexad.auth.tokens import RefreshTokens, TokenIssuer
from hexad.auth.users import LOCKOUT_AFTER, UserPool
from hexad.errors import AuthenticationError, ConflictError, ValidationError
from hexad.runtime.clock import ManualClock
from tests.unit.auth.memory_stores import MemoryRefreshStore, MemoryUserStore

NEW_PASSWORD = "Harbour-lights-42"


def _pool() -> tuple[UserPool, ManualClock, TokenIssuer]:
    clock = ManualClock()
    issuer = TokenIssuer("k" * 40, clock)
    return (
        UserPool(MemoryUserStore(), clock, issuer, RefreshTokens(MemoryRefreshStore(), clock)),
        clock,
        issuer,
    )


def _active_user(pool: UserPool, roles: tuple[str, ...] = ("finance",)) -> str:
    user, once = pool.add("Ana@Example.com", "Ana", roles)
    pool.change_password(user.id, once, NEW_PASSWORD)
    return user.id


def test_first_sign_in_demands_a_password_change() -> None:
    pool, _, issuer = _pool()
    user, once = pool.add("ana@example.com", "Ana", ["finance"])
    assert pool.sign_in("ana@example.com", once).status == "password_change_required"
    with pytest.raises(ValidationError, match="a symbol"):
        pool.change_password(user.id, once, "Weakpass1")
    pool.change_password(user.id, once, NEW_PASSWORD)
    result = pool.sign_in("ANA@example.com", NEW_PASSWORD)
    assert result.status == "signed_in" and result.access_token and result.refresh_token
    assert issuer.verify(result.access_token).roles == ("finance",)


def test_duplicate_emails_and_unknown_roles_are_refused() -> None:
    pool, _, _ = _pool()
    pool.add("ana@example.com", "Ana", ["viewer"])
    with pytest.raises(ConflictError):
        pool.add("ANA@example.com", "Ana again", ["viewer"])
    with pytest.raises(ValidationError, match="unknown: root"):
        pool.add("bo@example.com", "Bo", ["root"])


def test_repeated_failures_lock_the_account_with_backoff() -> None:
    pool, clock, _ = _pool()
    _active_user(pool)
    for _ in range(LOCKOUT_AFTER):
        with pytest.raises(AuthenticationError):
            pool.sign_in("ana@example.com", "wrong")
    with pytest.raises(AuthenticationError):
        pool.sign_in("ana@example.com", NEW_PASSWORD)  # locked, even with the right password
    clock.advance(31)
    assert pool.sign_in("ana@example.com", NEW_PASSWORD).status == "signed_in"


def test_unknown_email_and_wrong_password_fail_alike() -> None:
    pool, _, _ = _pool()
    _active_user(pool)
    messages = []
    for email, password in [("nobody@example.com", NEW_PASSWORD), ("ana@example.com", "wrong")]:
        with pytest.raises(AuthenticationError) as caught:
            pool.sign_in(email, password)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


def test_mfa_needs_a_fresh_code_that_cannot_be_replayed() -> None:
    pool, clock, issuer = _pool()
    user_id = _active_user(pool)
    secret = new_secret()
    pool.enrol_mfa(user_id, secret, pyotp.TOTP(secret).at(clock.time()))
    assert pool.sign_in("ana@example.com", NEW_PASSWORD).status == "mfa_required"
    clock.advance(30)
    code = pyotp.TOTP(secret).at(clock.time())
    result = pool.sign_in("ana@example.com", NEW_PASSWORD, code)
    assert result.access_token and issuer.verify(result.access_token).mfa
    with pytest.raises(AuthenticationError):
        pool.sign_in("ana@example.com", NEW_PASSWORD, code)


def test_refresh_rotates_and_reset_or_disable_ends_sessions() -> None:
    pool, _, _ = _pool()
    _active_user(pool)
    first = pool.sign_in("ana@example.com", NEW_PASSWORD)
    assert first.refresh_token
    second = pool.refresh(first.refresh_token)
    assert second.refresh_token and second.refresh_token != first.refresh_token
    pool.reset_password("ana@example.com")
    with pytest.raises(AuthenticationError):
        pool.refresh(second.refresh_token)
    with pytest.raises(AuthenticationError):
        pool.sign_in("ana@example.com", NEW_PASSWORD)


def test_disabled_accounts_cannot_sign_in() -> None:
    pool, _, _ = _pool()
    _active_user(pool)
    pool.disable("ana@example.com")
    with pytest.raises(AuthenticationError):
        pool.sign_in("ana@example.com", NEW_PASSWORD)
