"""Choice rules: every comparison operator, its `...Path` form, `And`/`Or`/`Not` and the type tests.

Comparisons follow the Step Functions guide: a value of the wrong type makes a comparison false (not an
error); a `Variable` that selects nothing is a `States.Runtime` error except under `IsPresent`;
timestamps are RFC 3339 strings compared as instants; `StringMatches` knows `*` (any run of
characters) and `\\*`, `\\\\` escapes.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from hexad.runtime.workflows.paths import PathNotFoundError
from hexad.runtime.workflows.variables import read_reference

__all__ = ["COMPARISONS", "TYPE_TESTS", "evaluate_rule", "parse_timestamp", "rule_operator"]

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "LessThanEquals": operator.le,
    "GreaterThan": operator.gt,
    "GreaterThanEquals": operator.ge,
}
_KINDS = ("String", "Numeric", "Timestamp")
COMPARISONS: frozenset[str] = frozenset(
    {f"{kind}{name}" for kind in _KINDS for name in _ORDER} | {"BooleanEquals", "StringMatches"}
)
TYPE_TESTS: frozenset[str] = frozenset(
    {"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"}
)
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp with a time zone (`2026-01-01T00:00:00Z`) as a datetime, else None."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def rule_operator(rule: Mapping[str, Any]) -> str | None:
    """The comparison or type-test key of a rule (`NumericEqualsPath` gives `NumericEqualsPath`)."""
    for key in rule:
        base = key[:-4] if key.endswith("Path") else key
        if base in COMPARISONS or key in TYPE_TESTS:
            return key
    return None


def evaluate_rule(rule: Mapping[str, Any], data: Any, context: Any) -> bool:
    """Evaluate one Choice rule (a data-test expression or And/Or/Not) against the state's input."""
    if "And" in rule:
        return all(evaluate_rule(inner, data, context) for inner in rule["And"])
    if "Or" in rule:
        return any(evaluate_rule(inner, data, context) for inner in rule["Or"])
    if "Not" in rule:
        return not evaluate_rule(rule["Not"], data, context)
    key = rule_operator(rule)
    if key is None:
        raise ValueError("the rule has no comparison operator")
    variable = rule["Variable"]
    if key == "IsPresent":
        return _present(variable, data, context) == bool(rule[key])
    value = _read(variable, data, context)
    if key in TYPE_TESTS:
        return _type_test(key, value) == bool(rule[key])
    if key.endswith("Path") and key[:-4] in COMPARISONS:
        return _compare(key[:-4], value, _read(rule[key], data, context))
    return _compare(key, value, rule[key])


def _read(path: str, data: Any, context: Any) -> Any:
    return read_reference(path, data, context)


def _present(path: str, data: Any, context: Any) -> bool:
    try:
        _read(path, data, context)
    except PathNotFoundError:
        return False
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_test(key: str, value: Any) -> bool:
    if key == "IsNull":
        return value is None
    if key == "IsNumeric":
        return _is_number(value)
    if key == "IsString":
        return isinstance(value, str)
    if key == "IsBoolean":
        return isinstance(value, bool)
    return parse_timestamp(value) is not None


def _compare(key: str, value: Any, expected: Any) -> bool:
    if key == "BooleanEquals":
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    if key == "StringMatches":
        return isinstance(value, str) and isinstance(expected, str) and bool(_wildcard(expected).match(value))
    kind = next(kind for kind in _KINDS if key.startswith(kind))
    compare = _ORDER[key[len(kind) :]]
    if kind == "String":
        return isinstance(value, str) and isinstance(expected, str) and compare(value, expected)
    if kind == "Numeric":
        return _is_number(value) and _is_number(expected) and compare(value, expected)
    left, right = parse_timestamp(value), parse_timestamp(expected)
    return left is not None and right is not None and compare(left, right)


@lru_cache(maxsize=512)
def _wildcard(pattern: str) -> re.Pattern[str]:
    out, position = [], 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\" and position + 1 < len(pattern):
            out.append(re.escape(pattern[position + 1]))
            position += 2
            continue
        out.append(".*" if char == "*" else re.escape(char))
        position += 1
    return re.compile("^" + "".join(out) + "$", re.DOTALL)
