"""SNS-style delivery retry policies: how many retries, and how long to wait before each.

`delay(retry)` goes from `min_delay` at the first retry to `max_delay` at the last, along the shape
SNS names: `linear` (equal steps), `arithmetic` (steps growing by a constant), `geometric` (each
delay a constant multiple of the previous) and `exponential` (steps doubling). A failing delivery is
retried `num_retries` times, then dead-lettered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

from hexad.errors import ValidationError

__all__ = ["BACKOFF_FUNCTIONS", "Backoff", "DeliveryPolicy"]

Backoff = Literal["linear", "arithmetic", "geometric", "exponential"]
BACKOFF_FUNCTIONS: Final[tuple[str, ...]] = get_args(Backoff)
_MAX_RETRIES: Final = 100
_MAX_DELAY: Final = 3600.0


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retries of a subscription's failed deliveries (SNS numRetries, min/maxDelayTarget, backoffFunction)."""

    num_retries: int = 3
    min_delay: float = 1.0
    max_delay: float = 60.0
    backoff: str = "exponential"

    def __post_init__(self) -> None:
        if not 0 <= self.num_retries <= _MAX_RETRIES:
            raise ValidationError(
                f"delivery_policy.num_retries: expected 0-{_MAX_RETRIES}, got {self.num_retries}"
            )
        if not 0 < self.min_delay <= self.max_delay <= _MAX_DELAY:
            raise ValidationError(
                f"delivery_policy: expected 0 < min_delay <= max_delay <= {_MAX_DELAY:g} seconds, "
                f"got {self.min_delay:g} and {self.max_delay:g}"
            )
        if self.backoff not in BACKOFF_FUNCTIONS:
            raise ValidationError(
                f"delivery_policy.backoff: expected one of {', '.join(BACKOFF_FUNCTIONS)}, "
                f"got {self.backoff!r}"
            )

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1-based)."""
        low, high, count = self.min_delay, self.max_delay, self.num_retries
        if count <= 1 or retry <= 1:
            return low
        step = min(retry, count) - 1
        last = count - 1
        if self.backoff == "linear":
            share = step / last
        elif self.backoff == "arithmetic":
            share = step * (step + 1) / (last * (last + 1))
        elif self.backoff == "geometric":
            return float(low * (high / low) ** (step / last))
        else:
            share = (2**step - 1) / (2**last - 1)
        return low + (high - low) * share
