import pytest

from hexad.auth.permissions import PERMISSIONS, ROLES, allowed, unknown_roles
from hexad.auth.ratelimit import Limit, RateLimiter
from hexad.runtime.clock import ManualClock

# Writes that change only the caller's own settings (their notification subscriptions and preferences).
_SELF_SERVICE = {"notifications:write"}


def test_admin_holds_every_permission_and_viewer_never_writes_shared_data() -> None:
    for permission in PERMISSIONS:
        assert allowed(["admin"], permission)
        if permission.endswith((":write", ":run", ":approve")) and permission not in _SELF_SERVICE:
            assert not allowed(["viewer"], permission), permission


def test_unknown_permission_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        allowed(["admin"], "nothing:here")


def test_unknown_roles_are_reported() -> None:
    assert set(ROLES) == {"admin", "finance", "sales", "service_manager", "viewer"}
    assert unknown_roles(["admin", "root"]) == ["root"]


def test_token_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = ManualClock()
    limiter = RateLimiter(Limit(rate=2, burst=3), clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") == 0.0
    clock.advance(0.5)
    assert limiter.take("a") == 0.0
