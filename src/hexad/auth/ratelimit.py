"""Token buckets: a request spends a token; tokens refill at a steady rate up to a burst size.

Written by hand because the limiter must run on Hexad's `Clock` (testable without sleeping) and be
keyed per user, per API key and for the whole API at once; the algorithm is ten lines.
Defaults follow the seed's API Gateway throttling: 10,000 requests/s with a 5,000 burst for the API,
and a lower per-caller budget so one client cannot starve the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from hexad.runtime.clock import Clock

__all__ = ["API_LIMIT", "CALLER_LIMIT", "Limit", "RateLimiter"]


@dataclass(frozen=True)
class Limit:
    """`rate` tokens per second, at most `burst` saved up."""

    rate: float
    burst: float


API_LIMIT = Limit(rate=10_000, burst=5_000)
CALLER_LIMIT = Limit(rate=50, burst=100)
_MAX_KEYS = 100_000


class RateLimiter:
    """One bucket per key; `take` answers whether the request may go ahead and, if not, when."""

    def __init__(self, limit: Limit, clock: Clock) -> None:
        self._limit, self._clock = limit, clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, cost: float = 1.0) -> float:
        """0.0 when allowed (and the tokens are spent), else the seconds until it would be."""
        now = self._clock.time()
        tokens, stamp = self._buckets.get(key, (self._limit.burst, now))
        tokens = min(self._limit.burst, tokens + (now - stamp) * self._limit.rate)
        if tokens >= cost:
            self._remember(key, (tokens - cost, now))
            return 0.0
        self._remember(key, (tokens, now))
        return (cost - tokens) / self._limit.rate

    def _remember(self, key: str, bucket: tuple[float, float]) -> None:
        if len(self._buckets) >= _MAX_KEYS and key not in self._buckets:
            self._buckets.clear()  # full buckets for everyone is the safe direction to fail
        self._buckets[key] = bucket
