"""SNS subscription filter policies, compiled onto the runtime's event-pattern matcher.

SNS filter policies use the same operators as EventBridge patterns (exact values, `prefix`,
`suffix`, `equals-ignore-case`, `anything-but`, `numeric`, `exists`, `cidr`, `$or`) with the same
meaning, so a policy is validated here for SNS's own rules and then compiled by
`hexad.runtime.patterns` and matched by it. Where SNS differs, this module follows SNS:

- Scope: `MessageAttributes` (the default) matches the message attributes and refuses nested
  objects; `MessageBody` matches the JSON body like a pattern matches an event, and a body that
  is not a JSON object matches nothing.
- Attribute types: a string is a `String`, a number a `Number` (rounded to five decimals, SNS's
  accuracy), a list a `String.Array` whose elements are matched one by one.
- Limits: at most five keys (leaf paths), at most 150 value combinations (the sum over `$or`
  branches of the product of each key's number of values), numbers within -1e9 .. 1e9.
- `wildcard` is EventBridge-only and refused.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Final, Literal

from hexad.notifications.errors import InvalidFilterPolicy
from hexad.runtime.patterns import InvalidPattern, Pattern, compile_pattern

__all__ = ["MAX_COMBINATIONS", "MAX_KEYS", "FilterPolicy", "FilterScope", "compile_filter_policy"]

FilterScope = Literal["MessageAttributes", "MessageBody"]
MAX_KEYS: Final = 5
MAX_COMBINATIONS: Final = 150
_NUMBER_LIMIT: Final = 1.0e9
AttributeValue = str | int | float | list[Any]


class FilterPolicy:
    """A validated policy; `matches(attributes, body)` says whether a message passes it."""

    __slots__ = ("document", "pattern", "scope")

    def __init__(self, document: dict[str, Any], scope: FilterScope, pattern: Pattern) -> None:
        self.document, self.scope, self.pattern = document, scope, pattern

    def matches(self, attributes: Mapping[str, AttributeValue], body: object) -> bool:
        """True when the message's attributes (or body, by scope) satisfy the policy."""
        if self.scope == "MessageBody":
            return isinstance(body, dict) and self.pattern.matches(body)
        return self.pattern.matches(attribute_document(attributes))


def attribute_document(attributes: Mapping[str, AttributeValue]) -> dict[str, Any]:
    """The attributes as the matcher sees them: numbers at five decimals, arrays as they are."""
    seen: dict[str, Any] = {}
    for name, value in attributes.items():
        if isinstance(value, bool):
            seen[name] = str(value).lower()
        elif isinstance(value, float):
            seen[name] = round(value, 5)
        else:
            seen[name] = value
    return seen


def compile_filter_policy(
    policy: dict[str, Any] | str, scope: FilterScope = "MessageAttributes"
) -> FilterPolicy:
    """Validate `policy` (a dict or JSON text) for SNS and compile it; raises `InvalidFilterPolicy`."""
    if scope not in ("MessageAttributes", "MessageBody"):
        raise InvalidFilterPolicy(
            f"filter policy scope: expected MessageAttributes or MessageBody, got {scope!r}"
        )
    document = _load(policy)
    keys: set[tuple[str, ...]] = set()
    _walk(document, "", (), scope, keys)
    if len(keys) > MAX_KEYS:
        names = ", ".join(".".join(key) for key in sorted(keys))
        raise InvalidFilterPolicy(
            f"filter policy: at most {MAX_KEYS} keys are allowed, got {len(keys)} ({names})"
        )
    try:
        pattern = compile_pattern(document)
    except InvalidPattern as exc:
        raise InvalidFilterPolicy(f"filter policy {exc}") from None
    combinations = sum(
        math.prod(len(c.matchers) + int(c.absent) for c in alternative)
        for alternative in pattern.alternatives
    )
    if combinations > MAX_COMBINATIONS:
        raise InvalidFilterPolicy(
            f"filter policy: its values combine into {combinations} combinations; at most {MAX_COMBINATIONS} "
            "are allowed (the product of each key's number of values, summed over $or branches)"
        )
    return FilterPolicy(document, scope, pattern)


def _load(policy: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except json.JSONDecodeError as exc:
            raise InvalidFilterPolicy(
                f"filter policy: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
    if not isinstance(policy, dict) or not policy:
        raise InvalidFilterPolicy("filter policy: expected a non-empty JSON object")
    return policy


def _walk(
    node: dict[str, Any], json_path: str, path: tuple[str, ...], scope: FilterScope, keys: set[Any]
) -> None:
    for key, value in node.items():
        where = f"{json_path}.{key}" if json_path else key
        if key == "$or" and isinstance(value, list):
            for index, branch in enumerate(value):
                if isinstance(branch, dict):
                    _walk(branch, f"{where}[{index}]", path, scope, keys)
        elif isinstance(value, dict):
            if scope == "MessageAttributes":
                raise InvalidFilterPolicy(
                    f"{where}: attribute filter policies cannot nest objects; "
                    "use the MessageBody scope to filter on nested fields"
                )
            _walk(value, where, (*path, key), scope, keys)
        elif isinstance(value, list):
            keys.add((*path, key))
            for index, item in enumerate(value):
                _check_value(item, f"{where}[{index}]")


def _check_value(item: object, where: str) -> None:
    if isinstance(item, bool) or item is None or isinstance(item, str):
        return
    if isinstance(item, int | float):
        _check_number(item, where)
        return
    if not isinstance(item, dict):
        return
    for name, argument in item.items():
        if name == "wildcard" or (isinstance(argument, dict) and "wildcard" in argument):
            raise InvalidFilterPolicy(f"{where}.{name}: SNS filter policies have no wildcard operator")
        if name in ("numeric", "anything-but") and isinstance(argument, list):
            for index, bound in enumerate(argument):
                if isinstance(bound, int | float) and not isinstance(bound, bool):
                    _check_number(bound, f"{where}.{name}[{index}]")
        elif name == "anything-but" and isinstance(argument, int | float) and not isinstance(argument, bool):
            _check_number(argument, f"{where}.{name}")


def _check_number(value: float, where: str) -> None:
    if not -_NUMBER_LIMIT <= value <= _NUMBER_LIMIT:
        raise InvalidFilterPolicy(
            f"{where}: expected a number between -1e9 and 1e9 (SNS's range), got {value!r}"
        )
