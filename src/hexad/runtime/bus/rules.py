"""The bus's view of its rules: a `RuleIndex` per bus, and the schedules behind scheduled rules.

`RuleBook` keeps the enabled pattern rules of every bus compiled into one `RuleIndex` per bus, so
matching an event costs one index lookup whatever the number of rules. It reloads everything when
the store's rules version moved, which is how a rule put by the CLI in another process reaches a
running worker: the check is one tiny query per `put_events` call.

`ScheduleSync` mirrors rules with a `schedule_expression` into the scheduler as schedules named
`rule.<bus>.<rule>` whose input names the rule; the firing sink hands such firings back to
`EventBus.fire_scheduled_rule`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from hexad.errors import NotFoundError, RuleError, ScheduleError
from hexad.ports.bus import BusStore, Rule
from hexad.ports.schedules import BusTarget, Schedule
from hexad.runtime.patterns import RuleIndex
from hexad.runtime.schedules.service import SchedulerService

__all__ = ["RULE_SCHEDULE_PREFIX", "RuleBook", "ScheduleSync", "rule_of_schedule", "schedule_name"]

RULE_SCHEDULE_PREFIX = "rule."
_RULE_KEY = "hexad-rule"
_BUS_KEY = "hexad-bus"


class RuleBook:
    """Enabled pattern rules per bus, indexed; refreshed from the store when they changed."""

    def __init__(self, store: BusStore) -> None:
        self._store = store
        self._version = -1
        self._indexes: dict[str, RuleIndex] = {}
        self._rules: dict[str, dict[str, Rule]] = {}

    async def refresh(self) -> None:
        """Reload the rules if any process changed one since the last load."""
        version = self._store.rules_version()
        if version == self._version:
            return
        indexes: dict[str, RuleIndex] = {}
        rules: dict[str, dict[str, Rule]] = {}
        for rule in await self._store.list_rules(None):
            if rule.state != "ENABLED" or rule.event_pattern is None:
                continue
            indexes.setdefault(rule.bus, RuleIndex()).add(rule.name, _pattern(rule))
            rules.setdefault(rule.bus, {})[rule.name] = rule
        self._indexes, self._rules, self._version = indexes, rules, version

    def match(self, bus: str, event: dict[str, Any]) -> list[Rule]:
        """The enabled rules of `bus` that `event` matches, by name."""
        index = self._indexes.get(bus)
        if index is None:
            return []
        rules = self._rules[bus]
        return [rules[name] for name in sorted(index.match(event))]

    def selection(self, bus: str, names: Sequence[str] | None) -> set[str]:
        """The enabled pattern rules of `bus` named in `names` (all when None); unknown names are errors."""
        available = set(self._rules.get(bus, {}))
        if names is None:
            return available
        unknown = sorted(set(names) - available)
        if unknown:
            raise NotFoundError(f"bus {bus!r} has no enabled event-pattern rule {unknown[0]!r}")
        return set(names)


def _pattern(rule: Rule) -> str | dict[str, Any]:
    pattern = rule.event_pattern
    assert pattern is not None
    return pattern if isinstance(pattern, str) else dict(pattern)


def schedule_name(rule: Rule) -> str:
    """The name of a scheduled rule's schedule (hashed when bus and rule names are too long)."""
    name = f"{RULE_SCHEDULE_PREFIX}{rule.bus}.{rule.name}"
    if len(name) <= 64:
        return name
    digest = hashlib.sha256(f"{rule.bus}/{rule.name}".encode()).hexdigest()[:24]
    return f"{RULE_SCHEDULE_PREFIX}{rule.name[:32]}.{digest}"


def rule_of_schedule(schedule: Schedule) -> tuple[str, str] | None:
    """(bus, rule) when `schedule` stands for a scheduled rule, else None."""
    if not schedule.name.startswith(RULE_SCHEDULE_PREFIX):
        return None
    try:
        data = json.loads(schedule.input)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get(_RULE_KEY), str):
        return None
    bus = data.get(_BUS_KEY)
    return (bus if isinstance(bus, str) else "default"), data[_RULE_KEY]


class ScheduleSync:
    """Creates, updates and removes the schedules of scheduled rules."""

    def __init__(self, scheduler: SchedulerService | None) -> None:
        self._scheduler = scheduler

    async def sync(self, rule: Rule, previous: Rule | None) -> None:
        """Make the scheduler agree with `rule` (validating its expression before the rule is stored)."""
        if not rule.schedule_expression:
            if previous is not None:
                await self.remove(previous)
            return
        if self._scheduler is None:
            raise RuleError(
                f"rule {rule.name!r}: a schedule_expression needs a scheduler; none is configured"
            )
        schedule = Schedule(
            name=schedule_name(rule),
            expression=rule.schedule_expression,
            target=BusTarget(bus=rule.bus),
            input=json.dumps({_RULE_KEY: rule.name, _BUS_KEY: rule.bus}),
            state=rule.state,
            description=f"scheduled rule {rule.name} on event bus {rule.bus}",
        )
        try:
            await self._scheduler.get(schedule.name)
        except NotFoundError:
            exists = False
        else:
            exists = True
        try:
            await (self._scheduler.update(schedule) if exists else self._scheduler.add(schedule))
        except ScheduleError as exc:
            raise RuleError(f"rule {rule.name!r}: schedule_expression: {exc}") from None

    async def remove(self, rule: Rule) -> None:
        """Delete the rule's schedule, if it has one."""
        if not rule.schedule_expression or self._scheduler is None:
            return
        with contextlib.suppress(NotFoundError):
            await self._scheduler.remove(schedule_name(rule))
