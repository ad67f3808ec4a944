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
    "as_number",
    "is_number",
    "value_key",
    "values_at",
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


def as_number(value: object) -> float | None:
    """A JSON number inside the `numeric` limits as a float, else None (strings, bools, 1e400, NaN)."""
    kind = type(value)
    if (kind is int or kind is float) and -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT:  # type: ignore[operator]
        return float(value)  # type: ignore[arg-type]
    return None


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


_MISSING: Final = object()


def values_at(event: object, path: Path) -> list[JsonLeaf] | None:
    """The leaf values at `path` in `event` (arrays flattened), or None when there are none."""
    node = event
    for depth, key in enumerate(path):
        kind = type(node)
        if kind is dict:
            node = node.get(key, _MISSING)  # type: ignore[attr-defined]
            if node is _MISSING:
                return None
        elif kind is list:
            found: list[JsonLeaf] = []
            _values_in(node, path[depth:], found)  # type: ignore[arg-type]
            return found or None
        else:
            return None
    kind = type(node)
    if kind is list:
        found = []
        _values_in(node, (), found)  # type: ignore[arg-type]
        return found or None
    if kind is dict:
        return None
    return [node]  # type: ignore[list-item]


def _values_in(items: list[Any], rest: Path, found: list[JsonLeaf]) -> None:
    for item in items:
        kind = type(item)
        if kind is list:
            _values_in(item, rest, found)
        elif kind is dict:
            if rest:
                values = values_at(item, rest)
                if values:
                    found.extend(values)
        elif not rest:
            found.append(item)


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
    if len(children) > len(obj):
        for key, value in obj.items():
            found = children.get(key)
            if found is not None:
                _place(value, found, values)
        return
    for key, child in children.items():
        value = obj.get(key, _MISSING)
        if value is _MISSING:
            continue
        kind = type(value)
        if kind is dict or kind is list:
            _place(value, child, values)
        elif child.slot >= 0:
            leaves = values[child.slot]
            if leaves is None:
                values[child.slot] = [value]
            else:
                leaves.append(value)


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
