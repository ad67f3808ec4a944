"""Parsing and validating an event pattern into alternatives of field conditions.

A pattern compiles to a disjunction of alternatives (one per combination of `$or` branches); an
alternative is a conjunction of `FieldCondition`s, one per leaf array of the pattern; a condition
is an OR of value matchers on one path. Every rejection names the JSON path of the problem, e.g.
`detail.amount[0].numeric[1]: expected a number, got 'ten'`, because a rule author needs to know
where to look. What is rejected follows EventBridge: non-object patterns, empty objects and arrays,
scalars where an array is expected, nested arrays, unknown operators, malformed operator arguments,
`$or` with fewer than two objects, and patterns whose `$or` branches multiply past
`MAX_ALTERNATIVES` combinations.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from hexad.errors import PatternError
from hexad.runtime.patterns.numeric import NumericSyntaxError, parse_numeric
from hexad.runtime.patterns.operators import (
    AnyOf,
    AnythingBut,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    ExactSet,
    Exists,
    Matcher,
    Prefix,
    Suffix,
)
from hexad.runtime.patterns.values import JsonLeaf, Path, is_number, value_key
from hexad.runtime.patterns.wildcard import WildcardSyntaxError, parse_wildcard

__all__ = [
    "MAX_ALTERNATIVES",
    "Alternative",
    "FieldCondition",
    "InvalidPattern",
    "load_pattern",
    "parse_field",
    "parse_pattern",
]

MAX_ALTERNATIVES: Final = 1000
"""The most `$or` combinations one pattern may expand to (a rule that complex is refused)."""


class InvalidPattern(PatternError, ValueError):  # noqa: N818 - the public name other code imports
    """An event pattern is not valid; the message starts with the JSON path of the problem."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class FieldCondition:
    """The values one path may have: any matcher on any leaf value, or absence when `absent`."""

    path: Path
    matchers: tuple[Matcher, ...]
    absent: bool = False
    _exact: frozenset[object] = field(init=False, compare=False, repr=False)
    _others: tuple[Matcher, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        exact = frozenset(m.key for m in self.matchers if isinstance(m, Exact))
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_others", tuple(m for m in self.matchers if not isinstance(m, Exact)))

    def satisfied(self, values: Sequence[JsonLeaf] | None) -> bool:
        """True when the path's leaf values (None when it has none) satisfy the condition."""
        if values is None:
            return self.absent
        exact = self._exact
        others = self._others
        for value in values:
            if exact and (value if type(value) is str else value_key(value)) in exact:
                return True
            for matcher in others:
                if matcher.matches(value):
                    return True
        return False


Alternative = tuple[FieldCondition, ...]


def load_pattern(pattern: dict[str, Any] | str) -> dict[str, Any]:
    """The pattern as a dict: JSON text is parsed (NaN and Infinity are not JSON)."""
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise InvalidPattern(
                f"pattern: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
    if not isinstance(pattern, dict):
        raise InvalidPattern(f"pattern: expected a JSON object, got {_kind(pattern)}")
    return pattern


def parse_pattern(pattern: dict[str, Any] | str) -> tuple[dict[str, Any], tuple[Alternative, ...]]:
    """The pattern document and its alternatives; raises `InvalidPattern`."""
    document = load_pattern(pattern)
    alternatives = _parse_object(document, "", ())
    return document, tuple(tuple(sorted(alt, key=lambda c: c.path)) for alt in alternatives)


def parse_field(values: object, json_path: str, path: Path = ()) -> FieldCondition:
    """One leaf array of a pattern (`["a", {"prefix": "b"}]`) as a condition on `path`."""
    if not isinstance(values, list):
        raise InvalidPattern(f"{json_path}: expected an array of values, got {_kind(values)}")
    if not values:
        raise InvalidPattern(f"{json_path}: empty arrays are not allowed; expected at least one value")
    matchers: list[Matcher] = []
    absent = False
    for index, item in enumerate(values):
        item_path = f"{json_path}[{index}]"
        if isinstance(item, dict):
            matcher = _parse_operator(item, item_path)
            if matcher == Exists(False):
                absent = True
                continue
            matchers.append(matcher)
        else:
            matchers.append(Exact(_leaf(item, item_path)))
    return FieldCondition(path, tuple(dict.fromkeys(matchers)), absent)


def _parse_object(obj: object, json_path: str, path: Path) -> list[list[FieldCondition]]:
    where = json_path or "pattern"
    if not isinstance(obj, dict):
        raise InvalidPattern(f"{where}: expected an object, got {_kind(obj)}")
    if not obj:
        raise InvalidPattern(f"{where}: expected at least one field, got an empty object")
    plain: list[FieldCondition] = []
    groups: list[list[list[FieldCondition]]] = []
    for key, value in obj.items():
        key_path = _join(json_path, key)
        if key == "$or":
            groups.append(_parse_or(value, key_path, path))
        elif isinstance(value, dict):
            groups.append(_parse_object(value, key_path, (*path, key)))
        elif isinstance(value, list):
            plain.append(parse_field(value, key_path, (*path, key)))
        else:
            raise InvalidPattern(f"{key_path}: expected an array of values or an object, got {_kind(value)}")
    alternatives = [plain]
    for group in groups:
        if len(alternatives) * len(group) > MAX_ALTERNATIVES:
            raise InvalidPattern(_too_many(where))
        alternatives = [[*left, *right] for left in alternatives for right in group]
    return alternatives


def _parse_or(value: object, json_path: str, path: Path) -> list[list[FieldCondition]]:
    if not isinstance(value, list) or len(value) < 2:
        raise InvalidPattern(f"{json_path}: expected an array of at least two objects, got {_kind(value)}")
    alternatives: list[list[FieldCondition]] = []
    for index, branch in enumerate(value):
        alternatives.extend(_parse_object(branch, f"{json_path}[{index}]", path))
        if len(alternatives) > MAX_ALTERNATIVES:
            raise InvalidPattern(_too_many(json_path))
    return alternatives


def _parse_operator(item: dict[str, Any], json_path: str) -> Matcher:
    if len(item) != 1:
        raise InvalidPattern(
            f"{json_path}: expected an object with exactly one operator, got {len(item)} keys"
        )
    ((name, argument),) = item.items()
    parser = _OPERATORS.get(name)
    if parser is None:
        raise InvalidPattern(
            f"{json_path}: unknown operator {name!r}; expected one of {', '.join(sorted(_OPERATORS))}"
        )
    return parser(argument, f"{json_path}.{name}")


def _leaf(value: object, json_path: str) -> JsonLeaf:
    if isinstance(value, list):
        raise InvalidPattern(f"{json_path}: nested arrays are not allowed; expected a value or an operator")
    if value is None or isinstance(value, str | bool):
        return value
    if is_number(value):
        if math.isfinite(value):  # type: ignore[arg-type]
            return value  # type: ignore[return-value]
        raise InvalidPattern(f"{json_path}: expected a finite number, got {value!r}")
    raise InvalidPattern(f"{json_path}: expected a JSON value, got {_kind(value)}")


def _string(argument: object, json_path: str, what: str = "a string") -> str:
    if not isinstance(argument, str):
        raise InvalidPattern(f"{json_path}: expected {what}, got {_kind(argument)}")
    return argument


def _affix(argument: object, json_path: str) -> tuple[str, bool]:
    """`"text"` or `{"equals-ignore-case": "text"}` (the argument of prefix and suffix)."""
    if isinstance(argument, dict):
        if list(argument) != ["equals-ignore-case"]:
            raise InvalidPattern(
                f'{json_path}: expected a string or {{"equals-ignore-case": string}}, '
                f"got keys {sorted(argument)}"
            )
        return _string(argument["equals-ignore-case"], f"{json_path}.equals-ignore-case"), True
    return _string(argument, json_path, 'a string or {"equals-ignore-case": string}'), False


def _prefix(argument: object, json_path: str) -> Matcher:
    text, ignore_case = _affix(argument, json_path)
    return Prefix(text, ignore_case)


def _suffix(argument: object, json_path: str) -> Matcher:
    text, ignore_case = _affix(argument, json_path)
    return Suffix(text, ignore_case)


def _equals_ignore_case(argument: object, json_path: str) -> Matcher:
    return EqualsIgnoreCase(frozenset({_string(argument, json_path).lower()}))


def _wildcard(argument: object, json_path: str) -> Matcher:
    try:
        wildcard = parse_wildcard(_string(argument, json_path))
    except WildcardSyntaxError as exc:
        raise InvalidPattern(f"{json_path}: {exc}") from None
    return Exact(wildcard.pieces[0]) if wildcard.is_literal else wildcard


def _exists(argument: object, json_path: str) -> Matcher:
    if not isinstance(argument, bool):
        raise InvalidPattern(f"{json_path}: expected true or false, got {_kind(argument)}")
    return Exists(argument)


def _numeric(argument: object, json_path: str) -> Matcher:
    try:
        return parse_numeric(argument)
    except NumericSyntaxError as exc:
        where = json_path if exc.index is None else f"{json_path}[{exc.index}]"
        raise InvalidPattern(f"{where}: {exc}") from None


def _cidr(argument: object, json_path: str) -> Matcher:
    text = _string(argument, json_path, "a CIDR block such as 10.0.0.0/24")
    if text.count("/") != 1:
        raise InvalidPattern(f"{json_path}: expected a CIDR block such as 10.0.0.0/24, got {text!r}")
    try:
        return Cidr(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError as exc:
        raise InvalidPattern(f"{json_path}: not a valid IPv4 or IPv6 CIDR block: {exc}") from None


def _anything_but(argument: object, json_path: str) -> Matcher:
    if isinstance(argument, dict):
        return AnythingBut(_anything_but_operator(argument, json_path))
    if isinstance(argument, list):
        return AnythingBut(ExactSet(_anything_but_list(argument, json_path)))
    if isinstance(argument, str) or is_number(argument):
        return AnythingBut(ExactSet(frozenset({value_key(_leaf(argument, json_path))})))
    raise InvalidPattern(
        f"{json_path}: expected a string, a number, an array of strings or of numbers, or an object "
        f"with prefix, suffix, equals-ignore-case or wildcard; got {_kind(argument)}"
    )


def _anything_but_list(values: list[Any], json_path: str) -> frozenset[object]:
    if not values:
        raise InvalidPattern(f"{json_path}: empty arrays are not allowed; expected at least one value")
    strings = all(isinstance(value, str) for value in values)
    if not strings and not all(is_number(value) for value in values):
        raise InvalidPattern(f"{json_path}: expected an array of only strings or only numbers")
    return frozenset(value_key(_leaf(value, f"{json_path}[{i}]")) for i, value in enumerate(values))


def _anything_but_operator(argument: dict[str, Any], json_path: str) -> Matcher:
    if len(argument) != 1 or next(iter(argument)) not in _ANYTHING_BUT_OPERATORS:
        raise InvalidPattern(
            f"{json_path}: expected an object with one of prefix, suffix, equals-ignore-case, wildcard; "
            f"got keys {sorted(argument)}"
        )
    ((name, inner),) = argument.items()
    inner_path = f"{json_path}.{name}"
    if name == "prefix":
        return Prefix(_string(inner, inner_path))
    if name == "suffix":
        return Suffix(_string(inner, inner_path))
    texts = _string_or_strings(inner, inner_path)
    if name == "equals-ignore-case":
        return EqualsIgnoreCase(frozenset(text.lower() for text in texts))
    wildcards = tuple(_wildcard(text, f"{inner_path}[{i}]") for i, text in enumerate(texts))
    return wildcards[0] if len(wildcards) == 1 else AnyOf(wildcards)


def _string_or_strings(argument: object, json_path: str) -> list[str]:
    if isinstance(argument, str):
        return [argument]
    if isinstance(argument, list) and argument:
        return [_string(text, f"{json_path}[{i}]") for i, text in enumerate(argument)]
    raise InvalidPattern(
        f"{json_path}: expected a string or a non-empty array of strings, got {_kind(argument)}"
    )


_OPERATORS: Final[dict[str, Callable[[object, str], Matcher]]] = {
    "anything-but": _anything_but,
    "cidr": _cidr,
    "equals-ignore-case": _equals_ignore_case,
    "exists": _exists,
    "numeric": _numeric,
    "prefix": _prefix,
    "suffix": _suffix,
    "wildcard": _wildcard,
}
_ANYTHING_BUT_OPERATORS: Final = ("prefix", "suffix", "equals-ignore-case", "wildcard")


def _too_many(where: str) -> str:
    return f"{where}: the pattern's $or branches combine into more than {MAX_ALTERNATIVES} alternatives"


def _join(json_path: str, key: str) -> str:
    return f"{json_path}.{key}" if json_path else key


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if is_number(value):
        return f"the number {value!r}"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _reject_constant(name: str) -> object:
    raise InvalidPattern(f"pattern: {name} is not valid JSON")
