"""The `Actor` base class: state plus a `receive` coroutine, run one message at a time.

An actor never shares its state: other code holds an `ActorRef` and sends it messages. The runtime
calls `receive` for one message at a time, so an actor needs no locks. What `receive` returns is the
answer to an `ask`; what it raises goes to its supervisor (and to the asker).

Hooks: `started` runs before the first message (also on a fresh instance after a restart);
`restarting` runs on the failed instance before it is replaced (release resources; the new instance
starts from its factory with fresh state, children are stopped and `started` may spawn them again);
`stopping` runs once when the actor stops for good (save state, close files).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from hexad.runtime.actors.supervision import SupervisorStrategy, one_for_one

if TYPE_CHECKING:
    from hexad.runtime.actors.system import ActorContext

__all__ = ["Actor"]


class Actor:
    """Subclass and override `receive`; set `supervisor_strategy` to supervise children differently."""

    supervisor_strategy: ClassVar[SupervisorStrategy] = one_for_one()

    async def started(self, context: ActorContext) -> None:
        """Called before the first message of this instance."""

    async def receive(self, message: Any, context: ActorContext) -> Any:
        """Handle one message; the return value answers an `ask`."""
        raise NotImplementedError(f"{type(self).__name__} must implement receive(message, context)")

    async def restarting(self, error: BaseException, context: ActorContext) -> None:
        """Called on the failed instance before a fresh one replaces it."""

    async def stopping(self, context: ActorContext) -> None:
        """Called once when the actor stops for good."""
