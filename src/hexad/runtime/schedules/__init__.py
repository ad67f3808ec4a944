"""Hexad's scheduler: EventBridge Scheduler expressions and a durable scheduler service.

`expressions` parses cron()/rate()/at() and computes firings in a time zone; `windows` places a
firing inside its flexible window; `planning` moves a schedule's pointer and applies the missed-firing
policy; `service` stores schedules through a `ScheduleStore` and fires them through a sink.
"""

from __future__ import annotations

from hexad.runtime.schedules.expressions import next_firings, parse_expression
from hexad.runtime.schedules.service import FiringSink, SchedulerService

__all__ = ["FiringSink", "SchedulerService", "next_firings", "parse_expression"]
