"""Per-actor durable state through the `StateStore` port.

An actor's state lives under the key `actor:<path>` (its place in the tree is its identity, so a
restarted worker finds the same state again). `ActorState` remembers the version it last read or
wrote and writes with optimistic concurrency: if another process wrote the same actor's state in
between (two workers running one keyed actor), `save` raises `ConflictError` instead of silently
overwriting it.
"""

from __future__ import annotations

from typing import Any

from hexad.ports.state import StateStore

__all__ = ["ActorState", "state_key"]


def state_key(path: str) -> str:
    """The state-store key of the actor at `path`."""
    return f"actor:{path}"


class ActorState:
    """Load and save one actor's state document, version-checked."""

    def __init__(self, store: StateStore, key: str) -> None:
        self.store = store
        self.key = key
        self.version = 0

    async def load(self, default: Any = None) -> Any:
        """The stored value (or `default` when there is none); remembers its version."""
        value, self.version = await self.store.get(self.key)
        return default if self.version == 0 else value

    async def save(self, value: Any) -> int:
        """Write `value` if nobody else has written since our load/save; returns the new version."""
        self.version = await self.store.put(self.key, value, expected_version=self.version)
        return self.version

    async def clear(self) -> None:
        """Delete the stored value (version-checked)."""
        await self.store.delete(self.key, expected_version=self.version)
        self.version = 0
