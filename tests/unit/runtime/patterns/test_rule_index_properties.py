"""Property: `RuleIndex.match(e) == {n for n, p in rules if compile_pattern(p).matches(e)}`.

Rules and events are drawn from one small vocabulary of paths and values so that generated rules
often partly match generated events, every operator appears, and events exercise arrays, nested
objects where leaves are expected, nulls and missing fields.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hexad.runtime.patterns import RuleIndex, compile_pattern

PATHS = [
    ("source",),
    ("detail-type",),
    ("detail", "a"),
    ("detail", "b"),
    ("detail", "c"),
    ("detail", "c", "d"),
    ("resources",),
]
STRINGS = ["a", "ab", "abc", "ABC", "b", "x.png", "X.PNG", "a*c", "10.0.0.7", "10.1.0.7", "2001:db8::1", ""]
NUMBERS = [0, 1, 1.0, 5, -3, 2.5, 1000, 1e3, 6e9]
LEAVES = st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.booleans(), st.none())

TEXT = st.sampled_from(["a", "ab", "A", "b", ".png", "x", "10.", ""])
OPERATORS = st.one_of(
    st.builds(lambda t: {"prefix": t}, TEXT),
    st.builds(lambda t: {"suffix": t}, TEXT),
    st.builds(lambda t: {"equals-ignore-case": t}, TEXT),
    st.builds(lambda t: {"prefix": {"equals-ignore-case": t}}, TEXT),
    st.builds(lambda t: {"suffix": {"equals-ignore-case": t}}, TEXT),
    st.sampled_from(["a*", "*c", "a*c", "*b*", "x*png", "abc", "a\\*c"]).map(lambda w: {"wildcard": w}),
    st.sampled_from(["a", "abc"]).map(lambda v: {"anything-but": v}),
    st.sampled_from([[0, 5], ["a", "b"], [1]]).map(lambda v: {"anything-but": v}),
    st.builds(lambda t: {"anything-but": {"prefix": t}}, TEXT),
    st.builds(lambda t: {"anything-but": {"suffix": t}}, TEXT),
    st.builds(lambda t: {"anything-but": {"equals-ignore-case": [t, "B"]}}, TEXT),
    st.sampled_from(["a*", "*.png"]).map(lambda w: {"anything-but": {"wildcard": w}}),
    st.sampled_from([["=", 1], [">", 0], [">=", 1, "<", 5], ["<=", 2.5], [">", -5, "<=", 1000]]).map(
        lambda n: {"numeric": n}
    ),
    st.booleans().map(lambda b: {"exists": b}),
    st.sampled_from(["10.0.0.0/24", "10.0.0.0/8", "2001:db8::/32"]).map(lambda c: {"cidr": c}),
)
CONDITION_VALUES = st.lists(st.one_of(LEAVES, OPERATORS), min_size=1, max_size=3)


def _nest(fields: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    """Nested objects from paths; a path under another path's leaf is dropped (`detail.c.d`)."""
    document: dict[str, Any] = {}
    for path, value in sorted(fields.items(), key=lambda item: len(item[0])):
        node = document
        for key in path[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = value
    return document


FLAT_PATTERNS = st.dictionaries(st.sampled_from(PATHS), CONDITION_VALUES, min_size=1, max_size=3).map(_nest)


@st.composite
def patterns(draw: st.DrawFn) -> dict[str, Any]:
    pattern = draw(FLAT_PATTERNS)
    if draw(st.booleans()):
        branches = draw(st.lists(FLAT_PATTERNS, min_size=2, max_size=3))
        pattern["$or"] = branches
    return pattern


EVENT_VALUES = st.one_of(
    LEAVES,
    st.lists(LEAVES, max_size=3),
    st.builds(dict, nested=st.just("object")),
    st.just([]),
)
EVENTS = st.dictionaries(st.sampled_from(PATHS), EVENT_VALUES, max_size=6).map(_nest)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=st.lists(patterns(), min_size=1, max_size=12), events=st.lists(EVENTS, min_size=1, max_size=5))
def test_index_agrees_with_matching_each_pattern(
    rules: list[dict[str, Any]], events: list[dict[str, Any]]
) -> None:
    index = RuleIndex()
    named = {f"rule-{i}": rule for i, rule in enumerate(rules)}
    for name, rule in named.items():
        index.add(name, rule)
    for event in events:
        expected = {name for name, rule in named.items() if compile_pattern(rule).matches(event)}
        assert index.match(event) == expected


@settings(max_examples=50, deadline=None)
@given(
    rules=st.lists(patterns(), min_size=2, max_size=8),
    removed=st.sets(st.integers(min_value=0, max_value=7)),
    event=EVENTS,
)
def test_removing_and_replacing_rules_keeps_the_index_exact(
    rules: list[dict[str, Any]], removed: set[int], event: dict[str, Any]
) -> None:
    index = RuleIndex()
    named = {f"rule-{i}": rule for i, rule in enumerate(rules)}
    for name, rule in named.items():
        index.add(name, rule)
    index.match(event)
    for position in removed:
        name = f"rule-{position}"
        if name in named:
            index.remove(name)
            del named[name]
    if named:
        first = next(iter(named))
        named[first] = rules[-1]
        index.add(first, rules[-1])
    expected = {name for name, rule in named.items() if compile_pattern(rule).matches(event)}
    assert index.match(event) == expected
    assert len(index) == len(named)
