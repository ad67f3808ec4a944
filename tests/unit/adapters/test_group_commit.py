"""Group commit: callers that arrive while a write is in flight share the next write."""

from __future__ import annotations

import asyncio

import pytest

from hexad.adapters.shared.group_commit import GroupCommit


class Recorder:
    """A write that records the parts of every call and takes a turn of the loop (a round trip)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def write(self, parts: list[str]) -> list[str]:
        self.calls.append(list(parts))
        await asyncio.sleep(0.01)
        return [part.upper() for part in parts]


async def test_a_lone_caller_writes_at_once_and_gets_its_outcome() -> None:
    recorder = Recorder()
    assert await GroupCommit().join("q", "a", recorder.write) == "A"
    assert recorder.calls == [["a"]]


async def test_callers_arriving_during_a_write_share_the_next_one() -> None:
    recorder, group = Recorder(), GroupCommit()
    first = asyncio.create_task(group.join("q", "a", recorder.write))
    await asyncio.sleep(0)  # the first write is in flight
    rest = [asyncio.create_task(group.join("q", part, recorder.write)) for part in "bcd"]
    assert [await task for task in (first, *rest)] == ["A", "B", "C", "D"]
    assert recorder.calls == [["a"], ["b", "c", "d"]]


async def test_keys_never_share_a_write() -> None:
    recorder, group = Recorder(), GroupCommit()
    outcomes = await asyncio.gather(*(group.join(key, key, recorder.write) for key in ("x", "y", "x")))
    assert outcomes == ["X", "Y", "X"]
    assert sorted(recorder.calls) == [["x", "x"], ["y"]]


async def test_a_write_is_capped_by_size_and_the_rest_go_next_in_order() -> None:
    recorder, group = Recorder(), GroupCommit(max_bytes=5)
    outcomes = await asyncio.gather(
        *(group.join("q", part, recorder.write, len) for part in ("aaa", "bb", "c", "dddddd"))
    )
    assert outcomes == ["AAA", "BB", "C", "DDDDDD"]
    assert recorder.calls == [["aaa", "bb"], ["c"], ["dddddd"]]  # a part larger than the cap goes alone


async def test_a_failed_write_fails_each_of_its_callers_and_the_next_round_still_runs() -> None:
    group = GroupCommit()
    calls: list[list[str]] = []

    async def write(parts: list[str]) -> list[str]:
        calls.append(parts)
        await asyncio.sleep(0.01)
        if "bad" in parts:
            raise ValueError("refused")
        return parts

    first = asyncio.create_task(group.join("q", "bad", write))
    await asyncio.sleep(0)
    later = asyncio.create_task(group.join("q", "good", write))
    with pytest.raises(ValueError, match="refused"):
        await first
    assert await later == "good"
    assert calls == [["bad"], ["good"]]
