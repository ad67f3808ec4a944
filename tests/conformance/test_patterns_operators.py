"""Every operator and the edge cases around it, on every pattern engine.

Most cases put one condition on one field `f`: `(id, values, event value, expected)` means the
pattern `{"f": values}` against the event `{"f": value}` (or `{}` when the value is `MISSING`).
The engines are `compile_pattern(...).matches` and a `RuleIndex` holding the rule among
distractors (which shares lookup tables with it, so filing mistakes show up).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hexad.runtime.patterns import RuleIndex, compile_pattern

Matcher = Callable[[dict[str, Any]], bool]
MISSING = object()

FIELD_CASES: list[tuple[str, list[Any], Any, bool]] = [
    # Exact values of every JSON type.
    ("string-equal", ["abc"], "abc", True),
    ("string-different", ["abc"], "abd", False),
    ("string-case-sensitive", ["abc"], "ABC", False),
    ("string-empty", [""], "", True),
    ("string-empty-vs-space", [""], " ", False),
    ("string-unicode", ["café"], "café", True),
    ("string-vs-number", ["300"], 300, False),
    ("number-vs-string", [300], "300", False),
    ("number-int-equals-float", [300], 300.0, True),
    ("number-float-equals-int", [300.0], 300, True),
    ("number-exponent-spelling", [300], 3.0e2, True),
    ("number-negative", [-5], -5.0, True),
    ("number-zero-and-negative-zero", [0], -0.0, True),
    ("number-different", [300], 300.5, False),
    ("number-large-int", [12345678901234567890], 12345678901234567890, True),
    ("number-large-int-different", [12345678901234567890], 12345678901234567891, False),
    ("number-large-float", [1e300], 1e300, True),
    ("number-zero-is-not-false", [0], False, False),
    ("number-one-is-not-true", [1], True, False),
    ("true-is-not-one", [True], 1, False),
    ("false-is-not-zero", [False], 0, False),
    ("true-equals-true", [True], True, True),
    ("false-equals-false", [False], False, True),
    ("true-is-not-false", [True], False, False),
    ("true-is-not-string", [True], "true", False),
    ("null-equals-null", [None], None, True),
    ("null-is-not-string-null", [None], "null", False),
    ("null-does-not-match-missing", [None], MISSING, False),
    ("null-does-not-match-empty-array", [None], [], False),
    ("null-inside-event-array", [None], ["a", None], True),
    ("value-missing", ["abc"], MISSING, False),
    ("alternatives-first", ["a", "b", "c"], "a", True),
    ("alternatives-last", ["a", "b", "c"], "c", True),
    ("alternatives-none", ["a", "b", "c"], "d", False),
    ("alternatives-mixed-types", ["1", 1, True, None], 1.0, True),
    ("alternatives-one-and-true-both-kept", [1, True], True, True),
    ("alternatives-zero-and-false-both-kept", [0, False], False, True),
    ("event-array-contains", ["b"], ["a", "b"], True),
    ("event-array-lacks", ["c"], ["a", "b"], False),
    ("event-array-empty", ["a"], [], False),
    ("event-nested-arrays-flattened", [2], [[1, [2]], 3], True),
    ("event-array-numbers", [3.0], [1, 2, 3], True),
    ("event-object-where-leaf-expected", ["a"], {"a": "a"}, False),
    ("event-array-of-objects-where-leaf-expected", ["a"], [{"a": "a"}], False),
    # prefix
    ("prefix-match", [{"prefix": "ab"}], "abc", True),
    ("prefix-whole-string", [{"prefix": "abc"}], "abc", True),
    ("prefix-longer-than-value", [{"prefix": "abcd"}], "abc", False),
    ("prefix-no-match", [{"prefix": "b"}], "abc", False),
    ("prefix-case-sensitive", [{"prefix": "AB"}], "abc", False),
    ("prefix-empty-matches-any-string", [{"prefix": ""}], "anything", True),
    ("prefix-empty-matches-empty-string", [{"prefix": ""}], "", True),
    ("prefix-not-on-numbers", [{"prefix": "1"}], 123, False),
    ("prefix-not-on-null", [{"prefix": "n"}], None, False),
    ("prefix-not-on-booleans", [{"prefix": "t"}], True, False),
    ("prefix-any-array-element", [{"prefix": "eu-"}], ["us-east-1", "eu-west-1"], True),
    ("prefix-missing", [{"prefix": "a"}], MISSING, False),
    ("prefix-unicode", [{"prefix": "ça"}], "ça va", True),
    ("prefix-ignore-case", [{"prefix": {"equals-ignore-case": "ABC"}}], "abcdef", True),
    ("prefix-ignore-case-no", [{"prefix": {"equals-ignore-case": "ABD"}}], "abcdef", False),
    ("prefix-ignore-case-unicode", [{"prefix": {"equals-ignore-case": "ÉV"}}], "événement", True),
    ("prefix-ignore-case-not-on-numbers", [{"prefix": {"equals-ignore-case": "1"}}], 1, False),
    # suffix
    ("suffix-match", [{"suffix": ".png"}], "a.png", True),
    ("suffix-whole-string", [{"suffix": "a.png"}], "a.png", True),
    ("suffix-longer-than-value", [{"suffix": "xa.png"}], "a.png", False),
    ("suffix-no-match", [{"suffix": ".png"}], "a.jpg", False),
    ("suffix-empty-matches-any-string", [{"suffix": ""}], "x", True),
    ("suffix-not-on-numbers", [{"suffix": "3"}], 123, False),
    ("suffix-any-array-element", [{"suffix": ".png"}], ["a.jpg", "b.png"], True),
    ("suffix-ignore-case", [{"suffix": {"equals-ignore-case": ".PNG"}}], "a.png", True),
    ("suffix-ignore-case-no", [{"suffix": {"equals-ignore-case": ".PNG"}}], "a.pnga", False),
    # equals-ignore-case
    ("equals-ignore-case-match", [{"equals-ignore-case": "Alice"}], "aLICE", True),
    ("equals-ignore-case-not-prefix", [{"equals-ignore-case": "Alice"}], "Alice B", False),
    ("equals-ignore-case-empty", [{"equals-ignore-case": ""}], "", True),
    ("equals-ignore-case-not-on-numbers", [{"equals-ignore-case": "1"}], 1, False),
    ("equals-ignore-case-not-on-null", [{"equals-ignore-case": "null"}], None, False),
    ("equals-ignore-case-array", [{"equals-ignore-case": "B"}], ["a", "b"], True),
    # wildcard
    ("wildcard-star-matches-any-string", [{"wildcard": "*"}], "anything", True),
    ("wildcard-star-matches-empty-string", [{"wildcard": "*"}], "", True),
    ("wildcard-star-not-on-numbers", [{"wildcard": "*"}], 5, False),
    ("wildcard-leading", [{"wildcard": "*.png"}], "a.png", True),
    ("wildcard-leading-no", [{"wildcard": "*.png"}], "a.png.bak", False),
    ("wildcard-trailing", [{"wildcard": "dir/*"}], "dir/a/b", True),
    ("wildcard-trailing-no", [{"wildcard": "dir/*"}], "other/a", False),
    ("wildcard-both-ends", [{"wildcard": "*Title*"}], "The Title Page", True),
    ("wildcard-both-ends-no", [{"wildcard": "*Title*"}], "The title page", False),
    ("wildcard-ordered-pieces", [{"wildcard": "a*b*c"}], "axxbyyc", True),
    ("wildcard-ordered-pieces-wrong-order", [{"wildcard": "a*b*c"}], "acb", False),
    ("wildcard-overlapping-pieces", [{"wildcard": "ab*ba"}], "aba", False),
    ("wildcard-literal", [{"wildcard": "abc"}], "abc", True),
    ("wildcard-literal-no", [{"wildcard": "abc"}], "abcd", False),
    ("wildcard-escaped-star", [{"wildcard": "a\\*b"}], "a*b", True),
    ("wildcard-escaped-star-is-literal", [{"wildcard": "a\\*b"}], "axb", False),
    ("wildcard-escaped-backslash", [{"wildcard": "a\\\\b"}], "a\\b", True),
    ("wildcard-escaped-backslash-then-star", [{"wildcard": "a\\\\*"}], "a\\anything", True),
    ("wildcard-dot-is-literal", [{"wildcard": "a.c"}], "abc", False),
    ("wildcard-regex-characters-literal", [{"wildcard": "(a)+*"}], "(a)+x", True),
    ("wildcard-star-spans-newlines", [{"wildcard": "a*b"}], "a\nb", True),
    ("wildcard-array-element", [{"wildcard": "*.pdf"}], ["a.doc", "b.pdf"], True),
    # anything-but
    ("anything-but-missing-field", [{"anything-but": "x"}], MISSING, False),
    ("anything-but-matches-null", [{"anything-but": "x"}], None, True),
    ("anything-but-matches-other-type", [{"anything-but": ["1"]}], 1, True),
    ("anything-but-number-as-number", [{"anything-but": [100]}], 100.0, False),
    ("anything-but-number-exponent", [{"anything-but": 1e2}], 100, False),
    ("anything-but-string-vs-number", [{"anything-but": 100}], "100", True),
    ("anything-but-array-some-other", [{"anything-but": [100, 500]}], [100, 50], True),
    ("anything-but-array-all-excluded", [{"anything-but": [100, 500]}], [100, 500], False),
    ("anything-but-empty-event-array", [{"anything-but": "x"}], [], False),
    ("anything-but-object-value", [{"anything-but": "x"}], {"y": 1}, False),
    ("anything-but-empty-string-excluded", [{"anything-but": ""}], "", False),
    ("anything-but-empty-string-other", [{"anything-but": ""}], "a", True),
    ("anything-but-boolean-value", [{"anything-but": ["true"]}], True, True),
    ("anything-but-prefix-number", [{"anything-but": {"prefix": "1"}}], 123, True),
    ("anything-but-prefix-match", [{"anything-but": {"prefix": "us-"}}], "us-east-1", False),
    ("anything-but-suffix-number", [{"anything-but": {"suffix": "3"}}], 123, True),
    ("anything-but-suffix-array", [{"anything-but": {"suffix": ".txt"}}], ["a.txt", "b.txt"], False),
    ("anything-but-ignore-case-single", [{"anything-but": {"equals-ignore-case": "ABC"}}], "abc", False),
    ("anything-but-ignore-case-null", [{"anything-but": {"equals-ignore-case": "null"}}], None, True),
    ("anything-but-wildcard-single", [{"anything-but": {"wildcard": "*.tmp"}}], "a.tmp", False),
    ("anything-but-wildcard-other", [{"anything-but": {"wildcard": "*.tmp"}}], "a.txt", True),
    ("anything-but-wildcard-literal", [{"anything-but": {"wildcard": "abc"}}], "abc", False),
    # numeric
    ("numeric-greater", [{"numeric": [">", 10]}], 11, True),
    ("numeric-greater-boundary", [{"numeric": [">", 10]}], 10, False),
    ("numeric-greater-equal-boundary", [{"numeric": [">=", 10]}], 10.0, True),
    ("numeric-less", [{"numeric": ["<", 10]}], 9.999, True),
    ("numeric-less-boundary", [{"numeric": ["<", 10]}], 10, False),
    ("numeric-less-equal-boundary", [{"numeric": ["<=", 10]}], 10, True),
    ("numeric-equal", [{"numeric": ["=", 5]}], 5.0, True),
    ("numeric-equal-no", [{"numeric": ["=", 5]}], 5.000001, False),
    ("numeric-range-inside", [{"numeric": [">=", 0, "<", 1]}], 0.5, True),
    ("numeric-range-low-closed", [{"numeric": [">=", 0, "<", 1]}], 0, True),
    ("numeric-range-high-open", [{"numeric": [">=", 0, "<", 1]}], 1, False),
    ("numeric-range-open-both", [{"numeric": [">", 0, "<", 1]}], 0, False),
    ("numeric-range-closed-both", [{"numeric": [">=", 0, "<=", 1]}], 1, True),
    ("numeric-negative-range", [{"numeric": [">", -10, "<", -5]}], -7.5, True),
    ("numeric-exponent-bounds", [{"numeric": [">", 1e3]}], 1001, True),
    ("numeric-not-on-strings", [{"numeric": [">", 0]}], "5", False),
    ("numeric-not-on-booleans", [{"numeric": [">", 0]}], True, False),
    ("numeric-not-on-null", [{"numeric": ["<", 1]}], None, False),
    ("numeric-missing", [{"numeric": ["<", 1]}], MISSING, False),
    ("numeric-array-any-in-range", [{"numeric": [">", 10]}], [1, 2, 30], True),
    ("numeric-array-none-in-range", [{"numeric": [">", 10]}], [1, 2, 3], False),
    ("numeric-event-above-limit", [{"numeric": [">", 0]}], 6e9, False),
    ("numeric-event-below-limit", [{"numeric": ["<", 0]}], -6e9, False),
    ("numeric-event-huge-integer", [{"numeric": [">", 0]}], 10**400, False),
    ("numeric-at-the-limit", [{"numeric": [">=", -5e9]}], -5e9, True),
    ("numeric-upper-limit", [{"numeric": ["=", 5e9]}], 5000000000, True),
    ("numeric-six-decimals", [{"numeric": ["=", 0.000001]}], 1e-6, True),
    ("numeric-or-exact-value", [{"numeric": [">", 100]}, 5], 5, True),
    # exists
    ("exists-true-on-string", [{"exists": True}], "x", True),
    ("exists-true-on-null", [{"exists": True}], None, True),
    ("exists-true-on-empty-string", [{"exists": True}], "", True),
    ("exists-true-on-false", [{"exists": True}], False, True),
    ("exists-true-on-zero", [{"exists": True}], 0, True),
    ("exists-true-on-array", [{"exists": True}], ["a"], True),
    ("exists-true-on-empty-array", [{"exists": True}], [], False),
    ("exists-true-on-object", [{"exists": True}], {"a": 1}, False),
    ("exists-true-missing", [{"exists": True}], MISSING, False),
    ("exists-false-missing", [{"exists": False}], MISSING, True),
    ("exists-false-on-null", [{"exists": False}], None, False),
    ("exists-false-on-empty-array", [{"exists": False}], [], True),
    ("exists-false-on-object", [{"exists": False}], {"a": 1}, True),
    ("exists-false-on-array-of-objects", [{"exists": False}], [{"a": 1}], True),
    ("exists-false-or-value-missing", [{"exists": False}, "x"], MISSING, True),
    ("exists-false-or-value-present", [{"exists": False}, "x"], "x", True),
    ("exists-false-or-value-other", [{"exists": False}, "x"], "y", False),
    # cidr
    ("cidr-inside", [{"cidr": "10.0.0.0/24"}], "10.0.0.255", True),
    ("cidr-outside", [{"cidr": "10.0.0.0/24"}], "10.0.1.0", False),
    ("cidr-slash-32", [{"cidr": "192.168.1.7/32"}], "192.168.1.7", True),
    ("cidr-slash-32-other", [{"cidr": "192.168.1.7/32"}], "192.168.1.8", False),
    ("cidr-slash-0", [{"cidr": "0.0.0.0/0"}], "203.0.113.9", True),
    ("cidr-host-bits-ignored", [{"cidr": "10.0.0.5/24"}], "10.0.0.200", True),
    ("cidr-ipv4-vs-ipv6-value", [{"cidr": "0.0.0.0/0"}], "::1", False),
    ("cidr-ipv6-vs-ipv4-value", [{"cidr": "::/0"}], "10.0.0.1", False),
    ("cidr-ipv6-inside", [{"cidr": "2001:db8::/64"}], "2001:db8::dead:beef", True),
    ("cidr-ipv6-uppercase", [{"cidr": "2001:db8::/64"}], "2001:DB8::1", True),
    ("cidr-ipv6-outside", [{"cidr": "2001:db8::/64"}], "2001:db8:0:1::1", False),
    ("cidr-ipv6-slash-128", [{"cidr": "2001:db8::1/128"}], "2001:db8:0:0:0:0:0:1", True),
    ("cidr-ipv4-mapped-ipv6-is-not-ipv4", [{"cidr": "10.0.0.0/8"}], "::ffff:10.0.0.1", False),
    ("cidr-not-an-address", [{"cidr": "10.0.0.0/8"}], "10.0.0", False),
    ("cidr-octet-too-large", [{"cidr": "10.0.0.0/8"}], "10.0.0.256", False),
    ("cidr-leading-zeros-rejected", [{"cidr": "10.0.0.0/8"}], "010.0.0.1", False),
    ("cidr-not-on-numbers", [{"cidr": "0.0.0.0/0"}], 167772161, False),
    ("cidr-array-any", [{"cidr": "10.0.0.0/8"}], ["192.168.0.1", "10.9.9.9"], True),
    ("cidr-or-exact", [{"cidr": "10.0.0.0/8"}, "localhost"], "localhost", True),
    # several operators in one array are alternatives
    ("mixed-exact-or-prefix", ["a", {"prefix": "b"}], "bc", True),
    ("mixed-suffix-or-numeric", [{"suffix": "x"}, {"numeric": [">", 1]}], 2, True),
    ("mixed-none-match", [{"suffix": "x"}, {"numeric": [">", 1]}, "z"], "y", False),
    ("same-operator-twice", [{"prefix": "a"}, {"prefix": "b"}], "bb", True),
]

STRUCTURE_CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("nested-three-levels", {"a": {"b": {"c": ["x"]}}}, {"a": {"b": {"c": "x"}}}, True),
    ("nested-leaf-where-object-expected", {"a": {"b": ["x"]}}, {"a": "x"}, False),
    ("nested-missing-parent", {"a": {"b": ["x"]}}, {"z": 1}, False),
    ("nested-exists-false-missing-parent", {"a": {"b": [{"exists": False}]}}, {"z": 1}, True),
    ("nested-exists-true-deep", {"a": {"b": {"c": [{"exists": True}]}}}, {"a": {"b": {"c": 0}}}, True),
    (
        "array-of-objects",
        {"employees": {"firstName": ["Anna"]}},
        {"employees": [{"firstName": "John"}, {"firstName": "Anna"}]},
        True,
    ),
    (
        "array-of-arrays-of-objects",
        {"employees": {"firstName": ["Peter"]}},
        {"employees": [[{"firstName": "John"}], [{"firstName": "Peter"}]]},
        True,
    ),
    (
        "array-of-objects-none",
        {"employees": {"firstName": ["Zoe"]}},
        {"employees": [{"firstName": "Anna"}]},
        False,
    ),
    ("two-fields-and", {"a": ["1"], "b": ["2"]}, {"a": "1", "b": "2"}, True),
    ("two-fields-one-missing", {"a": ["1"], "b": ["2"]}, {"a": "1"}, False),
    ("extra-event-fields-ignored", {"a": ["1"]}, {"a": "1", "b": {"c": [1, 2]}}, True),
    ("empty-event-exists-false", {"a": [{"exists": False}]}, {}, True),
    ("empty-event-exists-true", {"a": [{"exists": True}]}, {}, False),
    ("or-branch-exists-false", {"$or": [{"a": [{"exists": False}]}, {"b": ["x"]}]}, {"a": 1, "b": "x"}, True),
    ("or-branch-none", {"$or": [{"a": [{"exists": False}]}, {"b": ["x"]}]}, {"a": 1, "b": "y"}, False),
    ("or-both-branches", {"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"a": "1", "b": "2"}, True),
    ("or-same-field-two-branches", {"$or": [{"a": ["1"]}, {"a": [{"prefix": "2"}]}]}, {"a": "23"}, True),
    ("or-and-same-field-outside", {"a": ["1", "2"], "$or": [{"a": ["2"]}, {"b": ["x"]}]}, {"a": "2"}, True),
    ("or-and-same-field-outside-fails", {"a": ["1"], "$or": [{"a": ["2"]}, {"b": ["x"]}]}, {"a": "2"}, False),
    (
        "or-inside-nested-object",
        {"detail": {"kind": ["a"], "$or": [{"x": [1]}, {"y": {"z": [2]}}]}},
        {"detail": {"kind": "a", "y": {"z": 2}}},
        True,
    ),
    ("or-three-levels", {"$or": [{"$or": [{"a": [1]}, {"b": [2]}]}, {"c": [3]}]}, {"b": 2}, True),
    ("or-three-levels-none", {"$or": [{"$or": [{"a": [1]}, {"b": [2]}]}, {"c": [3]}]}, {"b": 3}, False),
    ("or-as-ordinary-event-key", {"$or": [{"a": [1]}, {"b": [2]}]}, {"$or": "x"}, False),
    (
        "json-text-pattern",
        {"source": ["hexad.cpi"], "detail": {"margin": [{"numeric": ["<", 0.45]}]}},
        {"source": "hexad.cpi", "detail": {"margin": 0.3}},
        True,
    ),
]


@pytest.fixture(params=["pattern", "index"])
def engine(request: pytest.FixtureRequest) -> Callable[[dict[str, Any]], Matcher]:
    """Builds a matcher for one pattern: a compiled `Pattern`, or a `RuleIndex` among distractors."""

    def build(pattern: dict[str, Any]) -> Matcher:
        if request.param == "pattern":
            return compile_pattern(pattern).matches
        index = RuleIndex()
        index.add("distractor-prefix", {"f": [{"prefix": "zzz"}], "a": [{"exists": True}]})
        index.add("distractor-numeric", {"f": [{"numeric": ["=", 123456]}]})
        index.add("rule", pattern)
        index.add("distractor-anything-but", {"f": [{"anything-but": "never"}], "g": ["absent"]})
        return lambda event: "rule" in index.match(event)

    return build


@pytest.mark.parametrize(
    ("values", "value", "expected"), [c[1:] for c in FIELD_CASES], ids=[c[0] for c in FIELD_CASES]
)
def test_operator(
    engine: Callable[[dict[str, Any]], Matcher], values: list[Any], value: Any, expected: bool
) -> None:
    event = {} if value is MISSING else {"f": value}
    assert engine({"f": values})(event) is expected


@pytest.mark.parametrize(
    ("pattern", "event", "expected"), [c[1:] for c in STRUCTURE_CASES], ids=[c[0] for c in STRUCTURE_CASES]
)
def test_structure(
    engine: Callable[[dict[str, Any]], Matcher],
    pattern: dict[str, Any],
    event: dict[str, Any],
    expected: bool,
) -> None:
    assert engine(pattern)(event) is expected


def test_pattern_given_as_json_text_matches_like_the_dict() -> None:
    text = '{"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}], "state": ["running"]}}'
    event = {"detail": {"x-limit": 301.8, "state": "running"}}
    assert compile_pattern(text).matches(event)
    assert compile_pattern(text).document == {
        "detail": {"x-limit": [{"numeric": ["=", 301.8]}], "state": ["running"]}
    }


def test_the_index_returns_every_matching_rule_and_only_those() -> None:
    index = RuleIndex()
    index.add("by-source", {"source": ["hexad.cpi"]})
    index.add("by-prefix", {"source": [{"prefix": "hexad."}]})
    index.add("by-margin", {"detail": {"margin": [{"numeric": ["<", 0.45]}]}})
    index.add("other-source", {"source": ["hexad.spo"]})
    index.add("no-ticket", {"detail": {"ticket": [{"exists": False}]}})
    event = {"source": "hexad.cpi", "detail": {"margin": 0.3, "ticket": "T-1"}}
    assert index.match(event) == {"by-source", "by-prefix", "by-margin"}


def test_re_adding_a_name_replaces_its_pattern_and_remove_forgets_it() -> None:
    index = RuleIndex()
    index.add("rule", {"source": ["a"]})
    index.add("rule", {"source": ["b"]})
    assert index.match({"source": "a"}) == set()
    assert index.match({"source": "b"}) == {"rule"}
    assert len(index) == 1 and "rule" in index
    index.remove("rule")
    assert index.match({"source": "b"}) == set()
    assert "rule" not in index and len(index) == 0
    with pytest.raises(KeyError):
        index.remove("rule")
    index.discard("rule")


def test_an_invalid_pattern_leaves_the_index_unchanged() -> None:
    index = RuleIndex()
    index.add("rule", {"source": ["a"]})
    with pytest.raises(ValueError, match=r"source\[0\]\.prefix"):
        index.add("rule", {"source": [{"prefix": 5}]})
    assert index.match({"source": "a"}) == {"rule"}


def test_rules_on_one_and_on_true_are_told_apart() -> None:
    index = RuleIndex()
    index.add("one", {"f": [1]})
    index.add("true", {"f": [True]})
    index.add("zero", {"f": [0.0]})
    index.add("false", {"f": [False]})
    assert index.match({"f": 1.0}) == {"one"}
    assert index.match({"f": True}) == {"true"}
    assert index.match({"f": 0}) == {"zero"}
    assert index.match({"f": [False, 1]}) == {"false", "one"}


def test_rules_sharing_conditions_are_each_reported() -> None:
    index = RuleIndex()
    for number in range(50):
        index.add(f"same-{number}", {"source": ["hexad.cpi"], "detail-type": ["client.churn.risk"]})
    index.add("different", {"source": ["hexad.cpi"], "detail-type": ["client.profitability.changed"]})
    event = {"source": "hexad.cpi", "detail-type": "client.churn.risk"}
    assert index.match(event) == {f"same-{number}" for number in range(50)}
