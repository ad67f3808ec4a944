"""`RuleIndex`: many named patterns compiled into one automaton, matched in one pass per event.

Why an automaton: matching an event against N rules one by one costs N pattern evaluations; here
the cost depends on how many rules *partly* match the event, not on N. The design follows AWS's
Event Ruler (the engine behind EventBridge), simplified:

- Each `$or` alternative of each rule is a chain of field conditions in a global field order
  (fields used by many rules first, so that rules share the head of their chains: most rules
  start with `source` and `detail-type`).
- A state holds, per field, one `_Step`: lookup tables from a leaf value to the next states.
  Exact values, `equals-ignore-case`, and prefixes/suffixes (per length) are dict lookups;
  `numeric`, `cidr`, `anything-but` and general wildcards are a short list of matchers.
  A condition's next state is shared by every rule whose chain reaches the same state with an
  equal condition, so identical heads are stored and evaluated once.
- Matching walks from the root, following every transition the event's values allow (a missing
  field follows `exists: false` transitions), and collects the rule names of the states reached.

Adding a rule inserts its chains; removing or replacing one marks the automaton stale and it is
rebuilt on the next match (the rebuild also re-derives the field order from all rules). The
index is safe to share between threads: mutation and matching take a lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from hexad.runtime.patterns.operators import EqualsIgnoreCase, Exact, Exists, Matcher, Prefix, Suffix
from hexad.runtime.patterns.parser import Alternative, FieldCondition
from hexad.runtime.patterns.pattern import Pattern, compile_pattern
from hexad.runtime.patterns.values import JsonLeaf, Path, PathTree, value_key
from hexad.runtime.patterns.wildcard import Wildcard

__all__ = ["RuleIndex"]


class _State:
    """A point reached once some leading conditions of some chains are satisfied."""

    __slots__ = ("by_slot", "names", "steps")

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.steps: list[tuple[int, _Step]] = []
        self.by_slot: dict[int, _Step] = {}


class _Step:
    """The transitions out of one state on one field, filed by operator for fast lookup."""

    __slots__ = (
        "absent",
        "any_value",
        "exact",
        "ignore_case",
        "next",
        "others",
        "prefixes",
        "prefixes_ignore_case",
        "strings",
        "suffixes",
        "suffixes_ignore_case",
    )

    def __init__(self) -> None:
        self.next: dict[FieldCondition, _State] = {}
        self.exact: dict[object, list[_State]] = {}
        self.ignore_case: dict[str, list[_State]] = {}
        self.prefixes: dict[int, dict[str, list[_State]]] = {}
        self.prefixes_ignore_case: dict[int, dict[str, list[_State]]] = {}
        self.suffixes: dict[int, dict[str, list[_State]]] = {}
        self.suffixes_ignore_case: dict[int, dict[str, list[_State]]] = {}
        self.any_value: list[_State] = []
        self.absent: list[_State] = []
        self.others: list[tuple[Matcher, _State]] = []
        self.strings = False

    def target(self, condition: FieldCondition) -> _State:
        """The state after `condition`, created (and filed under each of its matchers) when new."""
        state = self.next.get(condition)
        if state is None:
            state = self.next[condition] = _State()
            for matcher in condition.matchers:
                self._file(matcher, state)
            if condition.absent:
                self.absent.append(state)
        return state

    def _file(self, matcher: Matcher, state: _State) -> None:
        if isinstance(matcher, Exact):
            self.exact.setdefault(matcher.key, []).append(state)
        elif isinstance(matcher, EqualsIgnoreCase):
            for text in matcher.texts:
                self.ignore_case.setdefault(text, []).append(state)
            self.strings = True
        elif isinstance(matcher, Prefix | Suffix):
            self._file_affix(matcher, state)
        elif isinstance(matcher, Exists):
            self.any_value.append(state)
        elif isinstance(matcher, Wildcard) and len(matcher.pieces) == 2 and not matcher.pieces[1]:
            self._file_affix(Prefix(matcher.pieces[0]), state)
        elif isinstance(matcher, Wildcard) and len(matcher.pieces) == 2 and not matcher.pieces[0]:
            self._file_affix(Suffix(matcher.pieces[1]), state)
        else:
            self.others.append((matcher, state))

    def _file_affix(self, matcher: Prefix | Suffix, state: _State) -> None:
        text = matcher.text.lower() if matcher.ignore_case else matcher.text
        if isinstance(matcher, Prefix):
            tables = self.prefixes_ignore_case if matcher.ignore_case else self.prefixes
        else:
            tables = self.suffixes_ignore_case if matcher.ignore_case else self.suffixes
        tables.setdefault(len(text), {}).setdefault(text, []).append(state)
        self.strings = True

    def advance(self, value: JsonLeaf, out: list[_State]) -> None:
        """Append to `out` every state this leaf value leads to."""
        if type(value) is str:
            hit = self.exact.get(value)
            if hit:
                out.extend(hit)
            if self.strings:
                self._advance_string(value, out)
        else:
            hit = self.exact.get(value_key(value))
            if hit:
                out.extend(hit)
        if self.any_value:
            out.extend(self.any_value)
        for matcher, state in self.others:
            if matcher.matches(value):
                out.append(state)

    def _advance_string(self, value: str, out: list[_State]) -> None:
        _affixes(self.prefixes, self.suffixes, value, out)
        if self.ignore_case or self.prefixes_ignore_case or self.suffixes_ignore_case:
            lower = value.lower()
            hit = self.ignore_case.get(lower)
            if hit:
                out.extend(hit)
            _affixes(self.prefixes_ignore_case, self.suffixes_ignore_case, lower, out)


def _affixes(
    prefixes: dict[int, dict[str, list[_State]]],
    suffixes: dict[int, dict[str, list[_State]]],
    value: str,
    out: list[_State],
) -> None:
    for length, table in prefixes.items():
        hit = table.get(value[:length])
        if hit:
            out.extend(hit)
    size = len(value)
    for length, table in suffixes.items():
        if length <= size:
            hit = table.get(value[size - length :])
            if hit:
                out.extend(hit)


class RuleIndex:
    """Named event patterns; `match(event)` returns the names of every rule the event matches.

    `add(name, pattern)` takes a dict, JSON text or a compiled `Pattern` (re-adding a name replaces
    its pattern); `remove(name)` raises `KeyError` for an unknown name, `discard(name)` does not.
    """

    def __init__(self) -> None:
        self._rules: dict[str, Pattern] = {}
        self._lock = threading.RLock()
        self._reset({})

    def _reset(self, ranks: dict[Path, int]) -> None:
        self._ranks = ranks
        self._tree = PathTree()
        self._root = _State()
        self._stale = False
        self._inserted = 0

    def add(self, name: str, pattern: dict[str, Any] | str | Pattern) -> Pattern:
        """Compile (raising `InvalidPattern` before any change) and index `pattern` as `name`."""
        compiled = compile_pattern(pattern)
        with self._lock:
            if name in self._rules:
                self._stale = True
            self._rules[name] = compiled
            if not self._stale:
                self._insert(name, compiled)
        return compiled

    def remove(self, name: str) -> None:
        """Stop matching rule `name`; `KeyError` when there is no such rule."""
        with self._lock:
            del self._rules[name]
            self._stale = True

    def discard(self, name: str) -> None:
        """Stop matching rule `name` if there is one."""
        with self._lock:
            if self._rules.pop(name, None) is not None:
                self._stale = True

    def get(self, name: str) -> Pattern | None:
        """The compiled pattern of rule `name`, or None."""
        return self._rules.get(name)

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._rules))

    def match(self, event: Mapping[str, Any]) -> set[str]:
        """The names of the rules `event` (a dict as parsed from JSON) matches."""
        with self._lock:
            if self._stale or self._inserted > max(64, len(self._rules) // 2):
                self._rebuild()
            return self._walk(self._tree.collect(event))

    def _walk(self, values: list[list[JsonLeaf] | None]) -> set[str]:
        found: set[str] = set()
        stack = [self._root]
        seen: set[_State] = set()
        reached: list[_State] = []
        while stack:
            state = stack.pop()
            if state.names:
                found.update(state.names)
            for slot, step in state.steps:
                field_values = values[slot]
                if field_values is None:
                    reached.extend(step.absent)
                else:
                    for value in field_values:
                        step.advance(value, reached)
            if reached:
                for nxt in reached:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
                reached.clear()
        return found

    def _rebuild(self) -> None:
        counts = Counter(
            condition.path
            for pattern in self._rules.values()
            for alternative in pattern.alternatives
            for condition in alternative
        )
        ordered = sorted(counts, key=lambda path: (-counts[path], path))
        self._reset({path: rank for rank, path in enumerate(ordered)})
        for name, pattern in self._rules.items():
            self._insert(name, pattern)
        self._inserted = 0

    def _insert(self, name: str, pattern: Pattern) -> None:
        for alternative in pattern.alternatives:
            state = self._root
            for condition in self._ordered(alternative):
                slot = self._tree.slot(condition.path)
                step = state.by_slot.get(slot)
                if step is None:
                    step = state.by_slot[slot] = _Step()
                    state.steps.append((slot, step))
                state = step.target(condition)
            state.names.add(name)
        self._inserted += 1

    def _ordered(self, alternative: Alternative) -> list[FieldCondition]:
        for condition in alternative:
            if condition.path not in self._ranks:
                self._ranks[condition.path] = len(self._ranks)
        return sorted(alternative, key=lambda condition: self._ranks[condition.path])
