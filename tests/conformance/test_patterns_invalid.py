"""Patterns EventBridge rejects are rejected at compile time, naming the JSON path of the problem.

Each case is `(id, pattern, the path and words the message must contain)`. `RuleIndex.add`
rejects the same patterns (it compiles with `compile_pattern`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from hexad.errors import PatternError
from hexad.runtime.patterns import MAX_ALTERNATIVES, InvalidPattern, RuleIndex, compile_pattern


def _or_of(width: int) -> list[dict[str, Any]]:
    return [{f"f{number}": [number]} for number in range(width)]


INVALID: list[tuple[str, Any, str]] = [
    # Shape of the pattern.
    ("not-an-object-list", [{"source": ["a"]}], "pattern: expected a JSON object"),
    ("not-an-object-string-json", '"source"', "pattern: expected a JSON object"),
    ("not-an-object-number", 5, "pattern: expected a JSON object"),
    ("empty-pattern", {}, "pattern: expected at least one field"),
    ("broken-json", '{"source": ["a"]', "pattern: not valid JSON at line 1"),
    ("json-nan", '{"a": [NaN]}', "NaN is not valid JSON"),
    ("json-infinity", '{"a": [{"numeric": [">", Infinity]}]}', "Infinity is not valid JSON"),
    ("scalar-value", {"source": "aws.ec2"}, "source: expected an array of values or an object"),
    ("number-value", {"detail": {"count": 5}}, "detail.count: expected an array of values or an object"),
    (
        "null-value",
        {"detail": {"count": None}},
        "detail.count: expected an array of values or an object, got null",
    ),
    ("boolean-value", {"detail": {"on": True}}, "detail.on: expected an array of values or an object"),
    ("empty-array", {"source": []}, "source: empty arrays are not allowed"),
    ("empty-nested-array", {"detail": {"state": []}}, "detail.state: empty arrays are not allowed"),
    ("empty-nested-object", {"detail": {}}, "detail: expected at least one field"),
    ("nested-array", {"source": [["a"]]}, "source[0]: nested arrays are not allowed"),
    ("nested-array-second", {"source": ["a", []]}, "source[1]: nested arrays are not allowed"),
    ("infinite-number", {"n": [float("inf")]}, "n[0]: expected a finite number"),
    # Operators in general.
    ("unknown-operator", {"source": [{"begins-with": "a"}]}, "source[0]: unknown operator 'begins-with'"),
    ("operator-case-matters", {"source": [{"Prefix": "a"}]}, "source[0]: unknown operator 'Prefix'"),
    (
        "two-operators",
        {"source": [{"prefix": "a", "suffix": "b"}]},
        "source[0]: expected an object with exactly one",
    ),
    ("no-operator", {"source": [{}]}, "source[0]: expected an object with exactly one operator, got 0"),
    ("nested-unknown-operator", {"detail": {"x": ["a", {"contains": "b"}]}}, "detail.x[1]: unknown operator"),
    # prefix / suffix / equals-ignore-case
    ("prefix-number", {"f": [{"prefix": 5}]}, "f[0].prefix: expected a string"),
    ("prefix-null", {"f": [{"prefix": None}]}, "f[0].prefix: expected a string"),
    ("prefix-array", {"f": [{"prefix": ["a"]}]}, "f[0].prefix: expected a string"),
    (
        "prefix-unknown-object",
        {"f": [{"prefix": {"ignore-case": "a"}}]},
        'f[0].prefix: expected a string or {"equals-ignore-case"',
    ),
    (
        "prefix-ignore-case-number",
        {"f": [{"prefix": {"equals-ignore-case": 5}}]},
        "f[0].prefix.equals-ignore-case: expected a string",
    ),
    ("suffix-number", {"f": [{"suffix": 5}]}, "f[0].suffix: expected a string"),
    (
        "suffix-two-keys",
        {"f": [{"suffix": {"equals-ignore-case": "a", "x": 1}}]},
        "f[0].suffix: expected a string or",
    ),
    (
        "equals-ignore-case-number",
        {"f": [{"equals-ignore-case": 5}]},
        "f[0].equals-ignore-case: expected a string",
    ),
    (
        "equals-ignore-case-list",
        {"f": [{"equals-ignore-case": ["a"]}]},
        "f[0].equals-ignore-case: expected a string",
    ),
    # wildcard
    (
        "wildcard-consecutive-stars",
        {"f": [{"wildcard": "a**b"}]},
        "f[0].wildcard: consecutive wildcard characters at position 2",
    ),
    ("wildcard-only-stars", {"f": [{"wildcard": "**"}]}, "consecutive wildcard characters"),
    ("wildcard-bad-escape", {"f": [{"wildcard": "a\\b"}]}, "f[0].wildcard: invalid escape at position 1"),
    (
        "wildcard-trailing-backslash",
        {"f": [{"wildcard": "a\\"}]},
        "f[0].wildcard: invalid escape at position 1",
    ),
    ("wildcard-number", {"f": [{"wildcard": 5}]}, "f[0].wildcard: expected a string"),
    ("wildcard-list", {"f": [{"wildcard": ["a*"]}]}, "f[0].wildcard: expected a string"),
    # anything-but
    ("anything-but-null", {"f": [{"anything-but": None}]}, "f[0].anything-but: expected a string, a number"),
    (
        "anything-but-boolean",
        {"f": [{"anything-but": True}]},
        "f[0].anything-but: expected a string, a number",
    ),
    (
        "anything-but-empty-list",
        {"f": [{"anything-but": []}]},
        "f[0].anything-but: empty arrays are not allowed",
    ),
    (
        "anything-but-mixed-list",
        {"f": [{"anything-but": ["a", 1]}]},
        "f[0].anything-but: expected an array of only strings or only numbers",
    ),
    ("anything-but-list-of-null", {"f": [{"anything-but": [None]}]}, "only strings or only numbers"),
    (
        "anything-but-list-of-booleans",
        {"f": [{"anything-but": [True, False]}]},
        "only strings or only numbers",
    ),
    ("anything-but-list-of-lists", {"f": [{"anything-but": [["a"]]}]}, "only strings or only numbers"),
    (
        "anything-but-unknown-operator",
        {"f": [{"anything-but": {"numeric": [">", 1]}}]},
        "f[0].anything-but: expected an object with one of prefix",
    ),
    (
        "anything-but-exists",
        {"f": [{"anything-but": {"exists": True}}]},
        "f[0].anything-but: expected an object with one of",
    ),
    (
        "anything-but-two-operators",
        {"f": [{"anything-but": {"prefix": "a", "suffix": "b"}}]},
        "f[0].anything-but: expected an object with one of",
    ),
    (
        "anything-but-empty-object",
        {"f": [{"anything-but": {}}]},
        "f[0].anything-but: expected an object with one of",
    ),
    (
        "anything-but-prefix-number",
        {"f": [{"anything-but": {"prefix": 1}}]},
        "f[0].anything-but.prefix: expected a string",
    ),
    (
        "anything-but-prefix-list",
        {"f": [{"anything-but": {"prefix": ["a", "b"]}}]},
        "f[0].anything-but.prefix: expected a string",
    ),
    (
        "anything-but-suffix-null",
        {"f": [{"anything-but": {"suffix": None}}]},
        "f[0].anything-but.suffix: expected a string",
    ),
    (
        "anything-but-ignore-case-number",
        {"f": [{"anything-but": {"equals-ignore-case": 1}}]},
        "f[0].anything-but.equals-ignore-case: expected a string or a non-empty array of strings",
    ),
    (
        "anything-but-ignore-case-empty-list",
        {"f": [{"anything-but": {"equals-ignore-case": []}}]},
        "f[0].anything-but.equals-ignore-case: expected a string or a non-empty array",
    ),
    (
        "anything-but-ignore-case-list-with-number",
        {"f": [{"anything-but": {"equals-ignore-case": ["a", 1]}}]},
        "f[0].anything-but.equals-ignore-case[1]: expected a string",
    ),
    (
        "anything-but-wildcard-consecutive",
        {"f": [{"anything-but": {"wildcard": ["ok*", "a**"]}}]},
        "f[0].anything-but.wildcard[1]: consecutive wildcard characters",
    ),
    (
        "anything-but-wildcard-number",
        {"f": [{"anything-but": {"wildcard": 3}}]},
        "f[0].anything-but.wildcard: expected a string",
    ),
    # numeric
    ("numeric-not-array", {"f": [{"numeric": 5}]}, "f[0].numeric: expected a non-empty array"),
    ("numeric-empty", {"f": [{"numeric": []}]}, "f[0].numeric: expected a non-empty array"),
    (
        "numeric-string-bound",
        {"f": [{"numeric": [">", "ten"]}]},
        "f[0].numeric[1]: expected a number, got 'ten'",
    ),
    ("numeric-null-bound", {"f": [{"numeric": ["<", None]}]}, "f[0].numeric[1]: expected a number"),
    ("numeric-boolean-bound", {"f": [{"numeric": ["<", True]}]}, "f[0].numeric[1]: expected a number"),
    ("numeric-missing-bound", {"f": [{"numeric": [">"]}]}, "f[0].numeric: expected 2 or 4 elements"),
    ("numeric-three-elements", {"f": [{"numeric": [">", 0, "<"]}]}, "f[0].numeric: expected 2 or 4 elements"),
    (
        "numeric-five-elements",
        {"f": [{"numeric": [">", 0, "<", 5, "="]}]},
        "f[0].numeric: expected 2 or 4 elements",
    ),
    ("numeric-unknown-comparison", {"f": [{"numeric": ["=>", 0]}]}, "f[0].numeric[0]: expected one of"),
    ("numeric-not-equal", {"f": [{"numeric": ["!=", 0]}]}, "f[0].numeric[0]: expected one of"),
    ("numeric-comparison-not-string", {"f": [{"numeric": [5, 0]}]}, "f[0].numeric[0]: expected one of"),
    (
        "numeric-equals-with-range",
        {"f": [{"numeric": ["=", 5, "<", 10]}]},
        'f[0].numeric: "=" takes exactly one number',
    ),
    (
        "numeric-equals-without-number",
        {"f": [{"numeric": ["="]}]},
        'f[0].numeric: "=" takes exactly one number',
    ),
    (
        "numeric-upper-then-lower",
        {"f": [{"numeric": ["<", 10, ">", 0]}]},
        "f[0].numeric[0]: a range starts with its lower bound",
    ),
    ("numeric-two-lower-bounds", {"f": [{"numeric": [">", 0, ">=", 5]}]}, "f[0].numeric[2]: expected one of"),
    ("numeric-equals-second", {"f": [{"numeric": [">", 0, "=", 5]}]}, "f[0].numeric[2]: expected one of"),
    (
        "numeric-bounds-reversed",
        {"f": [{"numeric": [">", 10, "<", 5]}]},
        "f[0].numeric[3]: the lower bound 10 must be less than",
    ),
    (
        "numeric-bounds-equal",
        {"f": [{"numeric": [">=", 5, "<=", 5]}]},
        "f[0].numeric[3]: the lower bound 5 must be less than",
    ),
    (
        "numeric-bound-too-large",
        {"f": [{"numeric": [">", 5.1e9]}]},
        "f[0].numeric[1]: expected a number between -5.0e9 and 5.0e9",
    ),
    (
        "numeric-bound-too-small",
        {"f": [{"numeric": ["<", -6e9]}]},
        "f[0].numeric[1]: expected a number between",
    ),
    (
        "numeric-upper-bound-too-large",
        {"f": [{"numeric": [">", 0, "<", 1e10]}]},
        "f[0].numeric[3]: expected a number between",
    ),
    (
        "numeric-second-bound-string",
        {"f": [{"numeric": [">", 0, "<", "5"]}]},
        "f[0].numeric[3]: expected a number",
    ),
    # exists
    ("exists-string", {"f": [{"exists": "true"}]}, "f[0].exists: expected true or false"),
    ("exists-number", {"f": [{"exists": 1}]}, "f[0].exists: expected true or false"),
    ("exists-null", {"f": [{"exists": None}]}, "f[0].exists: expected true or false, got null"),
    ("exists-list", {"detail": {"f": [{"exists": [True]}]}}, "detail.f[0].exists: expected true or false"),
    # cidr
    ("cidr-no-prefix-length", {"f": [{"cidr": "10.0.0.1"}]}, "f[0].cidr: expected a CIDR block"),
    ("cidr-two-slashes", {"f": [{"cidr": "10.0.0.0/8/8"}]}, "f[0].cidr: expected a CIDR block"),
    (
        "cidr-bad-address",
        {"f": [{"cidr": "10.0.0.256/24"}]},
        "f[0].cidr: not a valid IPv4 or IPv6 CIDR block",
    ),
    (
        "cidr-prefix-too-long",
        {"f": [{"cidr": "10.0.0.0/33"}]},
        "f[0].cidr: not a valid IPv4 or IPv6 CIDR block",
    ),
    ("cidr-ipv6-prefix-too-long", {"f": [{"cidr": "2001:db8::/129"}]}, "f[0].cidr: not a valid"),
    ("cidr-not-an-address", {"f": [{"cidr": "example.com/8"}]}, "f[0].cidr: not a valid"),
    ("cidr-number", {"f": [{"cidr": 10}]}, "f[0].cidr: expected a CIDR block"),
    # $or
    ("or-not-array", {"$or": {"a": ["1"]}}, "$or: expected an array of at least two objects"),
    (
        "or-one-branch",
        {"$or": [{"a": ["1"]}]},
        "$or: expected an array of at least two objects, got an array of 1",
    ),
    ("or-empty", {"$or": []}, "$or: expected an array of at least two objects"),
    ("or-branch-not-object", {"$or": [{"a": ["1"]}, ["b"]]}, "$or[1]: expected an object"),
    ("or-branch-empty", {"$or": [{"a": ["1"]}, {}]}, "$or[1]: expected at least one field"),
    (
        "or-branch-invalid-value",
        {"$or": [{"a": ["1"]}, {"b": "x"}]},
        "$or[1].b: expected an array of values or an object",
    ),
    (
        "or-nested-in-detail",
        {"detail": {"$or": [{"a": [{"numeric": [">", "x"]}]}, {"b": ["1"]}]}},
        "detail.$or[0].a[0].numeric[1]",
    ),
    (
        "or-nested-twice-one-branch",
        {"$or": [{"$or": [{"a": [1]}]}, {"b": [2]}]},
        "$or[0].$or: expected an array of at least two",
    ),
    (
        "or-with-operator-keys",
        {"$or": [{"numeric": 123}, {"prefix": "abc"}]},
        "$or[0].numeric: expected an array of values",
    ),
    (
        "or-too-many-combinations",
        {"$or": _or_of(40), "detail": {"$or": _or_of(40)}},
        f"more than {MAX_ALTERNATIVES} alternatives",
    ),
    (
        "or-too-many-combinations-three-groups",
        {"a": {"$or": _or_of(11)}, "b": {"$or": _or_of(10)}, "c": {"$or": _or_of(10)}},
        f"more than {MAX_ALTERNATIVES} alternatives",
    ),
]


@pytest.mark.parametrize(("pattern", "expected"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_pattern_is_rejected_with_its_path(pattern: Any, expected: str) -> None:
    with pytest.raises(InvalidPattern) as raised:
        compile_pattern(pattern)
    assert expected in str(raised.value)


@pytest.mark.parametrize(("pattern", "expected"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_rule_index_rejects_the_same_patterns(pattern: Any, expected: str) -> None:
    index = RuleIndex()
    with pytest.raises(InvalidPattern, match=re.escape(expected)):
        index.add("rule", pattern)
    assert len(index) == 0


def test_invalid_pattern_is_a_pattern_error_and_a_value_error() -> None:
    with pytest.raises(PatternError):
        compile_pattern({"source": []})
    with pytest.raises(ValueError):
        compile_pattern({"source": []})
    assert InvalidPattern.exit_code == 2


def test_the_largest_allowed_or_still_compiles() -> None:
    pattern = {"$or": _or_of(10), "detail": {"$or": _or_of(10)}, "x": {"$or": _or_of(10)}}
    compiled = compile_pattern(pattern)
    assert len(compiled.alternatives) == MAX_ALTERNATIVES
    assert compiled.matches({"f3": 3, "detail": {"f7": 7}, "x": {"f0": 0}})
    assert not compiled.matches({"f3": 3, "detail": {"f7": 7}})


def test_a_json_text_pattern_reports_paths_like_a_dict() -> None:
    with pytest.raises(InvalidPattern, match=r"^detail\.amount\[0\]\.numeric\[1\]: "):
        compile_pattern(json.dumps({"detail": {"amount": [{"numeric": [">", "ten"]}]}}))
