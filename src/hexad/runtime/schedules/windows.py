"""Flexible time windows: when, inside its window, a firing actually happens.

EventBridge Scheduler spreads the invocations of a schedule with a flexible window (`FLEXIBLE`,
1-1440 minutes) over `[scheduled time, scheduled time + window)`. Hexad picks the offset from a hash
of the schedule's name and the scheduled time instead of a random draw, so the offset is the same in
every process and after every restart: a scheduler that crashes and comes back neither moves a
firing nor fires it twice at two different moments.
"""

from __future__ import annotations

import hashlib

from hexad.errors import ScheduleError

__all__ = ["MAX_WINDOW_MINUTES", "check_window", "window_offset"]

MAX_WINDOW_MINUTES = 1440


def check_window(minutes: int | None) -> None:
    """Accept None (OFF) or a maximum window of 1-1440 minutes, as AWS does."""
    if minutes is not None and not 1 <= minutes <= MAX_WINDOW_MINUTES:
        raise ScheduleError(
            f"window_minutes: expected OFF (none) or 1-{MAX_WINDOW_MINUTES} minutes, got {minutes}"
        )


def window_offset(schedule: str, scheduled_at: float, window_minutes: int | None) -> float:
    """Seconds (whole, in `[0, window)`) between the scheduled time and the actual firing."""
    if not window_minutes:
        return 0.0
    key = f"{schedule}|{round(scheduled_at)}".encode()
    draw = int.from_bytes(hashlib.sha256(key).digest()[:8], "big")
    return float(draw % (window_minutes * 60))
