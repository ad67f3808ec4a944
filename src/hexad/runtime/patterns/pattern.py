"""One compiled event pattern: `compile_pattern(...)` then `pattern.matches(event)` any number of times."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hexad.runtime.patterns.parser import Alternative, parse_pattern
from hexad.runtime.patterns.values import PathTree

__all__ = ["Pattern", "compile_pattern"]


class Pattern:
    """A validated pattern; `matches` reads only the event paths the pattern names.

    Semantics (EventBridge's): every field of an alternative must match; a field matches when any
    of its values matches any leaf value at that path (arrays in the event are flattened); a field
    with no leaf value (missing, an object, an empty array) matches only `{"exists": false}`.
    """

    __slots__ = ("_alternatives", "_slots", "_tree", "document")

    def __init__(self, document: dict[str, Any], alternatives: tuple[Alternative, ...]) -> None:
        self.document = document
        self._alternatives = alternatives
        self._tree = PathTree()
        self._slots = tuple(
            tuple(self._tree.slot(condition.path) for condition in alternative)
            for alternative in alternatives
        )

    @property
    def alternatives(self) -> tuple[Alternative, ...]:
        """The `$or`-expanded conjunctions of field conditions this pattern is the union of."""
        return self._alternatives

    def matches(self, event: Mapping[str, Any]) -> bool:
        """True when `event` (a dict as parsed from JSON) matches the pattern."""
        values = self._tree.collect(event)
        for alternative, slots in zip(self._alternatives, self._slots, strict=True):
            if all(
                condition.satisfied(values[slot]) for condition, slot in zip(alternative, slots, strict=True)
            ):
                return True
        return False

    def to_json(self) -> str:
        """The pattern document as compact JSON text."""
        return json.dumps(self.document, separators=(",", ":"))

    def __repr__(self) -> str:
        return f"Pattern({self.to_json()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pattern) and other.document == self.document

    def __hash__(self) -> int:
        return hash(self.to_json())


def compile_pattern(pattern: dict[str, Any] | str | Pattern) -> Pattern:
    """Validate and compile `pattern` (a dict or JSON text); raises `InvalidPattern` naming the path.

    A `Pattern` is returned as it is, so callers may pass either form.
    """
    if isinstance(pattern, Pattern):
        return pattern
    document, alternatives = parse_pattern(pattern)
    return Pattern(document, alternatives)
