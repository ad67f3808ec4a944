"""/api/v1/rules, /queues and /schedules: the event runtime, for operators.

Rules are data (an event pattern or a schedule expression plus targets); queues show their depth and
dead letters and can be redriven; schedules show when they fire next.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from hexad.api.security import Principal, require
from hexad.errors import ValidationError
from hexad.ports.bus import Rule, Target
from hexad.runtime.bus import EventBus
from hexad.runtime.queues import QueueService
from hexad.runtime.schedules.service import SchedulerService

__all__ = ["queues_router", "rules_router", "schedules_router"]

rules_router = APIRouter(prefix="/api/v1/rules", tags=["rules"])
queues_router = APIRouter(prefix="/api/v1/queues", tags=["queues"])
schedules_router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])


# --- rules


class RuleIn(BaseModel):
    """A rule: exactly one of `event_pattern` and `schedule_expression`, and up to 5 targets."""

    bus: str = "default"
    event_pattern: dict[str, Any] | None = None
    schedule_expression: str | None = None
    state: Literal["ENABLED", "DISABLED"] = "ENABLED"
    description: str = Field("", max_length=512)
    targets: list[dict[str, Any]] = Field(default_factory=list, max_length=5)


def _rule_out(rule: Rule) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(rule.to_json())
    if isinstance(data.get("event_pattern"), str):
        data["event_pattern"] = json.loads(data["event_pattern"])
    return data


def _bus(request: Request) -> EventBus:
    bus: EventBus = request.app.state.bus
    return bus


@rules_router.get("", response_model=list[dict[str, Any]])
async def list_rules(
    request: Request, _: Annotated[Principal, Depends(require("rules:read"))], bus: str | None = None
) -> list[dict[str, Any]]:
    """Every rule (of one bus, when given), by name."""
    return [_rule_out(rule) for rule in await _bus(request).list_rules(bus)]


@rules_router.get("/{name}", response_model=dict[str, Any])
async def get_rule(
    request: Request, name: str, _: Annotated[Principal, Depends(require("rules:read"))], bus: str = "default"
) -> dict[str, Any]:
    """One rule with its targets."""
    return _rule_out(await _bus(request).get_rule(name, bus))


@rules_router.put("/{name}", response_model=dict[str, Any])
async def put_rule(
    request: Request, name: str, body: RuleIn, _: Annotated[Principal, Depends(require("rules:write"))]
) -> dict[str, Any]:
    """Create or replace a rule."""
    try:
        targets = tuple(Target.from_dict(target) for target in body.targets)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"targets: expected objects with id, kind and destination ({exc})") from None
    rule = Rule(
        name=name,
        bus=body.bus,
        event_pattern=body.event_pattern,
        schedule_expression=body.schedule_expression,
        state=body.state,
        description=body.description,
        targets=targets,
    )
    return _rule_out(await _bus(request).put_rule(rule))


@rules_router.delete("/{name}", status_code=204)
async def delete_rule(
    request: Request,
    name: str,
    _: Annotated[Principal, Depends(require("rules:write"))],
    bus: str = "default",
) -> None:
    """Delete a rule (its schedule too, for a scheduled rule)."""
    await _bus(request).delete_rule(name, bus)


@rules_router.post("/{name}/enable", response_model=dict[str, Any])
async def enable_rule(
    request: Request,
    name: str,
    _: Annotated[Principal, Depends(require("rules:write"))],
    bus: str = "default",
) -> dict[str, Any]:
    return _rule_out(await _bus(request).enable_rule(name, bus))


@rules_router.post("/{name}/disable", response_model=dict[str, Any])
async def disable_rule(
    request: Request,
    name: str,
    _: Annotated[Principal, Depends(require("rules:write"))],
    bus: str = "default",
) -> dict[str, Any]:
    return _rule_out(await _bus(request).disable_rule(name, bus))


# --- queues


class QueueOut(BaseModel):
    name: str
    fifo: bool
    dead_letter_queue: str | None
    max_receive_count: int
    visibility_timeout: float
    visible: int
    in_flight: int
    delayed: int


class RedriveOut(BaseModel):
    moved: int


def _queues(request: Request) -> QueueService:
    queues: QueueService = request.app.state.queues
    return queues


@queues_router.get("", response_model=list[QueueOut])
async def list_queues(
    request: Request, _: Annotated[Principal, Depends(require("queues:read"))]
) -> list[QueueOut]:
    """Every queue with its approximate depth (visible, in flight, delayed)."""
    service = _queues(request)
    result = []
    for config in await service.list_queues():
        counts = await service.attributes(config.name)
        result.append(
            QueueOut(
                name=config.name,
                fifo=config.fifo,
                dead_letter_queue=config.dead_letter_queue,
                max_receive_count=config.max_receive_count,
                visibility_timeout=config.visibility_timeout,
                visible=counts.visible,
                in_flight=counts.in_flight,
                delayed=counts.delayed,
            )
        )
    return result


@queues_router.get("/{name}/messages", response_model=list[dict[str, Any]])
async def peek_messages(
    request: Request,
    name: str,
    _: Annotated[Principal, Depends(require("queues:read"))],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[dict[str, Any]]:
    """Look at messages without receiving them (dead letters show their last error)."""
    messages = await _queues(request).peek(name, limit)
    return [
        {
            "message_id": m.message_id,
            "body": m.body,
            "attributes": dict(m.attributes),
            "receive_count": m.receive_count,
            "sent_at": datetime.fromtimestamp(m.sent_at, UTC).isoformat(),
            "group_id": m.group_id,
            "last_error": m.last_error,
        }
        for m in messages
    ]


@queues_router.post("/{name}/redrive", response_model=RedriveOut)
async def redrive(
    request: Request,
    name: str,
    _: Annotated[Principal, Depends(require("queues:write"))],
    destination: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> RedriveOut:
    """Move dead letters back to their source queue (or `destination`)."""
    return RedriveOut(moved=await _queues(request).redrive(name, destination, limit=limit))


# --- schedules


def _scheduler(request: Request) -> SchedulerService:
    scheduler: SchedulerService = request.app.state.scheduler
    return scheduler


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()


@schedules_router.get("", response_model=list[dict[str, Any]])
async def list_schedules(
    request: Request, _: Annotated[Principal, Depends(require("schedules:read"))]
) -> list[dict[str, Any]]:
    """Every schedule with its next firing."""
    return [
        {**json.loads(r.schedule.to_json()), "next_firing": _iso(r.next_scheduled_at)}
        for r in await _scheduler(request).list()
    ]


@schedules_router.get("/{name}/next", response_model=list[str])
async def next_firings(
    request: Request,
    name: str,
    _: Annotated[Principal, Depends(require("schedules:read"))],
    count: Annotated[int, Query(ge=1, le=100)] = 5,
) -> list[str]:
    """The schedule's next firing times (UTC)."""
    return [scheduled.isoformat() for scheduled, _due in await _scheduler(request).upcoming(name, count)]
