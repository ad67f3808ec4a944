"""Checks on rules, targets and bus names, with EventBridge's limits; each failure names the field.

Patterns are compiled here (so an invalid pattern is refused when the rule is put, never when an
event arrives) and stored in a normal form: compact JSON text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from hexad.errors import RuleError
from hexad.ports.bus import TARGET_KINDS, Rule, Target
from hexad.runtime.bus.transform import compile_path, validate_input
from hexad.runtime.patterns import InvalidPattern, compile_pattern

__all__ = ["MAX_TARGETS", "check_bus_name", "normal_pattern", "validate_rule"]

MAX_TARGETS = 5
_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
_TARGET_ID = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
_MAX_DESCRIPTION = 512
_MAX_TIMEOUT_SECONDS = 300.0


def check_bus_name(name: str) -> str:
    """The name, if it is 1-64 letters, digits, '.', '-' or '_'."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise RuleError(f"bus name: expected 1-64 letters, digits, '.', '-' or '_', got {name!r}")
    return name


def normal_pattern(pattern: str | Mapping[str, Any], where: str) -> str:
    """Compile `pattern` (JSON text or a dict) and return it as compact JSON text."""
    try:
        data = json.loads(pattern) if isinstance(pattern, str) else dict(pattern)
    except ValueError as exc:
        raise RuleError(f"{where}: expected a JSON object: {exc}") from None
    try:
        compile_pattern(data)
    except InvalidPattern as exc:
        raise RuleError(f"{where}: {exc}") from None
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def validate_rule(rule: Rule) -> Rule:
    """Check every field of a rule and its targets; returns it with its pattern in normal form."""
    where = f"rule {rule.name!r}"
    if not isinstance(rule.name, str) or not _NAME.match(rule.name):
        raise RuleError(f"rule name: expected 1-64 letters, digits, '.', '-' or '_', got {rule.name!r}")
    check_bus_name(rule.bus)
    if rule.event_pattern is None and not rule.schedule_expression:
        raise RuleError(f"{where}: expected an event_pattern or a schedule_expression")
    if rule.state not in ("ENABLED", "DISABLED"):
        raise RuleError(f"{where}.state: expected ENABLED or DISABLED, got {rule.state!r}")
    if len(rule.description) > _MAX_DESCRIPTION:
        raise RuleError(f"{where}.description: expected at most {_MAX_DESCRIPTION} characters")
    pattern = (
        None if rule.event_pattern is None else normal_pattern(rule.event_pattern, f"{where}.event_pattern")
    )
    validate_targets(rule.targets, where)
    return replace(rule, event_pattern=pattern, targets=tuple(rule.targets))


def validate_targets(targets: tuple[Target, ...] | list[Target], where: str) -> None:
    """Check a rule's targets: at most five, unique ids, each one well formed."""
    if len(targets) > MAX_TARGETS:
        raise RuleError(f"{where}.targets: expected at most {MAX_TARGETS} targets, got {len(targets)}")
    seen: set[str] = set()
    for target in targets:
        if target.id in seen:
            raise RuleError(f"{where}.targets: target id {target.id!r} appears twice")
        seen.add(target.id)
        _validate_target(target, f"{where}.targets[{target.id}]")


def _validate_target(target: Target, where: str) -> None:
    if not isinstance(target.id, str) or not _TARGET_ID.match(target.id):
        raise RuleError(f"{where}.id: expected 1-64 letters, digits, '.', '-' or '_', got {target.id!r}")
    if target.kind not in TARGET_KINDS:
        raise RuleError(f"{where}.kind: expected one of {', '.join(TARGET_KINDS)}, got {target.kind!r}")
    if not isinstance(target.destination, str) or not target.destination:
        raise RuleError(f"{where}.destination: expected a non-empty name or URL")
    if target.kind == "webhook" and not target.destination.startswith(("http://", "https://")):
        raise RuleError(
            f"{where}.destination: expected an http:// or https:// URL, got {target.destination!r}"
        )
    policy = target.retry_policy
    if not 0 <= policy.maximum_retry_attempts <= 185:
        raise RuleError(f"{where}.retry_policy.maximum_retry_attempts: expected 0-185")
    if not 60 <= policy.maximum_event_age_seconds <= 86400:
        raise RuleError(f"{where}.retry_policy.maximum_event_age_seconds: expected 60-86400")
    if target.dead_letter_queue is not None and not target.dead_letter_queue:
        raise RuleError(f"{where}.dead_letter_queue: expected a queue name")
    if not 0 < target.timeout_seconds <= _MAX_TIMEOUT_SECONDS:
        raise RuleError(f"{where}.timeout_seconds: expected more than 0 and at most {_MAX_TIMEOUT_SECONDS}")
    if target.group_key is not None:
        try:
            compile_path(target.group_key)
        except RuleError as exc:
            raise RuleError(f"{where}.group_key: {exc}") from None
    validate_input(target, where)
