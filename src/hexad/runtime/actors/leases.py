"""Leases with fencing tokens: who owns a partition of keyed actors, who is the scheduler leader.

A lease is a named record `{holder, expires_at}` in a store with compare-and-set. Taking or renewing
it is one version-checked write, so two processes never both succeed; the version the write produced
is the lease's fencing token, which only grows (a later holder always has a larger token), so a store
that records the highest token it has seen can refuse a write from a holder whose lease has passed.

Expiry is judged on the callers' clocks (`now`), as everywhere in the runtime: hosts need clocks
within a small fraction of the TTL of each other (NTP), and a holder gives a lease up `margin` seconds
before it would expire, so a slow renewal never leaves two owners.

`StateStoreLeases` keeps leases in the `StateStore` port (SQLite or PostgreSQL, key `lease:<name>`);
`hexad.adapters.nats.leases.NatsKvLeases` keeps them in a NATS KV bucket (the revision is the token).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Protocol

from hexad.errors import ConflictError
from hexad.ports.state import StateStore

__all__ = ["Lease", "LeaseStore", "StateStoreLeases"]


@dataclass(frozen=True)
class Lease:
    """A held lease: `token` grows with every take or renewal, across holders."""

    name: str
    holder: str
    token: int
    expires_at: float


class LeaseStore(Protocol):
    """Compare-and-set lease records."""

    async def acquire(self, name: str, holder: str, ttl: float, now: float) -> Lease | None:
        """Take the lease if it is free or expired, or renew it if `holder` has it; None if another has it."""
        ...

    async def release(self, lease: Lease) -> None:
        """Give the lease up at once (a no-op if it was taken over meanwhile)."""
        ...

    async def holders(self, prefix: str, now: float) -> dict[str, Lease]:
        """Live (unexpired) leases whose name starts with `prefix`, by name."""
        ...


def lease_value(holder: str, expires_at: float) -> dict[str, Any]:
    return {"holder": holder, "expires_at": expires_at}


def free_for(value: Any, holder: str, now: float) -> bool:
    """Whether a stored lease value may be taken by `holder` at `now`."""
    if not isinstance(value, dict) or not value.get("holder"):
        return True
    return bool(value["holder"] == holder or float(value.get("expires_at", 0.0)) <= now)


class StateStoreLeases:
    """Leases in a `StateStore`: the key's version is the fencing token (versions never go back)."""

    def __init__(self, store: StateStore, *, prefix: str = "lease:") -> None:
        self._store = store
        self._prefix = prefix

    async def acquire(self, name: str, holder: str, ttl: float, now: float) -> Lease | None:
        key = self._prefix + name
        value, version = await self._store.get(key)
        if not free_for(value, holder, now):
            return None
        try:
            token = await self._store.put(key, lease_value(holder, now + ttl), expected_version=version)
        except ConflictError:
            return None
        return Lease(name, holder, token, now + ttl)

    async def release(self, lease: Lease) -> None:
        key = self._prefix + lease.name
        with contextlib.suppress(ConflictError):  # taken over already: nothing of ours to give up
            await self._store.put(key, {"holder": None, "expires_at": 0.0}, expected_version=lease.token)

    async def holders(self, prefix: str, now: float) -> dict[str, Lease]:
        found: dict[str, Lease] = {}
        for key in await self._store.keys(self._prefix + prefix):
            value, version = await self._store.get(key)
            if isinstance(value, dict) and value.get("holder") and float(value["expires_at"]) > now:
                name = key[len(self._prefix) :]
                found[name] = Lease(name, str(value["holder"]), version, float(value["expires_at"]))
        return found
