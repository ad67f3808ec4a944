"""One compiled event pattern: `compile_pattern(...)` then `pattern.matches(event)` any number of times."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hexad.runtime.patterns.parser import Alternative, parse_pattern
from hexad.runtime.patterns.values import JsonLeaf, Path, values_at

__all__ = ["Pattern", "compile_pattern"]


class Pattern:
    """A validated pattern; `matches` reads only the event paths the pattern names.

    Semantics (EventBridge's): every field of an alternative must match; a field matches when any
    of its values matches any leaf value at that path (arrays in the event are flattened); a field
    with no leaf value (missing, an object, an empty array) matches only `{"exists": false}`.
    """

    __slots__ = ("_alternatives", "document")

    def __init__(self, document: dict[str, Any], alternatives: tuple[Alternative, ...]) -> None:
        self.document = document
        self._alternatives = alternatives

    @property
    def alternatives(self) -> tuple[Alternative, ...]:
        """The `$or`-expanded conjunctions of field conditions this pattern is the union of."""
        return self._alternatives

    def matches(self, event: Mapping[str, Any]) -> bool:
        """True when `event` (a dict as parsed from JSON) matches the pattern."""
        alternatives = self._alternatives
        if len(alternatives) == 1:
            for condition in alternatives[0]:  # noqa: SIM110 - a loop is faster than all() on this path
                if not condition.satisfied(values_at(event, condition.path)):
                    return False
            return True
        seen: dict[Path, list[JsonLeaf] | None] = {}
        for alternative in alternatives:
            for condition in alternative:
                path = condition.path
                if path not in seen:
                    seen[path] = values_at(event, path)
                if not condition.satisfied(seen[path]):
                    break
            else:
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
