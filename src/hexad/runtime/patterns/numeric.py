"""The `numeric` operator's argument: `["=", n]`, one comparison, or a lower then an upper bound.

EventBridge accepts `[">" | ">=", low]`, `["<" | "<=", high]`, `[">" | ">=", low, "<" | "<=", high]`
with `low < high`, and `["=", n]` alone; bounds are JSON numbers within -5.0e9 .. +5.0e9.
"""

from __future__ import annotations

import math

from hexad.runtime.patterns.operators import Numeric
from hexad.runtime.patterns.values import NUMERIC_LIMIT, is_number

__all__ = ["NumericSyntaxError", "parse_numeric"]

_LOWER = {">": False, ">=": True}
_UPPER = {"<": False, "<=": True}


class NumericSyntaxError(ValueError):
    """A `numeric` argument is malformed; `index` is the offending element, or None for the array."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def parse_numeric(argument: object) -> Numeric:
    """The range `argument` describes; raises `NumericSyntaxError` saying what was expected."""
    if not isinstance(argument, list) or not argument:
        raise NumericSyntaxError('expected a non-empty array such as [">", 0, "<=", 5]')
    if argument[0] == "=":
        if len(argument) != 2:
            raise NumericSyntaxError('"=" takes exactly one number: ["=", n]')
        value = _bound(argument, 1)
        return Numeric(value, True, value, True)
    if len(argument) not in (2, 4):
        raise NumericSyntaxError(f"expected 2 or 4 elements (comparison, number, ...), got {len(argument)}")
    first = _comparison(argument, 0, {**_LOWER, **_UPPER})
    first_value = _bound(argument, 1)
    if len(argument) == 2:
        if first in _LOWER:
            return Numeric(low=first_value, low_inclusive=_LOWER[first])
        return Numeric(high=first_value, high_inclusive=_UPPER[first])
    if first not in _LOWER:
        raise NumericSyntaxError('a range starts with its lower bound (">" or ">=")', 0)
    second = _comparison(argument, 2, _UPPER)
    second_value = _bound(argument, 3)
    if not first_value < second_value:
        raise NumericSyntaxError(
            f"the lower bound {first_value:g} must be less than the upper bound {second_value:g}", 3
        )
    return Numeric(first_value, _LOWER[first], second_value, _UPPER[second])


def _comparison(argument: list[object], index: int, allowed: dict[str, bool]) -> str:
    operator = argument[index]
    if not isinstance(operator, str) or operator not in allowed:
        expected = ", ".join(f'"{name}"' for name in allowed)
        raise NumericSyntaxError(f"expected one of {expected}, got {operator!r}", index)
    return operator


def _bound(argument: list[object], index: int) -> float:
    value = argument[index]
    if not is_number(value):
        raise NumericSyntaxError(f"expected a number, got {value!r}", index)
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number) or not -NUMERIC_LIMIT <= number <= NUMERIC_LIMIT:
        raise NumericSyntaxError(f"expected a number between -5.0e9 and 5.0e9, got {value!r}", index)
    return number
