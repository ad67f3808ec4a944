"""The `wildcard` operator: `*` matches any run of characters (including none).

EventBridge's rules: `\\*` is a literal asterisk, `\\\\` a literal backslash, a backslash before any
other character is invalid, and two unescaped `*` in a row are rejected. A wildcard is compiled to
an anchored regular expression; its literal head and tail are kept so that an index can file a
wildcard without `*` as an exact value and `abc*` as a prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hexad.runtime.patterns.values import JsonLeaf

__all__ = ["Wildcard", "WildcardSyntaxError", "parse_wildcard"]


class WildcardSyntaxError(ValueError):
    """A wildcard string breaks the escaping or consecutive-`*` rules (message says where)."""


@dataclass(frozen=True, slots=True)
class Wildcard:
    """A compiled wildcard: the literal pieces between unescaped `*`."""

    pieces: tuple[str, ...]
    regex: re.Pattern[str] = field(compare=False, repr=False)

    @property
    def is_literal(self) -> bool:
        """True when the wildcard has no `*`: it is an exact string (`pieces[0]`)."""
        return len(self.pieces) == 1

    def matches(self, value: JsonLeaf) -> bool:
        return type(value) is str and self.regex.fullmatch(value) is not None


def parse_wildcard(text: str) -> Wildcard:
    """Compile `text`; raises `WildcardSyntaxError` naming the character position at fault."""
    pieces: list[str] = []
    current: list[str] = []
    previous_star = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            escaped = text[index + 1 : index + 2]
            if escaped not in ("*", "\\"):
                raise WildcardSyntaxError(
                    f"invalid escape at position {index}: only \\* and \\\\ may follow a backslash"
                )
            current.append(escaped)
            index += 2
            previous_star = False
            continue
        if char == "*":
            if previous_star:
                raise WildcardSyntaxError(f"consecutive wildcard characters at position {index}")
            pieces.append("".join(current))
            current = []
            previous_star = True
        else:
            current.append(char)
            previous_star = False
        index += 1
    pieces.append("".join(current))
    regex = re.compile(".*".join(re.escape(piece) for piece in pieces), re.DOTALL)
    return Wildcard(tuple(pieces), regex)
