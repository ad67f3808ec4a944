"""/api/v1/events: put events on a bus (PutEvents semantics) and search its archive."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from hexad.api.pagination import MAX_LIMIT
from hexad.api.security import Principal, require
from hexad.errors import ValidationError
from hexad.runtime.bus import EventBus

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/events", tags=["events"])


class PutEventsIn(BaseModel):
    """Up to ten entries in PutEvents form (`Source`, `DetailType`, `Detail`, `EventBusName`, ...)."""

    entries: list[dict[str, Any]] = Field(min_length=1, max_length=10)


class EntryResult(BaseModel):
    event_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class PutEventsOut(BaseModel):
    failed_entry_count: int
    entries: list[EntryResult]


def _bus(request: Request) -> EventBus:
    bus: EventBus = request.app.state.bus
    return bus


@router.post("", response_model=PutEventsOut)
async def put_events(
    request: Request, body: PutEventsIn, _: Annotated[Principal, Depends(require("events:write"))]
) -> PutEventsOut:
    """Accept events onto their buses; each entry gets an event id or an error code and message."""
    result = await _bus(request).put_events(body.entries)
    entries = [EntryResult(**entry.__dict__) for entry in result.entries]
    return PutEventsOut(failed_entry_count=result.failed_entry_count, entries=entries)


@router.get("", response_model=list[dict[str, Any]])
async def search_events(
    request: Request,
    _: Annotated[Principal, Depends(require("events:read"))],
    bus: str = "default",
    pattern: Annotated[str | None, Query(description="an event pattern as JSON")] = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> list[dict[str, Any]]:
    """Archived events of a bus (oldest first) in [start, end) matching the pattern."""
    if pattern is not None:
        try:
            json.loads(pattern)
        except ValueError:
            raise ValidationError("pattern: expected an event pattern as JSON text") from None
    events = await _bus(request).search(bus, pattern=pattern, start=start, end=end, limit=limit)
    return [event.to_dict() for event in events]
