"""Supervision: what a parent does when a child fails (Erlang/OTP semantics, Akka's vocabulary).

A strategy has a *scope* (`one_for_one` restarts only the failed child, `one_for_all` every child,
`rest_for_one` the failed child and the siblings spawned after it), a *decider* that maps the
exception to a `Directive`, a *restart intensity* and an exponential *backoff with jitter*.

Restart intensity is counted per child: a child may be restarted `max_restarts` times within
`within_seconds`. OTP's default (1 in 5 s) is too strict for agents that call slow, flaky services,
so Hexad's default is 10 restarts in 60 s, with a backoff that starts at 0.1 s and doubles up to 10 s
(each delay stretched by up to 20 % at random so that a crowd of actors does not restart in step).
When a child spends its budget the supervisor stops all its children and escalates to its own parent;
the root logs the failure, stops that top-level actor and keeps the system up.
"""

from __future__ import annotations

import enum
import random
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hexad.errors import ActorError

__all__ = [
    "DEFAULT_BACKOFF_JITTER",
    "DEFAULT_MAX_BACKOFF_SECONDS",
    "DEFAULT_MAX_RESTARTS",
    "DEFAULT_MIN_BACKOFF_SECONDS",
    "DEFAULT_WITHIN_SECONDS",
    "Decider",
    "Directive",
    "RestartBudgetExhaustedError",
    "RestartRecord",
    "Scope",
    "SupervisorStrategy",
    "decider_from",
    "one_for_all",
    "one_for_one",
    "rest_for_one",
]

DEFAULT_MAX_RESTARTS = 10
DEFAULT_WITHIN_SECONDS = 60.0
DEFAULT_MIN_BACKOFF_SECONDS = 0.1
DEFAULT_MAX_BACKOFF_SECONDS = 10.0
DEFAULT_BACKOFF_JITTER = 0.2


class Directive(enum.Enum):
    """What to do with a failed child."""

    RESUME = "resume"  # keep the instance and its state, drop the message, go on
    RESTART = "restart"  # replace the instance with a fresh one from its factory
    STOP = "stop"  # stop the child for good
    ESCALATE = "escalate"  # fail the supervisor itself; its parent decides


class Scope(enum.Enum):
    """Which children a restart touches."""

    ONE_FOR_ONE = "one_for_one"
    ONE_FOR_ALL = "one_for_all"
    REST_FOR_ONE = "rest_for_one"


Decider = Callable[[BaseException], Directive]


class RestartBudgetExhaustedError(ActorError):
    """A child failed more often than its supervisor's restart intensity allows."""


def decider_from(
    mapping: Mapping[type[BaseException], Directive], default: Directive = Directive.RESTART
) -> Decider:
    """A decider that picks the directive of the most specific matching exception type (by MRO)."""

    def decide(error: BaseException) -> Directive:
        for kind in type(error).__mro__:
            if kind in mapping:
                return mapping[kind]
        return default

    return decide


def _always_restart(error: BaseException) -> Directive:
    return Directive.RESTART


@dataclass(frozen=True)
class RestartRecord:
    """One failure of an actor and what its supervisor did about it."""

    time: float
    actor: str
    error_type: str
    error: str
    traceback: str
    directive: str
    delay: float = 0.0

    @classmethod
    def of(
        cls, time: float, actor: str, error: BaseException, directive: Directive, delay: float
    ) -> RestartRecord:
        """Capture `error` (type, message, formatted traceback) as a record."""
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        return cls(time, actor, type(error).__name__, str(error), text, directive.value, delay)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view for the control socket and `hexad actors tree --json`."""
        return {
            "time": self.time,
            "actor": self.actor,
            "error_type": self.error_type,
            "error": self.error,
            "traceback": self.traceback,
            "directive": self.directive,
            "delay": self.delay,
        }


@dataclass(frozen=True)
class SupervisorStrategy:
    """How a supervisor treats failing children; build one with `one_for_one` and friends."""

    scope: Scope = Scope.ONE_FOR_ONE
    decider: Decider = _always_restart
    max_restarts: int = DEFAULT_MAX_RESTARTS
    within_seconds: float = DEFAULT_WITHIN_SECONDS
    min_backoff: float = DEFAULT_MIN_BACKOFF_SECONDS
    max_backoff: float = DEFAULT_MAX_BACKOFF_SECONDS
    jitter: float = DEFAULT_BACKOFF_JITTER
    _random: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_restarts < 0 or self.within_seconds <= 0:
            raise ValueError("restart intensity needs max_restarts >= 0 and within_seconds > 0")
        if self.min_backoff < 0 or self.max_backoff < self.min_backoff or self.jitter < 0:
            raise ValueError("backoff needs 0 <= min_backoff <= max_backoff and jitter >= 0")

    def decide(self, error: BaseException) -> Directive:
        """The directive for `error`; a decider that itself fails means escalate."""
        try:
            return self.decider(error)
        except Exception:
            return Directive.ESCALATE

    def backoff(self, recent_restarts: int) -> float:
        """Seconds to wait before the next restart of a child restarted `recent_restarts` times lately."""
        base: float = min(self.max_backoff, self.min_backoff * 2.0 ** min(recent_restarts, 30))
        return base * (1.0 + self.jitter * self._random.random())

    def within_budget(self, restart_times: list[float], now: float) -> bool:
        """Drop restart times older than the window from `restart_times`; True if one more is allowed."""
        horizon = now - self.within_seconds
        while restart_times and restart_times[0] < horizon:
            restart_times.pop(0)
        return len(restart_times) < self.max_restarts


DeciderLike = Decider | Mapping[type[BaseException], Directive] | None


def _strategy(scope: Scope, decider: DeciderLike, settings: dict[str, Any]) -> SupervisorStrategy:
    if decider is None:
        chosen: Decider = _always_restart
    elif callable(decider):
        chosen = decider
    else:
        chosen = decider_from(decider)
    return SupervisorStrategy(scope, chosen, **settings)


def one_for_one(decider: DeciderLike = None, **settings: Any) -> SupervisorStrategy:
    """Restart (or resume/stop) only the child that failed."""
    return _strategy(Scope.ONE_FOR_ONE, decider, settings)


def one_for_all(decider: DeciderLike = None, **settings: Any) -> SupervisorStrategy:
    """When one child must restart, restart every child (they depend on each other)."""
    return _strategy(Scope.ONE_FOR_ALL, decider, settings)


def rest_for_one(decider: DeciderLike = None, **settings: Any) -> SupervisorStrategy:
    """Restart the failed child and every sibling spawned after it (they depend on it)."""
    return _strategy(Scope.REST_FOR_ONE, decider, settings)
