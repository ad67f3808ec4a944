"""Group commit: callers that arrive while a write of theirs is in flight share the next write.

A queue backend whose every write costs a round trip or a disk flush (a NATS record, a PostgreSQL
commit) would otherwise pay it once per caller; under load, callers of one kind on one queue
(sends, receives, deletes) wait together and go out in one write per round, as a database's group
commit does. A lone caller pays nothing extra: its write starts at once. Written here because the
write functions are the backends' own (no library batches arbitrary coroutines by key this way).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

__all__ = ["GroupCommit"]

Write = Callable[[list[Any]], Awaitable[list[Any]]]


def _no_size(part: Any) -> int:
    return 0


class GroupCommit:
    """Per key, at most one write in flight; the parts that wait meanwhile go out together."""

    def __init__(self, max_bytes: int = 256 * 1024) -> None:
        self.max_bytes = max_bytes  # per write, by `size`; a single larger part still goes alone
        self._waiting: dict[Hashable, list[tuple[Any, asyncio.Future[Any]]]] = {}
        self._draining: dict[Hashable, asyncio.Future[None]] = {}

    async def join(
        self, key: Hashable, part: Any, write: Write, size: Callable[[Any], int] = _no_size
    ) -> Any:
        """`part`'s outcome from `write(parts)`, which returns one outcome per part, in order.

        Every caller with the same `key` must pass an equivalent `write`: the first caller's drives the
        round. If `write` raises, every part of that write gets the error.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append((part, future))
        if key not in self._draining:
            self._draining[key] = asyncio.ensure_future(self._drain(key, write, size))
        return await future

    async def _drain(self, key: Hashable, write: Write, size: Callable[[Any], int]) -> None:
        try:
            while waiting := self._waiting.pop(key, []):
                taken, total = 1, size(waiting[0][0]) if len(waiting) > 1 else 0  # alone: no need to size
                while taken < len(waiting) and total + size(waiting[taken][0]) <= self.max_bytes:
                    total += size(waiting[taken][0])
                    taken += 1
                if taken < len(waiting):  # the rest go first in the next round
                    self._waiting[key] = waiting[taken:] + self._waiting.get(key, [])
                batch = waiting[:taken]
                try:
                    outcomes = await write([part for part, _ in batch])
                except Exception as error:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)
        finally:
            self._draining.pop(key, None)
