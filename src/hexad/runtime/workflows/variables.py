"""Workflow variables (`Assign`, `$name`): scopes, names, size limits and how a path names a variable.

The top-level states of an execution share one scope; each Parallel branch and Map iteration runs in
a scope of its own that reads the outer scopes but whose assignments stay inside it. A state's new
values take effect when the state exits: every reference inside the state, including the other
expressions of the same `Assign`, sees the values the variables had when the state was entered.

The current scope travels in a context variable: asyncio copies it into each branch's task, so a
branch sets its own scope without the states that run in it having to pass one along.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar, Token
from typing import Any

from hexad.runtime.workflows.failures import StateFailure
from hexad.runtime.workflows.paths import PathNotFoundError, read_path

__all__ = [
    "ASSIGN_LIMIT_BYTES",
    "TOTAL_LIMIT_BYTES",
    "VALUE_LIMIT_BYTES",
    "Scope",
    "check_reference",
    "current_scope",
    "enter_scope",
    "leave_scope",
    "read_reference",
    "split_variable_path",
    "variable_name_problem",
]

VALUE_LIMIT_BYTES = 262_144
ASSIGN_LIMIT_BYTES = 262_144
TOTAL_LIMIT_BYTES = 10_485_760
_RESERVED = frozenset({"states"})
_PATH = re.compile(r"^\$([^\W\d]\w*)(.*)$", re.DOTALL)


class _Ledger:
    """The bytes held by every live scope of one execution (the 10 MiB limit is per execution)."""

    __slots__ = ("bytes",)

    def __init__(self) -> None:
        self.bytes = 0


class Scope:
    """The variables one branch of an execution can see: its own, then its parents' (read-only)."""

    __slots__ = ("ledger", "parent", "sizes", "values")

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.ledger: _Ledger = parent.ledger if parent is not None else _Ledger()
        self.values: dict[str, Any] = {}
        self.sizes: dict[str, int] = {}

    def lookup(self, name: str) -> tuple[bool, Any]:
        """(True, value) for a variable visible here, else (False, None)."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return True, scope.values[name]
            scope = scope.parent
        return False, None

    def visible(self) -> dict[str, Any]:
        """Every variable visible here, inner values shadowing outer ones (JSONata's bindings)."""
        if self.parent is None:
            return dict(self.values)
        merged = self.parent.visible()
        merged.update(self.values)
        return merged

    def assign(self, values: Mapping[str, Any], sizes: Mapping[str, int], state: str) -> None:
        """Make a state's assignments take effect, enforcing the 10 MiB limit on all variables."""
        grown = sum(sizes.values()) - sum(self.sizes.get(name, 0) for name in values)
        if grown > 0 and self.ledger.bytes + grown > TOTAL_LIMIT_BYTES:
            raise StateFailure(
                "States.DataLimitExceeded",
                f"The state '{state}' would store more than {TOTAL_LIMIT_BYTES} bytes of variables.",
            )
        self.ledger.bytes += grown
        self.values.update(values)
        self.sizes.update(sizes)

    def close(self) -> None:
        """A branch or iteration ended: its variables are gone and no longer count."""
        self.ledger.bytes -= sum(self.sizes.values())


_CURRENT: ContextVar[Scope] = ContextVar("hexad_workflow_scope")


def current_scope() -> Scope:
    """The scope of the branch running now (a fresh top-level scope outside any execution)."""
    scope = _CURRENT.get(None)
    if scope is None:
        scope = Scope()
        _CURRENT.set(scope)
    return scope


def enter_scope(scope: Scope) -> Token[Scope]:
    """Make `scope` current for the running task (a branch, an iteration, an execution)."""
    return _CURRENT.set(scope)


def leave_scope(token: Token[Scope]) -> None:
    """Restore the scope that was current before `enter_scope`."""
    _CURRENT.reset(token)


def read_reference(path: str, data: Any, context: Any) -> Any:
    """Read a JSONPath-state path: `$$...` the context object, `$name...` a variable, `$...` the data."""
    if path.startswith("$$"):
        return read_path(path[1:], context)
    if len(path) > 1 and path[1] not in ".[":
        named = split_variable_path(path)
        if named is not None:
            found, value = current_scope().lookup(named[0])
            if not found:
                raise PathNotFoundError(path)
            return read_path(named[1], value)
    return read_path(path, data)


def check_reference(path: str) -> str:
    """The JSONPath part of a read path, for syntax checks (`$$.a` gives `$.a`, `$v.a` gives `$.a`)."""
    if path.startswith("$$"):
        return path[1:]
    named = split_variable_path(path) if isinstance(path, str) else None
    if named is not None and variable_name_problem(named[0]) is None:
        return named[1]
    return path


def split_variable_path(path: str) -> tuple[str, str] | None:
    """`$order.lines[0]` as (`order`, `$.lines[0]`); None for `$`, `$.x` or `$$.x` paths."""
    match = _PATH.match(path)
    if match is None:
        return None
    return match.group(1), "$" + match.group(2)


def variable_name_problem(name: Any) -> str | None:
    """Why `name` cannot be a variable's name (an identifier, and not the reserved `states`)."""
    if not isinstance(name, str) or not name.isidentifier():
        return f"the variable name {name!r} is not an identifier (a letter or _, then letters, digits, _)"
    if name in _RESERVED:
        return f"the variable name ${name} is reserved"
    return None
