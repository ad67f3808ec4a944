"""The findings list as JSON bytes straight from the rows: the API's hottest read, kept lean.

Evidence is stored as JSON already, so this reads it as text and places it into the answer instead
of decoding it to Python and encoding it again (most of a page's cost). The filters, order (creation
time, then id) and cursor (the last id) are those of `FindingStore.list`; a test checks that both
give the same document.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hexad.agents.findings import FINDINGS
from hexad.errors import ValidationError

__all__ = ["findings_page_json"]

_HEAD = ("id", "agent", "kind", "subject_type", "subject_id", "severity", "score", "summary")
_TAIL = ("recommended_action", "status", "created_at", "updated_at", "resolved_at")
_COLUMNS = [FINDINGS.c[name] for name in _HEAD + _TAIL] + [
    sa.cast(FINDINGS.c.evidence, sa.Text).label("evidence_json")
]
_ORDER = (FINDINGS.c.created_at, FINDINGS.c.id)


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with `Z`, as the API's models write timestamps."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _item(row: Any) -> str:
    head = {name: getattr(row, name) for name in _HEAD}
    head["score"] = float(head["score"])
    tail = {name: getattr(row, name) for name in _TAIL}
    for name in ("created_at", "updated_at", "resolved_at"):
        tail[name] = _iso(tail[name])
    return (
        json.dumps(head, ensure_ascii=False)[:-1]
        + ',"evidence":' + (row.evidence_json or "{}") + ","
        + json.dumps(tail, ensure_ascii=False)[1:]
    )  # fmt: skip


def findings_page_json(
    engine: Engine, filters: dict[str, str | None], limit: int, cursor: str | None
) -> bytes:
    """`{"items": [...], "next_cursor": ...}` for findings matching every non-None filter."""
    query = sa.select(*_COLUMNS).order_by(*_ORDER).limit(limit + 1)
    for name, value in filters.items():
        if value is not None:
            query = query.where(FINDINGS.c[name] == value)
    with engine.connect() as conn:
        if cursor is not None:
            after = conn.execute(sa.select(*_ORDER).where(FINDINGS.c.id == cursor)).first()
            if after is None:
                raise ValidationError(f"cursor: no finding with id {cursor!r}")
            query = query.where(sa.tuple_(*_ORDER) > sa.tuple_(sa.literal(after[0]), sa.literal(after[1])))
        rows = conn.execute(query).all()
    page = rows[:limit]
    next_cursor = page[-1].id if len(rows) > limit else None
    body = (
        '{"items":['
        + ",".join(_item(row) for row in page)
        + '],"next_cursor":'
        + json.dumps(next_cursor)
        + "}"
    )
    return body.encode()
