"""People's changes to findings (status, comments), each announced on the event bus in the same call.

The API's findings routes and `hexad findings set-status` both go through `FindingChanges`, so every
acknowledgement, resolution, reopening and comment is a bus event with source `hexad.findings`:
other dashboard tabs and API processes follow it over the live WebSocket, and rules can route it.

- `finding.status.changed`: `finding_id, agent, kind, severity, old_status, new_status, actor`
  (only when the status really changes).
- `finding.commented`: `finding_id, agent, kind, severity, status, comment_id, actor`.

The event is put right after the change commits; when the put fails (raises, or the bus refuses the
entry) the change is undone (unless someone changed the finding in between) and the caller gets
the error. No database transaction stays open across the put: the routes' database calls run on
the event loop, and a write lock held while awaiting the bus would stall every other writer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final

from hexad.agents.findings import Comment, Finding, FindingStore
from hexad.errors import EventNotPublishedError
from hexad.runtime.bus.results import PutEventsResult

__all__ = ["COMMENTED", "EVENT_SOURCE", "STATUS_CHANGED", "FindingChanges"]

EVENT_SOURCE: Final = "hexad.findings"
STATUS_CHANGED: Final = "finding.status.changed"
COMMENTED: Final = "finding.commented"
PutEvents = Callable[[Sequence[Mapping[str, Any]]], Awaitable[PutEventsResult]]


class FindingChanges:
    """Status changes and comments on the findings store, each published with `put_events`."""

    def __init__(self, store: FindingStore, put_events: PutEvents) -> None:
        self._store, self._put_events = store, put_events

    async def set_status(self, finding_id: str, status: str, actor: str) -> Finding:
        """Acknowledge, resolve or reopen a finding as `actor`; the change and its event or neither."""
        before, after = self._store.change_status(finding_id, status)
        if before.status != after.status:
            changed = {"old_status": before.status, "new_status": after.status, "actor": actor}
            try:
                await self._announce(STATUS_CHANGED, _identity(after) | changed)
            except BaseException:
                self._store.undo_status(before, after)
                raise
        return after

    async def comment(self, finding_id: str, author: str, body: str) -> Comment:
        """Add `author`'s comment to a finding; the comment and its event or neither."""
        finding, comment = self._store.add_comment(finding_id, author, body)
        added = {"status": finding.status, "comment_id": comment.id, "actor": author}
        try:
            await self._announce(COMMENTED, _identity(finding) | added)
        except BaseException:
            self._store.delete_comment(comment.id)
            raise
        return comment

    async def _announce(self, detail_type: str, detail: dict[str, Any]) -> None:
        entry = {"Source": EVENT_SOURCE, "DetailType": detail_type, "Detail": detail}
        result = await self._put_events([entry])
        if result.failed_entry_count:
            reason = result.entries[0].error_message or result.entries[0].error_code
            raise EventNotPublishedError(f"{detail_type} for finding {detail['finding_id']}: {reason}")


def _identity(finding: Finding) -> dict[str, Any]:
    return {
        "finding_id": finding.id,
        "agent": finding.agent,
        "kind": finding.kind,
        "severity": finding.severity,
    }
