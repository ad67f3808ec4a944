"""The agent runtime: supervised actors, durable mailboxes, keyed (virtual) actors and workers.

Start with `ActorSystem` and `Actor`; see `supervision` for strategies and `mailbox`, `keyed` and
`worker` for actors bound to durable queues.
"""

from __future__ import annotations

from hexad.runtime.actors.actor import Actor
from hexad.runtime.actors.supervision import (
    Directive,
    RestartBudgetExhaustedError,
    RestartRecord,
    SupervisorStrategy,
    decider_from,
    one_for_all,
    one_for_one,
    rest_for_one,
)
from hexad.runtime.actors.system import ActorContext, ActorRef, ActorSystem, Status

__all__ = [
    "Actor",
    "ActorContext",
    "ActorRef",
    "ActorSystem",
    "Directive",
    "RestartBudgetExhaustedError",
    "RestartRecord",
    "Status",
    "SupervisorStrategy",
    "decider_from",
    "one_for_all",
    "one_for_one",
    "rest_for_one",
]
