"""A replicated log on one JetStream stream: every process applies every record, in order.

Each entity (a queue) has its own subject. Writers append with `Nats-Expected-Last-Subject-Sequence`
set to the entity's last record they have applied, so the server accepts a record only if it was
decided on the entity's latest state; a writer that lost the race catches up and decides again.
Writers of different entities never conflict. A tail (an ordered push consumer over the whole
stream) applies records as they arrive, mine and everyone else's; a writer gets its outcome when the
tail applies its record (matched by a nonce), so there is exactly one applier and no record is
applied twice.

Everything here runs on the private NATS loop (`hexad.adapters.nats.loop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
import uuid
import weakref
from collections.abc import Callable
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import APIError, NotFoundError

from hexad.errors import RuntimeStoreError

__all__ = ["JetStreamLog"]

_WRONG_LAST_SEQUENCE = 10071
_ATTEMPTS = 200
# what a publish or an API call raises while the server restarts or JetStream is not ready yet
_UNAVAILABLE = (
    TimeoutError,
    nats.errors.TimeoutError,
    nats.errors.ConnectionClosedError,
    nats.errors.NoRespondersError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
)
_log = logging.getLogger(__name__)

Apply = Callable[[int, dict[str, Any]], Any]

# Logs of this process, by (url, stream): a write returns once every one of them has applied it, so
# all backends in one process agree at once (other processes follow within the push latency).
_peers: dict[tuple[str, str], weakref.WeakSet[JetStreamLog]] = {}


class JetStreamLog:
    """Append and tail the records of `stream` (subjects `<stream>.e.<entity>`)."""

    def __init__(
        self,
        url: str,
        stream: str,
        apply: Apply,
        *,
        lock: threading.Lock | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.lock = lock or threading.Lock()  # held while applying and deciding: readers elsewhere take it
        self.stream = stream
        self.last_by_subject: dict[str, int] = {}
        self.applied = 0
        self._apply = apply
        self._timeout = timeout
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._waiters: dict[str, asyncio.Future[Any]] = {}
        self._synced: list[tuple[int, asyncio.Future[None]]] = []
        self._write_locks: dict[str, asyncio.Lock] = {}

    async def start(self) -> None:
        """Connect, create the stream if missing, start the tail and catch up."""
        self._nc = await nats.connect(
            self.url, name=f"hexad-{self.stream}", max_reconnect_attempts=-1, reconnect_time_wait=0.25
        )
        self._js = self._nc.jetstream(timeout=self._timeout)
        try:
            await self._js.stream_info(self.stream)
        except NotFoundError:
            await self._js.add_stream(
                name=self.stream, subjects=[f"{self.stream}.>"], storage=api.StorageType.FILE
            )
        await self._js.subscribe(
            f"{self.stream}.>", cb=self._on_record, ordered_consumer=True, idle_heartbeat=1.0,
            deliver_policy=api.DeliverPolicy.ALL, pending_msgs_limit=-1, pending_bytes_limit=-1,
        )  # fmt: skip
        await self.sync()
        _peers.setdefault((self.url, self.stream), weakref.WeakSet()).add(self)

    async def close(self) -> None:
        _peers.get((self.url, self.stream), weakref.WeakSet()).discard(self)
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()

    async def purge_before(self, key: str, sequence: int) -> None:
        """Drop the records of entity `key` older than `sequence` (one that replaces them all)."""
        await self._context().purge_stream(self.stream, seq=sequence, subject=self.subject_of(key))

    async def sync(self) -> None:
        """Wait until every record the server had when this call started is applied here."""
        js = self._context()
        info = await js.stream_info(self.stream)
        await self._wait_applied(info.state.last_seq)

    def subject_of(self, key: str) -> str:
        """The subject of one entity's records (hex keeps any name a single valid token)."""
        return f"{self.stream}.e.{key.encode().hex()}"

    async def append(
        self, key: str, decide: Callable[[], dict[str, Any] | None], *, checked: bool = True
    ) -> Any:
        """Append the record `decide()` makes for entity `key`; the outcome of applying it.

        With `checked`, the server takes the record only if no other record of `key` came after the
        last one applied here (`Nats-Expected-Last-Subject-Sequence`), and `decide` runs again on the
        newer state when another writer was first; records of other entities never conflict. `decide`
        may raise (the operation fails) or return None (nothing to write). Unchecked records must be
        safe to apply on any later state (deletes by receipt handle).
        """
        js = self._context()
        subject = self.subject_of(key)
        nonce = uuid.uuid4().hex
        outcome: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters[nonce] = outcome
        lock = self._write_locks.setdefault(subject, asyncio.Lock()) if checked else contextlib.nullcontext()
        try:
            async with lock:
                for _ in range(_ATTEMPTS):
                    if outcome.done():
                        return await self._settled(outcome.result())
                    with self.lock:
                        record = decide()
                        expected = self.last_by_subject.get(subject, 0)
                    if record is None:
                        return None
                    record["nonce"] = nonce
                    headers = {"Nats-Expected-Last-Subject-Sequence": str(expected)} if checked else None
                    try:
                        await js.publish(
                            subject, json.dumps(record, ensure_ascii=False).encode(), headers=headers
                        )
                    except _UNAVAILABLE:  # the server is restarting: the record may have landed
                        await self._sync_when_back()  # (the nonce says, once the tail catches up)
                        continue
                    except APIError as exc:
                        if exc.err_code != _WRONG_LAST_SEQUENCE:
                            raise
                        await self._catch_up(exc)
                        continue
                    return await self._settled(await asyncio.wait_for(outcome, self._timeout))
                raise RuntimeStoreError(f"stream {self.stream}: too many conflicting writers, gave up")
        finally:
            self._waiters.pop(nonce, None)

    async def _catch_up(self, conflict: APIError) -> None:
        """After losing a race: wait for the record that won (its sequence is in the error)."""
        found = re.search(r"(\d+)\s*$", conflict.description or "")
        if found is None:
            await self.sync()
        else:
            await self._wait_applied(int(found.group(1)))

    async def _settled(self, applied: tuple[int, Any]) -> Any:
        """The outcome, once every log of this process on the stream has applied the record."""
        sequence, result = applied
        for peer in list(_peers.get((self.url, self.stream), ())):
            if peer is not self:
                await peer._wait_applied(sequence)
        return result

    async def _sync_when_back(self) -> None:
        for _ in range(240):
            try:
                await self.sync()
                return
            except (*_UNAVAILABLE, APIError):
                await asyncio.sleep(0.25)
        raise RuntimeStoreError(f"stream {self.stream}: NATS at {self.url} did not come back in 60 s")

    async def _on_record(self, msg: Msg) -> None:
        sequence = msg.metadata.sequence.stream
        if sequence <= self.applied:
            return
        if sequence > self.applied + 1:
            await self._fill_gap(sequence)
        self._apply_record(sequence, msg.subject, msg.data)

    async def _fill_gap(self, until: int) -> None:
        """Apply the records between the last applied one and `until` that the tail never got.

        Most gaps are records purged long ago (compaction), but on NATS 2.9 a purge of one subject also
        moves every consumer of the stream forward to that subject's first remaining record, so a tail
        that was behind skips other subjects' records. Direct gets ("the next record from here")
        find them; a gap of purged records costs one round trip. If a get fails, nothing after the gap
        is applied: the next record the tail delivers tries again.
        """
        js = self._context()
        position = self.applied + 1
        while position < until:
            try:
                found = await js.get_msg(self.stream, seq=position, next=True, subject=f"{self.stream}.>")
            except NotFoundError:
                return
            if found.seq is None or found.seq >= until:
                return
            self._apply_record(found.seq, found.subject or "", found.data or b"")
            position = found.seq + 1

    def _apply_record(self, sequence: int, subject: str, data: bytes) -> None:
        nonce: str | None = None
        try:
            record = json.loads(data)
            nonce = record.get("nonce")
            with self.lock:
                self.last_by_subject[subject] = sequence
                result: Any = self._apply(sequence, record)
            error: BaseException | None = None
        except Exception as exc:  # a record this version cannot apply: say so, keep the log moving
            _log.exception("stream %s: record %d could not be applied", self.stream, sequence)
            result, error = None, exc
        self.applied = sequence
        waiter = self._waiters.get(nonce) if nonce else None
        if waiter is not None and not waiter.done():
            if error is None:
                waiter.set_result((sequence, result))
            else:
                waiter.set_exception(RuntimeStoreError(f"record {sequence} failed to apply: {error}"))
        if self._synced and self._synced[0][0] <= sequence:
            ready = [future for target, future in self._synced if target <= sequence]
            self._synced = [(t, f) for t, f in self._synced if t > sequence]
            for future in ready:
                if not future.done():
                    future.set_result(None)

    async def _wait_applied(self, target: int) -> None:
        if self.applied >= target:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._synced.append((target, future))
        self._synced.sort(key=lambda item: item[0])
        try:
            await asyncio.wait_for(future, self._timeout)
        except TimeoutError as exc:
            raise RuntimeStoreError(
                f"stream {self.stream}: applied up to {self.applied}, waited for {target}"
            ) from exc

    def _context(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeStoreError(f"stream {self.stream}: not started")
        return self._js


async def delete_stream(url: str, stream: str) -> bool:
    """Delete `stream` over a connection of its own (close the logs on it first); False if absent."""
    client = await nats.connect(url)
    try:
        await client.jetstream().delete_stream(stream)
        return True
    except NotFoundError:
        return False
    finally:
        await client.close()
