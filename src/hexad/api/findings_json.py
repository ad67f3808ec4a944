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

_FIELDS = ("id", "agent", "kind", "subject_type", "subject_id", "severity", "score", "summary",
           "recommended_action", "status", "created_at", "updated_at", "resolved_at")  # fmt: skip
_COLUMNS = [FINDINGS.c[name] for name in _FIELDS] + [
    sa.cast(FINDINGS.c.evidence, sa.Text).label("evidence_json")
]
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":")).encode
_ORDER = (FINDINGS.c.created_at, FINDINGS.c.id)


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with `Z`, as the API's models write timestamps."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _item(row: Any) -> str:
    """One finding: its columns encoded once, then the stored evidence text as the last member."""
    fields = dict(zip(_FIELDS, row, strict=False))
    fields["score"] = float(fields["score"])
    fields["created_at"], fields["updated_at"] = _iso(fields["created_at"]), _iso(fields["updated_at"])
    fields["resolved_at"] = _iso(fields["resolved_at"])
    return _ENCODE(fields)[:-1] + ',"evidence":' + (row.evidence_json or "{}") + "}"


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
