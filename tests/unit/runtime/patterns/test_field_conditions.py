"""`parse_field` and the operator matchers on their own, as another filter language would use them."""

from __future__ import annotations

import ipaddress

import pytest

from hexad.runtime.patterns import InvalidPattern, parse_field
from hexad.runtime.patterns.operators import Cidr, Numeric, parse_ip


def test_a_field_condition_is_an_or_of_its_values() -> None:
    condition = parse_field(["gold", {"prefix": "plat"}, {"numeric": [">=", 100]}], "store", ("store",))
    assert condition.path == ("store",)
    assert condition.satisfied(["silver", "platinum"])
    assert condition.satisfied([250])
    assert not condition.satisfied(["silver", 99])


def test_absence_satisfies_only_exists_false() -> None:
    assert parse_field([{"exists": False}], "f").satisfied(None)
    assert not parse_field([{"exists": True}], "f").satisfied(None)
    assert not parse_field([{"anything-but": "x"}], "f").satisfied(None)


def test_errors_use_the_callers_json_path() -> None:
    with pytest.raises(InvalidPattern, match=r"^MessageAttributes\.price\[0\]\.numeric\[1\]: "):
        parse_field([{"numeric": [">", "cheap"]}], "MessageAttributes.price")


def test_numeric_ranges_compare_as_numbers() -> None:
    between = Numeric(low=0.0, low_inclusive=False, high=5.0, high_inclusive=True)
    assert between.matches(5) and between.matches(3.0e0)
    assert not between.matches(0) and not between.matches("3") and not between.matches(True)


def test_ip_addresses_parse_like_the_ipaddress_module() -> None:
    assert parse_ip("10.0.0.1") == (4, 0x0A000001)
    assert parse_ip("::1") == (6, 1)
    for text in ("010.0.0.1", "10.0.0", "10.0.0.1.2", "1.2.3.256", "a.b.c.d", "", "１.2.3.4"):
        assert parse_ip(text) is None, text


def test_cidr_matcher_checks_the_ip_version() -> None:
    block = Cidr(ipaddress.ip_network("10.0.0.0/8"))
    assert block.matches("10.255.0.1")
    assert not block.matches("11.0.0.1")
    assert not block.matches("::ffff:10.0.0.1")
