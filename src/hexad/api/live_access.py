"""Which live events a caller may receive: one table from an event's source and detail-type to the
permissions (`hexad.auth.permissions`) it needs.

The live WebSocket sends an event only to callers holding every permission of the event's first
matching row, the same permissions the REST routes ask for the data the event carries: an agent's
event announces a finding (`findings:read`) and carries that agent's data (spend, licences, leads,
contracts, plans, profitability). A row with an `owner` key goes only to the user (or API key)
named by that detail key: a task's progress to its submitter, a bell notification to its user.
Admins receive every event. An event no row matches goes to admins only (deny by default), so a
new kind of event stays private until a row here says who may see it. API keys hold scopes, never
roles, so a key sees an event only when its scopes include every permission of the row.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hexad.api.security import Principal

__all__ = ["LIVE_EVENT_ACCESS", "EventAccess", "Viewer", "access_for", "is_admin", "may_see", "row_of"]


@dataclass(frozen=True)
class EventAccess:
    """Events of `source` whose detail-type matches `detail_types` (a glob) need all `permissions`."""

    source: str
    detail_types: str
    permissions: tuple[str, ...]
    owner: str | None = None
    """The detail key naming the one caller (besides admins) who may receive the event."""


LIVE_EVENT_ACCESS: tuple[EventAccess, ...] = (
    # people's changes to findings: whoever may list findings
    EventAccess("hexad.findings", "finding.*", ("findings:read",)),
    # a task's progress: its submitter
    EventAccess("hexad.tasks", "task.*", ("tasks:read",), owner="submitted_by"),
    # the in-app bell: its user
    EventAccess("hexad.notifications", "notification.*", ("notifications:read",), owner="user"),
    # the agents' events: the finding, and the data it is about
    EventAccess("hexad.cpi", "*", ("findings:read", "clients:read")),
    EventAccess("hexad.dsa", "*", ("findings:read", "spend:read")),
    EventAccess("hexad.sli", "*", ("findings:read", "licences:read")),
    EventAccess("hexad.vcm", "*", ("findings:read", "contracts:read")),
    EventAccess("hexad.ram", "*", ("findings:read", "plans:read")),
    EventAccess("hexad.spo", "sales.proposal.*", ("proposals:read",)),
    EventAccess("hexad.spo", "*", ("findings:read", "leads:read")),
    # workflows: approvals and renewals name a contract
    EventAccess("hexad.workflow", "contract.*", ("workflows:read", "contracts:read")),
    EventAccess("hexad.workflow", "*", ("workflows:read",)),
    # operations: imports and scheduled events, for those who may read the bus
    EventAccess("hexad.ingest", "*", ("events:read",)),
    EventAccess("hexad.scheduler", "*", ("events:read",)),
)


def _compile() -> dict[str, list[tuple[re.Pattern[str], EventAccess]]]:
    by_source: dict[str, list[tuple[re.Pattern[str], EventAccess]]] = {}
    for row in LIVE_EVENT_ACCESS:
        by_source.setdefault(row.source, []).append((re.compile(fnmatch.translate(row.detail_types)), row))
    return by_source


_BY_SOURCE = _compile()


@lru_cache(maxsize=4096)
def access_for(source: str, detail_type: str) -> EventAccess | None:
    """The table's first row for this source and detail-type; None when no row matches."""
    for pattern, row in _BY_SOURCE.get(source, ()):
        if pattern.fullmatch(detail_type):
            return row
    return None


def is_admin(principal: Principal) -> bool:
    """A signed-in admin (an API key is never one: it holds scopes, not roles)."""
    return principal.scopes is None and "admin" in principal.roles


def row_of(event: Mapping[str, Any]) -> EventAccess | None:
    """The table's row for an event (an EventBridge envelope); None when no row matches."""
    return access_for(str(event.get("source", "")), str(event.get("detail-type", "")))


class Viewer:
    """One caller's side of the table: whether they hold a row's permissions is worked out once per
    row and remembered (a connection's caller does not change), the owner check per event."""

    def __init__(self, principal: Principal) -> None:
        self.principal, self._admin = principal, is_admin(principal)
        self._rows: dict[EventAccess, bool] = {}

    def sees(self, row: EventAccess | None, event: Mapping[str, Any]) -> bool:
        """Whether this caller may receive `event`, whose row (`row_of(event)`) is `row`."""
        if self._admin:
            return True
        if row is None:
            return False
        allowed = self._rows.get(row)
        if allowed is None:
            allowed = self._rows[row] = all(self.principal.may(p) for p in row.permissions)
        if not allowed or row.owner is None:
            return allowed
        detail = event.get("detail")
        return isinstance(detail, Mapping) and detail.get(row.owner) == self.principal.subject


def may_see(principal: Principal, event: Mapping[str, Any]) -> bool:
    """Whether the live WebSocket may send `event` (an EventBridge envelope) to `principal`."""
    return Viewer(principal).sees(row_of(event), event)
