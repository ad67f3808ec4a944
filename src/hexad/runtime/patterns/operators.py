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

from hexad.runtime.patterns.values import JsonLeaf, as_number, value_key

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
    "parse_ip",
]

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Matcher(Protocol):
    """Decides whether one leaf value of an event satisfies one operator."""

    def matches(self, value: JsonLeaf) -> bool:
        """True when `value` (a string, number, boolean or None) satisfies the operator."""
        ...


@dataclass(frozen=True, slots=True, eq=False)
class Exact:
    """An exact JSON value: same type, and numbers equal as numbers.

    Equality and hashing follow `value_key`, so `Exact(1)` and `Exact(True)` differ (as the JSON
    values do) while `Exact(1)` and `Exact(1.0)` are the same condition.
    """

    value: JsonLeaf

    @property
    def key(self) -> object:
        return value_key(self.value)

    def matches(self, value: JsonLeaf) -> bool:
        return value_key(value) == value_key(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Exact) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


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
        number = as_number(value)
        return number is not None and self.contains(number)

    def contains(self, number: float) -> bool:
        """True when `number` lies in the range (no type or limit check)."""
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

    @property
    def key(self) -> tuple[int, int, int]:
        """(IP version, bits to shift an address right, the network's shifted address)."""
        shift = self.network.max_prefixlen - self.network.prefixlen
        return self.network.version, shift, int(self.network.network_address) >> shift

    def matches(self, value: JsonLeaf) -> bool:
        if type(value) is not str:
            return False
        address = parse_ip(value)
        if address is None:
            return False
        version, shift, network = self.key
        return address[0] == version and address[1] >> shift == network


def parse_ip(text: str) -> tuple[int, int] | None:
    """(4 or 6, the address as an integer) for an IP address string, else None.

    Dotted IPv4 is parsed by hand (the common case, and `ipaddress` is slow on a hot path) with
    `ipaddress`'s rules: four decimal octets of at most 255, no leading zeros.
    """
    if ":" in text:
        return _parse_ipv6(text)
    parts = text.split(".")
    if len(parts) != 4:
        return None
    number = 0
    for part in parts:
        octet = _octet(part)
        if octet < 0:
            return None
        number = number << 8 | octet
    return 4, number


def _octet(part: str) -> int:
    """The value of one IPv4 octet, or -1 when it is not 0-255 in plain decimal without leading zeros."""
    if not 0 < len(part) <= 3 or not part.isascii() or not part.isdigit():
        return -1
    if len(part) > 1 and part[0] == "0":
        return -1
    octet = int(part)
    return octet if octet <= 255 else -1


@lru_cache(maxsize=4096)
def _parse_ipv6(text: str) -> tuple[int, int] | None:
    try:
        return 6, int(ipaddress.IPv6Address(text))
    except ValueError:
        return None
