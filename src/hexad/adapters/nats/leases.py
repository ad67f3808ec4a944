"""Leases in a NATS KV bucket: `create` takes a free name, `update(last=revision)` takes over or renews.

The KV revision of the write is the fencing token (a stream sequence: it only grows). A released or
expired lease stays as a record, so taking it is always a revision-checked update. Runs on the
private NATS loop (`hexad.adapters.nats.loop`), so any caller loop can use it.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import nats
from nats.aio.client import Client
from nats.js.errors import BadRequestError, BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from hexad.adapters.nats.loop import call
from hexad.runtime.actors.leases import Lease, free_for, lease_value

__all__ = ["NatsKvLeases"]

_CONFLICTS = (KeyWrongLastSequenceError, BadRequestError)


def _kv_key(name: str) -> str:
    """KV keys allow [-/_=.a-zA-Z0-9]; lease names use `/` for structure, which maps to `.`."""
    return "".join(c if c.isalnum() or c in "-_=" else "." if c == "/" else "_" for c in name)


class NatsKvLeases:
    """`LeaseStore` on the KV bucket `bucket` (created on first use)."""

    def __init__(self, url: str = "nats://127.0.0.1:4222", *, bucket: str = "hexad_leases") -> None:
        self.url = url
        self.bucket = bucket
        self._nc: Client | None = None
        self._kv: KeyValue | None = None

    async def _store(self) -> KeyValue:
        if self._kv is None:
            self._nc = await nats.connect(self.url, max_reconnect_attempts=-1, reconnect_time_wait=0.25)
            js = self._nc.jetstream()
            try:
                self._kv = await js.key_value(self.bucket)
            except BucketNotFoundError:
                self._kv = await js.create_key_value(bucket=self.bucket, history=1)
        return self._kv

    async def acquire(self, name: str, holder: str, ttl: float, now: float) -> Lease | None:
        return await call(self._acquire(name, holder, ttl, now))

    async def _acquire(self, name: str, holder: str, ttl: float, now: float) -> Lease | None:
        kv = await self._store()
        key = _kv_key(name)
        data = json.dumps(lease_value(holder, now + ttl)).encode()
        try:
            entry = await kv.get(key)
        except KeyNotFoundError:
            entry = None
        try:
            if entry is None or entry.value is None:
                revision = (
                    await kv.create(key, data)
                    if entry is None
                    else await kv.update(key, data, entry.revision)
                )
            else:
                if not free_for(_decode(entry.value), holder, now):
                    return None
                revision = await kv.update(key, data, last=entry.revision)
        except _CONFLICTS:
            return None
        return Lease(name, holder, revision, now + ttl)

    async def release(self, lease: Lease) -> None:
        await call(self._release(lease))

    async def _release(self, lease: Lease) -> None:
        kv = await self._store()
        data = json.dumps({"holder": None, "expires_at": 0.0}).encode()
        with contextlib.suppress(*_CONFLICTS):
            await kv.update(_kv_key(lease.name), data, last=lease.token)

    async def holders(self, prefix: str, now: float) -> dict[str, Lease]:
        return await call(self._holders(prefix, now))

    async def _holders(self, prefix: str, now: float) -> dict[str, Lease]:
        kv = await self._store()
        wanted = _kv_key(prefix)
        found: dict[str, Lease] = {}
        try:
            keys = await kv.keys()
        except nats.js.errors.NoKeysError:
            return found
        for key in keys:
            if not key.startswith(wanted):
                continue
            try:
                entry = await kv.get(key)
            except KeyNotFoundError:
                continue
            value = _decode(entry.value)
            if isinstance(value, dict) and value.get("holder") and float(value["expires_at"]) > now:
                name = key.replace(".", "/")
                found[name] = Lease(
                    name, str(value["holder"]), entry.revision or 0, float(value["expires_at"])
                )
        return found

    async def close(self) -> None:
        await call(self._close())

    async def _close(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()
        self._nc, self._kv = None, None

    async def delete_bucket(self) -> None:
        """Remove the bucket (tests, benchmarks)."""
        await call(self._delete_bucket())

    async def _delete_bucket(self) -> None:
        await self._store()
        assert self._nc is not None
        with contextlib.suppress(BucketNotFoundError, nats.js.errors.NotFoundError):
            await self._nc.jetstream().delete_key_value(self.bucket)


def _decode(value: bytes | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None
