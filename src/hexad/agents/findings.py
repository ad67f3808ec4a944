"""`FindingStore`: the findings every agent writes, in the domain database's `findings` table.

One row per (agent, kind, subject): re-running an agent updates its findings in place instead of
piling up copies, so a person's acknowledgement survives the nightly run. A full run also resolves
the agent's open findings it no longer produces (the problem went away); a run for one subject only
touches that subject's rows. SQLAlchemy Core keeps the store the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hexad.agents.base import SEVERITIES, FindingDraft
from hexad.config import Settings
from hexad.domain.database import current_revision, engine_for, head_revision, upgrade
from hexad.domain.models import Finding as FindingRow
from hexad.domain.models import FindingComment
from hexad.errors import FindingNotFoundError, ValidationError
from hexad.runtime.clock import Clock, SystemClock

__all__ = [
    "FINDINGS",
    "Comment",
    "Finding",
    "FindingStatus",
    "FindingStore",
    "SaveReport",
    "open_finding_store",
]

FindingStatus = Literal["open", "acknowledged", "resolved"]
_STATUSES: tuple[str, ...] = get_args(FindingStatus)
FINDINGS: sa.Table = FindingRow.__table__  # type: ignore[assignment]
COMMENTS: sa.Table = FindingComment.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Finding:
    """A stored finding: the draft's fields plus identity, status and timestamps."""

    id: str
    agent: str
    kind: str
    subject_type: str
    subject_id: str
    severity: str
    score: float
    summary: str
    evidence: dict[str, Any]
    recommended_action: str
    status: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (timestamps ISO 8601) for `--json` and the API."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in ("created_at", "updated_at", "resolved_at"):
            value = data[name]
            data[name] = None if value is None else value.isoformat()
        return data


@dataclass(frozen=True)
class Comment:
    """A person's note on a finding."""

    id: str
    finding_id: str
    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class SaveReport:
    """How a save changed the store."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    resolved: int = 0


def _content(draft: FindingDraft) -> dict[str, Any]:
    return {
        "severity": draft.severity,
        "score": round(float(draft.score), 4),
        "summary": draft.summary,
        # NaN (pandas' missing value) becomes null: PostgreSQL's JSONB refuses NaN and Infinity
        "evidence": json.loads(json.dumps(draft.evidence, default=str), parse_constant=lambda _: None),
        "recommended_action": draft.recommended_action,
    }


class FindingStore:
    """Findings over the domain database's engine (its schema comes from the domain migrations)."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock = clock or SystemClock()

    def _now(self) -> datetime:
        return self._clock.now()

    def save(self, agent: str, drafts: Sequence[FindingDraft], *, full_run: bool) -> SaveReport:
        """Upsert the drafts (idempotent); a full run resolves the agent's findings not produced again."""
        _check_drafts(drafts)
        now = self._now()
        with self._engine.begin() as conn:
            existing = {
                (row.kind, row.subject_type, row.subject_id): row
                for row in conn.execute(sa.select(FINDINGS).where(FINDINGS.c.agent == agent))
            }
            inserts, updates, unchanged, seen = _plan(agent, drafts, existing, now)
            if inserts:
                conn.execute(FINDINGS.insert(), inserts)
            for row_id, values in updates:
                conn.execute(FINDINGS.update().where(FINDINGS.c.id == row_id).values(**values))
            stale = [row.id for key, row in existing.items() if key not in seen and row.status != "resolved"]
            resolved = len(stale) if full_run else 0
            if full_run and stale:
                conn.execute(
                    FINDINGS.update()
                    .where(FINDINGS.c.id.in_(stale))
                    .values(status="resolved", resolved_at=now, updated_at=now)
                )
        return SaveReport(new=len(inserts), updated=len(updates), unchanged=unchanged, resolved=resolved)

    def list(
        self,
        *,
        agent: str | None = None,
        kind: str | None = None,
        severity: str | None = None,
        status: str | None = None,
        subject_id: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> list[Finding]:
        """Findings matching every filter, oldest first; pass the last id as `cursor` for the next page."""
        order = (FINDINGS.c.created_at, FINDINGS.c.id)
        query = sa.select(FINDINGS).order_by(*order).limit(max(1, limit))
        filters = {"agent": agent, "kind": kind, "severity": severity, "status": status}
        filters["subject_id"] = subject_id
        for name, value in filters.items():
            if value is not None:
                query = query.where(FINDINGS.c[name] == value)
        with self._engine.connect() as conn:
            if cursor is not None:
                after = conn.execute(sa.select(*order).where(FINDINGS.c.id == cursor)).first()
                if after is None:
                    raise ValidationError(f"cursor: no finding with id {cursor!r}")
                query = query.where(sa.tuple_(*order) > sa.tuple_(sa.literal(after[0]), sa.literal(after[1])))
            return [_finding(row) for row in conn.execute(query)]

    def get(self, finding_id: str) -> Finding:
        """One finding by id, or `FindingNotFoundError`."""
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(FINDINGS).where(FINDINGS.c.id == finding_id)).first()
        if row is None:
            raise FindingNotFoundError(f"no finding with id {finding_id}")
        return _finding(row)

    def set_status(self, finding_id: str, status: str) -> Finding:
        """Acknowledge, resolve or reopen a finding."""
        return self.change_status(finding_id, status)[1]

    def change_status(self, finding_id: str, status: str) -> tuple[Finding, Finding]:
        """Set a finding's status; returns the finding before and after (one transaction)."""
        if status not in _STATUSES:
            raise ValidationError(f"status: expected one of {', '.join(_STATUSES)}, got {status!r}")
        now = self._now()
        values: dict[str, Any] = {"status": status, "updated_at": now}
        values["resolved_at"] = now if status == "resolved" else None
        with self._engine.begin() as conn:
            before = _locked(conn, finding_id)
            conn.execute(FINDINGS.update().where(FINDINGS.c.id == finding_id).values(**values))
            return before, _locked(conn, finding_id)

    def undo_status(self, before: Finding, after: Finding) -> bool:
        """Put back `before`'s status if the finding still has `after`'s; False when it moved on."""
        still = (FINDINGS.c.id == after.id) & (FINDINGS.c.status == after.status)
        values = {"status": before.status, "updated_at": before.updated_at, "resolved_at": before.resolved_at}
        with self._engine.begin() as conn:
            return bool(conn.execute(FINDINGS.update().where(still).values(**values)).rowcount)

    def add_comment(self, finding_id: str, author: str, body: str) -> tuple[Finding, Comment]:
        """Store `author`'s comment; returns the finding and the comment."""
        comment = Comment(uuid.uuid4().hex, finding_id, author, body, self._now())
        with self._engine.begin() as conn:
            finding = _locked(conn, finding_id)
            conn.execute(COMMENTS.insert().values(**comment.__dict__))
        return finding, comment

    def delete_comment(self, comment_id: str) -> None:
        """Remove a comment (a comment whose announcement failed)."""
        with self._engine.begin() as conn:
            conn.execute(COMMENTS.delete().where(COMMENTS.c.id == comment_id))

    def comments(self, finding_id: str) -> builtins.list[Comment]:
        """A finding's comments, oldest first; `FindingNotFoundError` for an unknown finding."""
        query = (
            sa.select(COMMENTS)
            .where(COMMENTS.c.finding_id == finding_id)
            .order_by(COMMENTS.c.created_at, COMMENTS.c.id)
        )
        with self._engine.connect() as conn:
            _locked(conn, finding_id, lock=False)
            rows = conn.execute(query).all()
        return [Comment(r.id, r.finding_id, r.author, r.body, _utc(r.created_at)) for r in rows]


def _locked(conn: sa.Connection, finding_id: str, *, lock: bool = True) -> Finding:
    """The finding's row, locked for the transaction where the database can (PostgreSQL)."""
    query = sa.select(FINDINGS).where(FINDINGS.c.id == finding_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise FindingNotFoundError(f"no finding with id {finding_id}")
    return _finding(row)


def _plan(
    agent: str, drafts: Sequence[FindingDraft], existing: dict[tuple[str, str, str], Any], now: datetime
) -> tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]], int, set[tuple[str, str, str]]]:
    inserts: list[dict[str, Any]] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    unchanged = 0
    seen: set[tuple[str, str, str]] = set()
    for draft in drafts:
        key = (draft.kind, draft.subject_type, draft.subject_id)
        if key in seen:
            continue
        seen.add(key)
        content = _content(draft)
        row = existing.get(key)
        if row is None:
            identity = {
                "id": uuid.uuid4().hex,
                "agent": agent,
                "kind": key[0],
                "subject_type": key[1],
                "subject_id": key[2],
            }
            stamps = {"status": "open", "created_at": now, "updated_at": now, "resolved_at": None}
            inserts.append(identity | content | stamps)
        elif row.status == "resolved" or any(getattr(row, k) != v for k, v in content.items()):
            reopened = {"status": "open", "resolved_at": None} if row.status == "resolved" else {}
            updates.append((row.id, content | reopened | {"updated_at": now}))
        else:
            unchanged += 1
    return inserts, updates, unchanged, seen


def _check_drafts(drafts: Sequence[FindingDraft]) -> None:
    for index, draft in enumerate(drafts):
        if draft.severity not in SEVERITIES:
            raise ValidationError(
                f"finding {index} ({draft.kind} {draft.subject_id}): severity expected one of "
                f"{', '.join(SEVERITIES)}, got {draft.severity!r}"
            )
        if not 0.0 <= float(draft.score) <= 1.0:
            raise ValidationError(
                f"finding {index} ({draft.kind} {draft.subject_id}): "
                f"score expected in [0, 1], got {draft.score}"
            )


def _finding(row: Any) -> Finding:
    return Finding(
        id=str(row.id), agent=row.agent, kind=row.kind, subject_type=row.subject_type,
        subject_id=row.subject_id, severity=row.severity, score=float(row.score), summary=row.summary,
        evidence=dict(row.evidence), recommended_action=row.recommended_action, status=row.status,
        created_at=_utc(row.created_at), updated_at=_utc(row.updated_at),
        resolved_at=None if row.resolved_at is None else _utc(row.resolved_at),
    )  # fmt: skip


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def open_finding_store(settings: Settings, clock: Clock | None = None) -> FindingStore:
    """The store on the settings' domain database, migrated to the newest schema first if needed."""
    engine = engine_for(settings)
    if current_revision(engine=engine) != head_revision():
        upgrade(engine=engine)
    return FindingStore(engine, clock)
