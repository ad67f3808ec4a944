"""`UsageStore`: every language-model call's tokens and cost in the domain database (`llm_calls`).

Rows hold counts, the model and the outcome, never prompts, answers or credentials, so the table is
safe to show in the dashboard and to keep.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hexad.domain.models import LlmCall

__all__ = ["CallRecord", "UsageStore", "UsageTotal"]

_CALLS: sa.Table = LlmCall.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class CallRecord:
    """One call as recorded."""

    provider: str
    model: str
    purpose: str
    status: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    attempts: int = 1
    error: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class UsageTotal:
    """Calls, tokens and cost summed for one (provider, model, purpose)."""

    provider: str
    model: str
    purpose: str
    calls: int
    errors: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


class UsageStore:
    """Append call records and sum them by provider, model and purpose."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, call: CallRecord) -> None:
        """Store one call."""
        row = asdict(call) | {"id": uuid.uuid4().hex, "at": call.at or datetime.now(UTC)}
        with self._engine.begin() as conn:
            conn.execute(_CALLS.insert(), [row])

    def recent(self, limit: int = 50) -> list[CallRecord]:
        """The newest calls first."""
        query = sa.select(_CALLS).order_by(_CALLS.c.at.desc(), _CALLS.c.id).limit(max(1, limit))
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [CallRecord(**{k: v for k, v in row.items() if k != "id"}) for row in rows]

    def totals(self, since: datetime | None = None) -> list[UsageTotal]:
        """Sums per provider, model and purpose (calls since `since`, or all)."""
        c = _CALLS.c
        keys = (c.provider, c.model, c.purpose)
        errors = sa.func.sum(sa.case((c.status != "ok", 1), else_=0))
        query = sa.select(
            *keys, sa.func.count(), errors, sa.func.sum(c.input_tokens), sa.func.sum(c.output_tokens),
            sa.func.sum(c.cache_read_tokens), sa.func.sum(c.cache_write_tokens), sa.func.sum(c.cost_usd),
        ).group_by(*keys).order_by(*keys)  # fmt: skip
        if since is not None:
            query = query.where(c.at >= since)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            UsageTotal(r[0], r[1], r[2], int(r[3]), int(r[4] or 0), int(r[5] or 0), int(r[6] or 0),
                       int(r[7] or 0), int(r[8] or 0), round(float(r[9] or 0.0), 6))
            for r in rows
        ]  # fmt: skip
