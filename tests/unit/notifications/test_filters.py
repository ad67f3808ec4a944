"""SNS filter policies, with the examples of the SNS developer guide (attribute and body scope)."""

from __future__ import annotations

from typing import Any

import pytest

from hexad.notifications.errors import InvalidFilterPolicy
from hexad.notifications.filters import compile_filter_policy

# The guide's running example: a policy on an online store's order messages.
STORE_POLICY = {
    "store": ["example_corp"],
    "event": [{"anything-but": "order_cancelled"}],
    "customer_interests": ["rugby", "football", "baseball"],
    "price_usd": [{"numeric": [">=", 100]}],
}
STORE_ATTRIBUTES = {"store": "example_corp", "event": "order_placed", "price_usd": 210.75}


def attributes_match(policy: dict[str, Any], attributes: dict[str, Any]) -> bool:
    return compile_filter_policy(policy).matches(attributes, None)


def body_match(policy: dict[str, Any], body: object) -> bool:
    return compile_filter_policy(policy, "MessageBody").matches({}, body)


def test_the_guides_store_policy_accepts_a_rugby_order_and_refuses_a_soccer_one() -> None:
    assert attributes_match(STORE_POLICY, {**STORE_ATTRIBUTES, "customer_interests": "rugby"})
    assert not attributes_match(STORE_POLICY, {**STORE_ATTRIBUTES, "customer_interests": "soccer"})
    assert not attributes_match(
        STORE_POLICY, {**STORE_ATTRIBUTES, "customer_interests": "rugby", "price_usd": 99}
    )
    cancelled = {**STORE_ATTRIBUTES, "customer_interests": "rugby", "event": "order_cancelled"}
    assert not attributes_match(STORE_POLICY, cancelled)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("rugby", True),
        ("tennis", True),
        (["rugby", "tennis"], True),
        ("baseball", False),
        (["baseball"], False),
    ],
)
def test_exact_matching_treats_each_string_array_element_separately(value: Any, expected: bool) -> None:
    assert (
        attributes_match({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": value})
        is expected
    )
    assert body_match({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": value}) is expected


@pytest.mark.parametrize(
    ("policy_value", "value", "expected"),
    [
        ({"anything-but": ["rugby", "tennis"]}, "baseball", True),
        ({"anything-but": ["rugby", "tennis"]}, "rugby", False),
        ({"anything-but": {"prefix": "order-"}}, "data-entry", True),
        ({"anything-but": {"prefix": "order-"}}, "order-cancelled", False),
        ({"anything-but": {"suffix": "ball"}}, "rugby", True),
        ({"anything-but": {"suffix": "ball"}}, "baseball", False),
        ({"prefix": "bas"}, "baseball", True),
        ({"prefix": "bas"}, "basketball", True),
        ({"prefix": "bas"}, "rugby", False),
        ({"suffix": "ball"}, "baseball", True),
        ({"suffix": "ball"}, "rugby", False),
        ({"equals-ignore-case": "RuGbY"}, "rugby", True),
        ({"equals-ignore-case": "RuGbY"}, "tennis", False),
    ],
)
def test_string_operators(policy_value: dict[str, Any], value: str, expected: bool) -> None:
    assert attributes_match({"customer_interests": [policy_value]}, {"customer_interests": value}) is expected


def test_anything_but_needs_the_attribute_to_be_present() -> None:
    assert not attributes_match({"event": [{"anything-but": "order_cancelled"}]}, {"store": "x"})


@pytest.mark.parametrize(
    ("range_", "price", "expected"),
    [
        (["=", 301.5], 301.5, True),
        (["=", 301.5], 301.49, False),
        ([">", 0, "<=", 150], 100, True),
        ([">", 0, "<=", 150], 150, True),
        ([">", 0, "<=", 150], 200, False),
        ([">", 0, "<=", 150], 0, False),
        (["<", 0], -1, True),
    ],
)
def test_numeric_matching(range_: list[Any], price: float, expected: bool) -> None:
    assert attributes_match({"price_usd": [{"numeric": range_}]}, {"price_usd": price}) is expected


def test_numbers_compare_at_five_decimals_as_sns_does() -> None:
    assert attributes_match({"price": [{"numeric": ["=", 1.00001]}]}, {"price": 1.000011})


def test_a_number_in_a_string_attribute_is_not_a_number() -> None:
    assert not attributes_match({"price_usd": [{"numeric": [">", 0]}]}, {"price_usd": "210.75"})


def test_exists_true_and_false() -> None:
    assert attributes_match({"store": [{"exists": True}]}, {"store": "example_corp"})
    assert not attributes_match({"store": [{"exists": True}]}, {"event": "order_placed"})
    assert attributes_match({"store": [{"exists": False}]}, {"event": "order_placed"})
    assert not attributes_match({"store": [{"exists": False}]}, {"store": "example_corp"})


def test_ip_address_matching() -> None:
    policy = {"source_ip": [{"cidr": "10.0.0.0/24"}]}
    assert attributes_match(policy, {"source_ip": "10.0.0.255"})
    assert not attributes_match(policy, {"source_ip": "10.1.1.0"})


def test_or_across_keys() -> None:
    policy = {
        "source": ["aws.cloudwatch"],
        "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
    }
    assert attributes_match(policy, {"source": "aws.cloudwatch", "metricName": "CPUUtilization"})
    assert attributes_match(policy, {"source": "aws.cloudwatch", "namespace": "AWS/EC2"})
    assert not attributes_match(policy, {"source": "aws.cloudwatch", "namespace": "AWS/S3"})


def test_body_policies_match_nested_properties() -> None:
    policy = {"store": ["example_corp"], "customer": {"interests": ["rugby"]}}
    assert body_match(policy, {"store": "example_corp", "customer": {"interests": ["rugby", "tennis"]}})
    assert not body_match(policy, {"store": "example_corp", "customer": {"interests": ["golf"]}})


def test_a_body_that_is_not_a_json_object_matches_nothing() -> None:
    assert not body_match({"store": [{"exists": False}]}, "plain text")


def test_the_severity_policy_of_the_seeds() -> None:
    policy = {"severity": ["critical", "high"]}
    assert attributes_match(policy, {"severity": "high"})
    assert not attributes_match(policy, {"severity": "medium"})


@pytest.mark.parametrize(
    ("policy", "scope", "message"),
    [
        (
            {"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "e": ["1"], "f": ["1"]},
            "MessageAttributes",
            "at most 5 keys",
        ),
        (
            {"a": [str(i) for i in range(10)], "b": [str(i) for i in range(16)]},
            "MessageAttributes",
            "160 combinations",
        ),
        (
            {"customer": {"interests": ["rugby"]}},
            "MessageAttributes",
            "customer: attribute filter policies cannot nest",
        ),
        (
            {"name": [{"wildcard": "a*"}]},
            "MessageAttributes",
            "name[0].wildcard: SNS filter policies have no wildcard",
        ),
        (
            {"price": [{"numeric": [">", 2e9]}]},
            "MessageAttributes",
            "price[0].numeric[1]: expected a number between",
        ),
        (
            {"price": [{"numeric": [">", "ten"]}]},
            "MessageAttributes",
            "price[0].numeric[1]: expected a number",
        ),
        ({"name": [{"starts-with": "a"}]}, "MessageAttributes", "name[0]: unknown operator 'starts-with'"),
        ({}, "MessageAttributes", "expected a non-empty JSON object"),
        ({"a": ["1"]}, "Everything", "expected MessageAttributes or MessageBody"),
    ],
)
def test_invalid_policies_name_the_problem(policy: dict[str, Any], scope: Any, message: str) -> None:
    with pytest.raises(InvalidFilterPolicy, match=message.replace("[", r"\[").replace("]", r"\]")):
        compile_filter_policy(policy, scope)


def test_exactly_150_combinations_and_five_keys_are_allowed() -> None:
    policy = {
        "a": [str(i) for i in range(10)],
        "b": [str(i) for i in range(15)],
        "c": ["x"],
        "d": ["y"],
        "e": ["z"],
    }
    assert compile_filter_policy(policy).matches({"a": "3", "b": "14", "c": "x", "d": "y", "e": "z"}, None)


def test_policies_may_be_given_as_json_text() -> None:
    assert compile_filter_policy('{"severity": ["high"]}').matches({"severity": "high"}, None)
    with pytest.raises(InvalidFilterPolicy, match="not valid JSON"):
        compile_filter_policy("{severity")
