"""Errors in flight inside an execution, and the Retry / Catch rules that handle them.

`StateFailure` carries an ASL error name and cause from the state that failed to the state (or the
execution) that handles it. Matching follows the Step Functions guide: `States.ALL` matches every
error, `States.TaskFailed` every error but `States.Timeout`, and neither matches the terminal
`States.Runtime` and `States.DataLimitExceeded`, which always fail the execution.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

__all__ = [
    "ERROR_NAMES",
    "TERMINAL_ERRORS",
    "Chance",
    "ExecutionAborted",
    "StateFailure",
    "Suspended",
    "error_of",
    "find_rule",
    "retry_delay",
]

ERROR_NAMES = frozenset(
    {
        "States.ALL",
        "States.DataLimitExceeded",
        "States.ExceedToleratedFailureThreshold",
        "States.HeartbeatTimeout",
        "States.IntrinsicFailure",
        "States.NoChoiceMatched",
        "States.ParameterPathFailure",
        "States.QueryEvaluationError",
        "States.Permissions",
        "States.ResultPathMatchFailure",
        "States.Runtime",
        "States.TaskFailed",
        "States.Timeout",
        "States.BranchFailed",
    }
)
TERMINAL_ERRORS = frozenset({"States.Runtime", "States.DataLimitExceeded"})


class StateFailure(Exception):  # noqa: N818 - the guide's term for an error in flight
    """A state failed with an ASL error name and a cause (what the guide calls an error output)."""

    def __init__(self, error: str, cause: str = "") -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause

    def as_output(self) -> dict[str, str]:
        """The error output a Catch passes on: `{"Error": ..., "Cause": ...}`."""
        return {"Error": self.error, "Cause": self.cause}


class Suspended(Exception):  # noqa: N818 - a control-flow signal, not an error
    """A durable execution must wait: until `wake_at` (a clock time) or, if None, for a task token."""

    def __init__(self, wake_at: float | None) -> None:
        super().__init__(f"suspended until {wake_at}")
        self.wake_at = wake_at

    @staticmethod
    def earliest(suspensions: Sequence[Suspended]) -> Suspended:
        """One suspension that wakes when the first of several would."""
        times = [s.wake_at for s in suspensions if s.wake_at is not None]
        return Suspended(min(times) if times else None)


class ExecutionAborted(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The execution was stopped from outside; nothing more may run or be recorded."""


def error_of(exc: BaseException) -> StateFailure:
    """The ASL error a resource's exception stands for: its class's `error` attribute, else TaskFailed."""
    if isinstance(exc, StateFailure):
        return exc
    name = getattr(exc, "error", None)
    cause = str(exc) or type(exc).__name__
    return StateFailure(name if isinstance(name, str) and name else "States.TaskFailed", cause)


def _matches(names: Sequence[str], error: str) -> bool:
    if error in TERMINAL_ERRORS:
        return False
    for name in names:
        if name == error or name == "States.ALL":
            return True
        if name == "States.TaskFailed" and error != "States.Timeout":
            return True
    return False


def find_rule(rules: Sequence[Mapping[str, Any]], error: str) -> int | None:
    """The index of the first Retry or Catch rule whose ErrorEquals matches `error`."""
    for index, rule in enumerate(rules):
        if _matches(rule["ErrorEquals"], error):
            return index
    return None


class Chance(Protocol):
    """A source of uniform random numbers (a `random.Random`, or a host's)."""

    def uniform(self, a: float, b: float) -> float:
        """A number between `a` and `b`."""
        ...


def retry_delay(rule: Mapping[str, Any], retries_so_far: int, chance: Chance | None = None) -> float:
    """Seconds before the next attempt: IntervalSeconds x BackoffRate^n, capped, with FULL jitter if asked."""
    delay = float(rule.get("IntervalSeconds", 1)) * float(rule.get("BackoffRate", 2.0)) ** retries_so_far
    if "MaxDelaySeconds" in rule:
        delay = min(delay, float(rule["MaxDelaySeconds"]))
    if rule.get("JitterStrategy", "NONE") == "FULL":
        delay = (chance or random).uniform(0.0, delay)
    return delay
