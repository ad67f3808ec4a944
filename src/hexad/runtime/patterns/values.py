"""Event leaf values: how a pattern sees an event, and how values compare for exact matching.

An event is seen as paths to leaf values, as EventBridge sees it: nested objects add a key to the
path, arrays are "crushed" (their elements, at any depth, become values of the same path), and only
leaves (strings, numbers, booleans, null) are values. An object or an empty array at a path gives
that path no value at all, which is why `exists` treats such fields as absent.

Exact matching compares values by JSON type and, for numbers, by numeric value (`300`, `300.0` and
`3.0e2` are equal). `value_key` gives each leaf a hashable key with those semantics; booleans get
keys distinct from numbers because Python treats `True == 1`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

__all__ = [
    "NUMERIC_LIMIT",
    "JsonLeaf",
    "Path",
    "PathTree",
    "is_number",
    "value_key",
]

Path = tuple[str, ...]
JsonLeaf = str | int | float | bool | None

NUMERIC_LIMIT: Final = 5.0e9
"""EventBridge compares numbers with `numeric` only within -5.0e9 .. +5.0e9 inclusive."""

_NULL: Final = ("null",)
_TRUE: Final = ("bool", True)
_FALSE: Final = ("bool", False)


def is_number(value: object) -> bool:
    """True for JSON numbers (a Python int or float that is not a bool)."""
    kind = type(value)
    return kind is int or kind is float


def value_key(value: JsonLeaf) -> object:
    """The exact-match identity of a leaf: strings are themselves, other types are tagged."""
    if type(value) is str:
        return value
    if value is None:
        return _NULL
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    return ("num", value)


class _Node:
    """One key of the path tree: its value slot (or -1) and the keys below it."""

    __slots__ = ("children", "slot")

    def __init__(self) -> None:
        self.slot = -1
        self.children: dict[str, _Node] = {}


class PathTree:
    """The paths some patterns read, as a tree, so an event is walked only where patterns look.

    `collect(event)` returns a list with one entry per path slot: `None` when the event has no leaf
    value at that path, else the list of its leaf values (array elements flattened).
    """

    def __init__(self, paths: Iterable[Path] = ()) -> None:
        self._root = _Node()
        self._slots: dict[Path, int] = {}
        for path in paths:
            self.slot(path)

    def slot(self, path: Path) -> int:
        """The slot of `path`, added to the tree when new."""
        found = self._slots.get(path)
        if found is not None:
            return found
        node = self._root
        for key in path:
            child = node.children.get(key)
            if child is None:
                child = node.children[key] = _Node()
            node = child
        node.slot = len(self._slots)
        self._slots[path] = node.slot
        return node.slot

    def __len__(self) -> int:
        return len(self._slots)

    def collect(self, event: Mapping[str, Any]) -> list[list[JsonLeaf] | None]:
        """The leaf values of every path in the tree, read from `event`."""
        values: list[list[JsonLeaf] | None] = [None] * len(self._slots)
        if type(event) is dict:
            _collect_object(event, self._root.children, values)
        return values


def _collect_object(
    obj: dict[str, Any], children: dict[str, _Node], values: list[list[JsonLeaf] | None]
) -> None:
    if len(children) <= len(obj):
        for key, child in children.items():
            if key in obj:
                _place(obj[key], child, values)
    else:
        for key, value in obj.items():
            found = children.get(key)
            if found is not None:
                _place(value, found, values)


def _place(value: Any, node: _Node, values: list[list[JsonLeaf] | None]) -> None:
    kind = type(value)
    if kind is dict:
        if node.children:
            _collect_object(value, node.children, values)
    elif kind is list:
        _place_all(value, node, values)
    elif node.slot >= 0:
        found = values[node.slot]
        if found is None:
            values[node.slot] = [value]
        else:
            found.append(value)


def _place_all(items: Sequence[Any], node: _Node, values: list[list[JsonLeaf] | None]) -> None:
    for item in items:
        _place(item, node, values)
