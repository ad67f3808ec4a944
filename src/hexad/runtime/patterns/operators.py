"""The value matchers of the content-filtering language, one small class per operator.

Each matcher answers `matches(value)` for one leaf value of an event; a field condition is an OR
of matchers. They are plain, immutable objects so that other filter languages built on the same
operators (SNS filter policies) can reuse them, and so that `RuleIndex` can read their parameters
to file them into its lookup tables. String operators never match non-string values; `numeric`
and `cidr` never match values of the wrong type; `anything-but` matches any present value that the
excluded matcher does not (so `{"anything-but": "a"}` matches `null` and numbers).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from hexad.runtime.patterns.values import NUMERIC_LIMIT, JsonLeaf, is_number, value_key

__all__ = [
    "AnyOf",
    "AnythingBut",
    "Cidr",
    "EqualsIgnoreCase",
    "Exact",
    "ExactSet",
    "Exists",
    "Matcher",
    "Numeric",
    "Prefix",
    "Suffix",
]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Matcher(Protocol):
    """Decides whether one leaf value of an event satisfies one operator."""

    def matches(self, value: JsonLeaf) -> bool:
        """True when `value` (a string, number, boolean or None) satisfies the operator."""
        ...


@dataclass(frozen=True, slots=True)
class Exact:
    """An exact JSON value: same type, and numbers equal as numbers."""

    value: JsonLeaf

    @property
    def key(self) -> object:
        return value_key(self.value)

    def matches(self, value: JsonLeaf) -> bool:
        return value_key(value) == value_key(self.value)


@dataclass(frozen=True, slots=True)
class ExactSet:
    """Any of several exact values (the body of an `anything-but` list)."""

    keys: frozenset[object]

    def matches(self, value: JsonLeaf) -> bool:
        return value_key(value) in self.keys


@dataclass(frozen=True, slots=True)
class Prefix:
    """A string starting with `text` (compared in lower case when `ignore_case`)."""

    text: str
    ignore_case: bool = False

    def matches(self, value: JsonLeaf) -> bool:
        if type(value) is not str:
            return False
        if self.ignore_case:
            return value.lower().startswith(self.text.lower())
        return value.startswith(self.text)


@dataclass(frozen=True, slots=True)
class Suffix:
    """A string ending with `text` (compared in lower case when `ignore_case`)."""

    text: str
    ignore_case: bool = False

    def matches(self, value: JsonLeaf) -> bool:
        if type(value) is not str:
            return False
        if self.ignore_case:
            return value.lower().endswith(self.text.lower())
        return value.endswith(self.text)


@dataclass(frozen=True, slots=True)
class EqualsIgnoreCase:
    """A string equal to one of `texts` when both are put in lower case."""

    texts: frozenset[str]

    def matches(self, value: JsonLeaf) -> bool:
        return type(value) is str and value.lower() in self.texts


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Any of several matchers (an `anything-but` list of wildcards)."""

    matchers: tuple[Matcher, ...]

    def matches(self, value: JsonLeaf) -> bool:
        return any(matcher.matches(value) for matcher in self.matchers)


@dataclass(frozen=True, slots=True)
class AnythingBut:
    """Any present value that `excluded` does not match."""

    excluded: Matcher

    def matches(self, value: JsonLeaf) -> bool:
        return not self.excluded.matches(value)


@dataclass(frozen=True, slots=True)
class Numeric:
    """A JSON number inside a range; `low == high` with both ends closed is `=`."""

    low: float = -math.inf
    low_inclusive: bool = False
    high: float = math.inf
    high_inclusive: bool = False

    def matches(self, value: JsonLeaf) -> bool:
        if not is_number(value):
            return False
        number = float(value)  # type: ignore[arg-type]
        if not -NUMERIC_LIMIT <= number <= NUMERIC_LIMIT:
            return False
        if number < self.low or (number == self.low and not self.low_inclusive):
            return False
        return number < self.high or (number == self.high and self.high_inclusive)


@dataclass(frozen=True, slots=True)
class Exists:
    """`exists: true` matches any leaf value; `exists: false` matches only absence (no value)."""

    present: bool

    def matches(self, value: JsonLeaf) -> bool:
        return self.present


@dataclass(frozen=True, slots=True)
class Cidr:
    """A string holding an IPv4 or IPv6 address inside `network`."""

    network: IpNetwork

    def matches(self, value: JsonLeaf) -> bool:
        if type(value) is not str:
            return False
        address = parse_address(value)
        return address is not None and address.version == self.network.version and address in self.network


@lru_cache(maxsize=4096)
def parse_address(text: str) -> IpAddress | None:
    """The IP address `text` spells, or None; cached because events repeat addresses."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
