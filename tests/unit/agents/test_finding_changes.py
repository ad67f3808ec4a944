"""A person's change to a finding is stored and announced together, or not at all."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hexad.agents.base import FindingDraft
from hexad.agents.finding_changes import FindingChanges
from hexad.agents.findings import Finding, FindingStore
from hexad.domain.database import create_domain_engine, upgrade
from hexad.errors import EventNotPublishedError, FindingNotFoundError, RuntimeStoreError
from hexad.runtime.bus.results import PutEventsResult, PutEventsResultEntry
from hexad.runtime.clock import ManualClock


class RecordingBus:
    """Accepts entries, refuses them (`refuse`) or fails outright (`down`)."""

    def __init__(self) -> None:
        self.entries: list[Mapping[str, Any]] = []
        self.refuse = self.down = False

    async def put_events(self, entries: Sequence[Mapping[str, Any]]) -> PutEventsResult:
        if self.down:
            raise RuntimeStoreError("the runtime database is unavailable")
        if self.refuse:
            return PutEventsResult(
                1, [PutEventsResultEntry(error_code="InternalException", error_message="x")]
            )
        self.entries.extend(entries)
        return PutEventsResult(0, [PutEventsResultEntry(event_id=f"e-{len(self.entries)}")])


@pytest.fixture
def store(tmp_path: Path) -> FindingStore:
    engine = create_domain_engine(f"sqlite:///{tmp_path / 'domain.db'}")
    upgrade(engine=engine)
    return FindingStore(engine, ManualClock(datetime(2026, 9, 30, tzinfo=UTC)))


@pytest.fixture
def finding(store: FindingStore) -> Finding:
    draft = FindingDraft(
        kind="spend_anomaly", subject_type="department", subject_id="IT", severity="high", score=0.8,
        summary="IT spend doubled", evidence={"spend": [100, 200]}, recommended_action="review",
    )  # fmt: skip
    store.save("dsa", [draft], full_run=True)
    return store.list()[0]


async def test_a_status_change_is_announced_with_who_and_both_statuses(
    store: FindingStore, finding: Finding
) -> None:
    bus = RecordingBus()
    changed = await FindingChanges(store, bus.put_events).set_status(finding.id, "acknowledged", "u-ann")
    assert changed.status == store.get(finding.id).status == "acknowledged"
    assert bus.entries == [
        {
            "Source": "hexad.findings",
            "DetailType": "finding.status.changed",
            "Detail": {
                "finding_id": finding.id,
                "agent": "dsa",
                "kind": "spend_anomaly",
                "severity": "high",
                "old_status": "open",
                "new_status": "acknowledged",
                "actor": "u-ann",
            },
        }
    ]


async def test_setting_the_same_status_again_announces_nothing(store: FindingStore, finding: Finding) -> None:
    bus = RecordingBus()
    await FindingChanges(store, bus.put_events).set_status(finding.id, "open", "u-ann")
    assert bus.entries == []


@pytest.mark.parametrize("failure", ["refuse", "down"])
async def test_a_change_the_bus_does_not_take_is_rolled_back(
    store: FindingStore, finding: Finding, failure: str
) -> None:
    bus = RecordingBus()
    setattr(bus, failure, True)
    changes = FindingChanges(store, bus.put_events)
    with pytest.raises((EventNotPublishedError, RuntimeStoreError)):
        await changes.set_status(finding.id, "resolved", "u-ann")
    with pytest.raises((EventNotPublishedError, RuntimeStoreError)):
        await changes.comment(finding.id, "u-ann", "fixed it")
    assert store.get(finding.id).status == "open"
    assert store.get(finding.id).resolved_at is None
    assert store.comments(finding.id) == []


async def test_a_comment_is_stored_and_announced(store: FindingStore, finding: Finding) -> None:
    bus = RecordingBus()
    comment = await FindingChanges(store, bus.put_events).comment(finding.id, "u-bob", "Called the vendor")
    assert [c.body for c in store.comments(finding.id)] == ["Called the vendor"]
    (entry,) = bus.entries
    assert entry["DetailType"] == "finding.commented"
    assert entry["Detail"] == {
        "finding_id": finding.id, "agent": "dsa", "kind": "spend_anomaly", "severity": "high",
        "status": "open", "comment_id": comment.id, "actor": "u-bob",
    }  # fmt: skip


async def test_unknown_findings_are_refused_before_anything_is_announced(store: FindingStore) -> None:
    bus = RecordingBus()
    changes = FindingChanges(store, bus.put_events)
    with pytest.raises(FindingNotFoundError):
        await changes.set_status("nope", "resolved", "u-ann")
    with pytest.raises(FindingNotFoundError):
        await changes.comment("nope", "u-ann", "hello")
    assert bus.entries == []


async def test_a_slow_announcement_holds_no_lock_over_other_changes(
    store: FindingStore, finding: Finding
) -> None:
    """The event loop runs the routes' database calls: a change waiting on the bus must not keep
    the database locked, or every other change in the process would wait for it."""
    gate, slow, fast = asyncio.Event(), RecordingBus(), RecordingBus()

    async def put_when_let_through(entries: Sequence[Mapping[str, Any]]) -> PutEventsResult:
        await gate.wait()
        return await slow.put_events(entries)

    waiting = asyncio.create_task(
        FindingChanges(store, put_when_let_through).set_status(finding.id, "resolved", "a")
    )
    await asyncio.sleep(0.01)
    await FindingChanges(store, fast.put_events).comment(finding.id, "u-bob", "meanwhile")
    gate.set()
    assert (await waiting).status == "resolved"
    assert len(slow.entries) == len(fast.entries) == 1
