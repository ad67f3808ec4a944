"""EventBridge event patterns: compile one (`compile_pattern`) or index many (`RuleIndex`).

The whole content-filtering language of the EventBridge user guide: exact values of every JSON type,
arrays of alternatives, nested objects, `prefix`, `suffix`, `equals-ignore-case` (alone and inside
prefix/suffix), `wildcard`, `anything-but` (values, lists, prefix, suffix, equals-ignore-case,
wildcard), `numeric`, `exists`, `cidr` and nested `$or`. Invalid patterns raise `InvalidPattern`
at compile time with the JSON path of the problem. The operator matchers (`operators`) and
`parse_field` are reusable by other filter languages built on the same operators.
"""

from __future__ import annotations

from hexad.runtime.patterns.index import RuleIndex
from hexad.runtime.patterns.parser import MAX_ALTERNATIVES, FieldCondition, InvalidPattern, parse_field
from hexad.runtime.patterns.pattern import Pattern, compile_pattern

__all__ = [
    "MAX_ALTERNATIVES",
    "FieldCondition",
    "InvalidPattern",
    "Pattern",
    "RuleIndex",
    "compile_pattern",
    "parse_field",
]
