"""Paths in Amazon States Language: reading with `Path`s and writing with `Reference Path`s.

Most paths in real definitions are reference paths (`$`, `$.a.b`, `$.list[0]`, `$['key']`), and they sit
on the hot path of every state (InputPath, ResultPath, OutputPath, `.$` parameters). They are parsed
here once into a tuple of keys and read with a short loop, about fifty times faster than jsonpath-ng;
anything else (wildcards, slices, filters, `..`) goes to jsonpath-ng's extended parser, which returns
a list as Step Functions does for an indefinite path. Writing (ResultPath, Catch ResultPath) must
create missing intermediate objects, which jsonpath-ng's `update` does not do, so it is written here.

A path that selects nothing raises `PathNotFoundError`; the interpreter turns it into `States.Runtime`
naming the state and field.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext.parser import parse as parse_jsonpath

__all__ = [
    "PathNotFoundError",
    "PathSyntaxError",
    "compile_path",
    "is_reference_path",
    "read_path",
    "write_path",
]

_TOKEN = re.compile(r"\.([^.\[\]\s*?(),:'\"@]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\[\"((?:[^\"\\])*)\"\]")


class PathNotFoundError(LookupError):
    """A path selected no value in its input."""

    def __init__(self, path: str) -> None:
        super().__init__(f"the path {path!r} selected nothing")
        self.path = path


class PathSyntaxError(ValueError):
    """A path is not a valid JSONPath / reference path."""


@lru_cache(maxsize=4096)
def _reference_keys(path: str) -> tuple[str | int, ...] | None:
    """The keys of a reference path (`$.a[0]['b']`), or None if `path` is not one."""
    if not path.startswith("$"):
        return None
    position = 1
    keys: list[str | int] = []
    while position < len(path):
        match = _TOKEN.match(path, position)
        if match is None:
            return None
        name, index, quoted, double = match.groups()
        if index is not None:
            keys.append(int(index))
        else:
            keys.append(name if name is not None else (quoted if quoted is not None else double))
        position = match.end()
    return tuple(keys)


def is_reference_path(path: str) -> bool:
    """True for a path that names one node (`$.a.b[0]`), the only kind ResultPath accepts."""
    return _reference_keys(path) is not None


@lru_cache(maxsize=1024)
def compile_path(path: str) -> Any:
    """Check that `path` parses; returns the parsed expression (or its key tuple for reference paths)."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise PathSyntaxError(f"expected a path starting with '$', got {path!r}")
    keys = _reference_keys(path)
    if keys is not None:
        return keys
    try:
        return parse_jsonpath(path)
    except (JsonPathParserError, Exception) as exc:
        raise PathSyntaxError(f"{path!r} is not a valid JSONPath: {exc}") from None


def read_path(path: str, data: Any) -> Any:
    """The value `path` selects in `data`; indefinite paths give a list; `PathNotFoundError` if none."""
    compiled = compile_path(path)
    if isinstance(compiled, tuple):
        return _read_keys(compiled, data, path)
    matches = [match.value for match in compiled.find(data)]
    if not matches and not _indefinite(path):
        raise PathNotFoundError(path)
    return matches


def _indefinite(path: str) -> bool:
    return any(marker in path for marker in ("*", "..", "?(", ":", ","))


def _read_keys(keys: tuple[str | int, ...], data: Any, path: str) -> Any:
    value = data
    for key in keys:
        if isinstance(key, int):
            if not isinstance(value, list) or key >= len(value):
                raise PathNotFoundError(path)
            value = value[key]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            raise PathNotFoundError(path)
    return value


def write_path(path: str, data: Any, value: Any) -> Any:
    """A copy of `data` with `value` placed at the reference `path`, creating missing objects.

    `$` replaces the whole document. A step through a value that is not an object (or a list index
    out of range) raises `PathNotFoundError`, as Step Functions fails such a ResultPath at run time.
    """
    keys = _reference_keys(path)
    if keys is None:
        raise PathSyntaxError(f"expected a reference path such as $.result, got {path!r}")
    if not keys:
        return value
    root = copy.copy(data) if isinstance(data, (dict, list)) else data
    if not isinstance(root, dict) and not (isinstance(root, list) and isinstance(keys[0], int)):
        raise PathNotFoundError(path)
    node: Any = root
    for position, key in enumerate(keys):
        last = position == len(keys) - 1
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                raise PathNotFoundError(path)
        elif not isinstance(node, dict):
            raise PathNotFoundError(path)
        if last:
            node[key] = value
            break
        child = node[key] if (isinstance(key, int) or key in node) else {}
        child = copy.copy(child) if isinstance(child, (dict, list)) else child
        if not isinstance(child, (dict, list)):
            raise PathNotFoundError(path)
        node[key] = child
        node = child
    return root
