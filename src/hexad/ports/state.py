"""The state-store port: versioned key-value state with optimistic concurrency (DynamoDB's model).

Actors keep their durable state here. Every key has a version that starts at 1 and grows by one on
each write; a reader passes the version it read as `expected_version` and the write fails with
`ConflictError` if someone else wrote in between. An absent (or expired) key reads as `(None, 0)`, so
`expected_version=0` means "create, only if absent". Values are JSON documents. A TTL makes a key
expire (it then reads as absent). `transact` applies several puts, deletes and version checks all or
nothing, like DynamoDB's TransactWriteItems.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["StateCheck", "StateDelete", "StateOperation", "StatePut", "StateStore"]


@dataclass(frozen=True)
class StatePut:
    """Write `value` under `key` (if its version is `expected_version`, when given)."""

    key: str
    value: Any
    expected_version: int | None = None
    ttl: float | None = None


@dataclass(frozen=True)
class StateDelete:
    """Delete `key` (if its version is `expected_version`, when given)."""

    key: str
    expected_version: int | None = None


@dataclass(frozen=True)
class StateCheck:
    """Require `key` to be at `expected_version` without writing it."""

    key: str
    expected_version: int


StateOperation = StatePut | StateDelete | StateCheck


class StateStore(Protocol):
    """Versioned JSON values by key; every method is one atomic step on the backend."""

    async def get(self, key: str) -> tuple[Any, int]:
        """The value and its version; `(None, 0)` if the key is absent or expired."""
        ...

    async def put(
        self, key: str, value: Any, expected_version: int | None = None, *, ttl: float | None = None
    ) -> int:
        """Store `value` and return the new version; `ConflictError` if the version is stale."""
        ...

    async def delete(self, key: str, expected_version: int | None = None) -> bool:
        """Remove the key (True if it existed); `ConflictError` if the version is stale."""
        ...

    async def transact(self, operations: Sequence[StateOperation]) -> list[int]:
        """Apply every operation or none; returns each key's version afterwards (0 when deleted)."""
        ...

    async def keys(self, prefix: str = "") -> list[str]:
        """Live keys starting with `prefix`, sorted."""
        ...
