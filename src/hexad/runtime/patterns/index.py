"""`RuleIndex`: many named patterns compiled into one automaton, matched in one pass per event.

Why an automaton: matching an event against N rules one by one costs N pattern evaluations; here
the cost depends on how many rules *partly* match the event, not on N. The design follows AWS's
Event Ruler (the engine behind EventBridge), simplified:

- Each `$or` alternative of each rule is a chain of field conditions in a global field order
  (fields used by many rules first, so that rules share the head of their chains: most rules
  start with `source` and `detail-type`).
- A state holds, per field, one `_Step`: lookup tables from a leaf value to the next states.
  Exact values, `equals-ignore-case`, prefixes/suffixes (one table per length, `abc*` and
  `*abc` wildcards included) and CIDR blocks (one table per prefix length) are dict lookups;
  numeric ranges are cut into segments found by bisection; anything-but value lists are "all
  but those excluding this value"; only general wildcards and anything-but prefix/suffix/
  ignore-case/wildcard are tried one by one. A step with one condition just evaluates it, and
  other steps remember the states of recent values (events repeat sources, types, severities).
  A condition's next state is shared by every rule whose chain reaches the same state with an
  equal condition, so identical heads are stored and evaluated once; each state has exactly
  one parent, so the automaton is a tree.
- Matching walks from the root, following every transition the event's values allow (a missing
  field follows `exists: false` transitions), and collects the rule names of the states reached.
  The event is read only along the paths some rule names (`PathTree`).

Adding a rule inserts its chains; removing or replacing one marks the automaton stale and it is
rebuilt on the next match (the rebuild also re-derives the field order from all rules). The
index is safe to share between threads: mutation and matching take a lock.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Mapping
from math import inf
from typing import Any

from hexad.runtime.patterns.operators import (
    AnythingBut,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    ExactSet,
    Exists,
    Matcher,
    Numeric,
    Prefix,
    Suffix,
    parse_ip,
)
from hexad.runtime.patterns.parser import Alternative, FieldCondition
from hexad.runtime.patterns.pattern import Pattern, compile_pattern
from hexad.runtime.patterns.values import JsonLeaf, Path, PathTree, as_number, value_key
from hexad.runtime.patterns.wildcard import Wildcard

__all__ = ["RuleIndex"]


_MEMO_SIZE = 256
"""Distinct values remembered per step before the memo starts over."""


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
        "but_all",
        "but_excluded",
        "exact",
        "exact_only",
        "ignore_case",
        "memo",
        "networks",
        "next",
        "numeric",
        "numeric_table",
        "others",
        "prefixes",
        "prefixes_ignore_case",
        "single",
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
        self.networks: dict[tuple[int, int], dict[int, list[_State]]] = {}
        self.numeric: list[tuple[Numeric, _State]] = []
        self.numeric_table: _NumericTable | None = None
        self.but_all: list[_State] = []
        self.but_excluded: dict[object, set[_State]] = {}
        self.any_value: list[_State] = []
        self.absent: list[_State] = []
        self.others: list[tuple[Matcher, _State]] = []
        self.strings = False
        self.exact_only = True
        self.memo: dict[object, tuple[_State, ...]] = {}
        self.single: tuple[FieldCondition, _State] | None = None

    def target(self, condition: FieldCondition) -> _State:
        """The state after `condition`, created (and filed under each of its matchers) when new."""
        state = self.next.get(condition)
        if state is None:
            self.memo.clear()
            state = self.next[condition] = _State()
            self.single = (condition, state) if len(self.next) == 1 else None
            for matcher in condition.matchers:
                self._file(matcher, state)
            if condition.absent:
                self.absent.append(state)
        return state

    def _file(self, matcher: Matcher, state: _State) -> None:
        if isinstance(matcher, Exact):
            _add(self.exact.setdefault(matcher.key, []), state)
            return
        self.exact_only = False
        if isinstance(matcher, EqualsIgnoreCase):
            for text in matcher.texts:
                _add(self.ignore_case.setdefault(text, []), state)
            self.strings = True
        elif isinstance(matcher, Prefix | Suffix):
            self._file_affix(matcher, state)
        elif isinstance(matcher, Exists):
            _add(self.any_value, state)
        elif isinstance(matcher, Numeric):
            self.numeric.append((matcher, state))
            self.numeric_table = None
        elif isinstance(matcher, Cidr):
            version, shift, network = matcher.key
            _add(self.networks.setdefault((version, shift), {}).setdefault(network, []), state)
            self.strings = True
        elif isinstance(matcher, AnythingBut) and isinstance(matcher.excluded, ExactSet):
            self.but_all.append(state)
            for key in matcher.excluded.keys:
                self.but_excluded.setdefault(key, set()).add(state)
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
        _add(tables.setdefault(len(text), {}).setdefault(text, []), state)
        self.strings = True

    def remember(self, key: object, value: JsonLeaf) -> tuple[_State, ...]:
        """The states `value` leads to, kept in a small memo: events repeat their values."""
        out: list[_State] = []
        self.advance(value, out)
        found = tuple(out) if len(out) < 2 else tuple(set(out))
        memo = self.memo
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = found
        return found

    def advance(self, value: JsonLeaf, out: list[_State]) -> None:
        """Append to `out` every state this leaf value leads to."""
        if type(value) is str:
            key: object = value
            hit = self.exact.get(value)
            if hit:
                out.extend(hit)
            if self.strings:
                self._advance_string(value, out)
        else:
            key = value_key(value)
            hit = self.exact.get(key)
            if hit:
                out.extend(hit)
            if self.numeric:
                number = as_number(value)
                if number is not None:
                    self._advance_number(number, out)
        if self.any_value:
            out.extend(self.any_value)
        if self.but_all:
            excluded = self.but_excluded.get(key)
            out.extend(self.but_all if excluded is None else [s for s in self.but_all if s not in excluded])
        for matcher, state in self.others:
            if matcher.matches(value):
                out.append(state)

    def _advance_number(self, value: float, out: list[_State]) -> None:
        table = self.numeric_table
        if table is None:
            table = self.numeric_table = _NumericTable(self.numeric)
        table.advance(value, out)

    def _advance_string(self, value: str, out: list[_State]) -> None:
        _affixes(self.prefixes, self.suffixes, value, out)
        if self.ignore_case or self.prefixes_ignore_case or self.suffixes_ignore_case:
            lower = value.lower()
            hit = self.ignore_case.get(lower)
            if hit:
                out.extend(hit)
            _affixes(self.prefixes_ignore_case, self.suffixes_ignore_case, lower, out)
        if self.networks:
            address = parse_ip(value)
            if address is not None:
                for (version, shift), table in self.networks.items():
                    if version == address[0]:
                        hit = table.get(address[1] >> shift)
                        if hit:
                            out.extend(hit)


class _NumericTable:
    """Numeric ranges cut into elementary segments, so a number finds its states by bisection.

    With bounds b0 < b1 < ... the segments are (-inf, b0), [b0], (b0, b1), [b1], ... (b_last, inf);
    each segment lists the states of the ranges that contain it.
    """

    __slots__ = ("bounds", "segments")

    def __init__(self, ranges: list[tuple[Numeric, _State]]) -> None:
        bounds = sorted(
            {bound for numeric, _ in ranges for bound in (numeric.low, numeric.high)} - {-inf, inf}
        )
        self.bounds = bounds
        self.segments: list[list[_State]] = []
        for index in range(2 * len(bounds) + 1):
            sample = self._sample(index)
            members = (
                [] if sample is None else [state for numeric, state in ranges if numeric.contains(sample)]
            )
            self.segments.append(members)

    def _sample(self, index: int) -> float | None:
        bounds = self.bounds
        position, point = divmod(index, 2)
        if point:
            return bounds[position]
        if position == 0:
            return bounds[0] - 1.0
        if position == len(bounds):
            return bounds[-1] + 1.0
        low, high = bounds[position - 1], bounds[position]
        middle = low + (high - low) / 2
        return middle if low < middle < high else None

    def advance(self, number: float, out: list[_State]) -> None:
        """Append the states of the ranges holding `number` (already checked against the limits)."""
        position = bisect_left(self.bounds, number)
        exact = position < len(self.bounds) and self.bounds[position] == number
        out.extend(self.segments[2 * position + 1 if exact else 2 * position])


def _add(states: list[_State], state: _State) -> None:
    """Append `state` unless it is already last: a new state files all its matchers in a row."""
    if not states or states[-1] is not state:
        states.append(state)


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
            if name in self._rules or self._inserted >= max(64, len(self._rules) // 2):
                self._stale = True  # a replacement, or enough new rules to re-derive the field order
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
            if self._stale:
                self._rebuild()
            return self._walk(self._tree.collect(event))

    def _walk(self, values: list[list[JsonLeaf] | None]) -> set[str]:
        # The automaton is a tree (each state has one parent step), so a state can only be reached
        # twice from the same step: de-duplicating each step's targets is enough.
        found: set[str] = set()
        stack = [self._root]
        reached: list[_State] = []
        while stack:
            state = stack.pop()
            if state.names:
                found.update(state.names)
            for slot, step in state.steps:
                field_values = values[slot]
                single = step.single
                if single is not None:
                    if single[0].satisfied(field_values):
                        stack.append(single[1])
                elif field_values is None:
                    stack.extend(step.absent)
                elif len(field_values) == 1:
                    value = field_values[0]
                    key = value if type(value) is str else value_key(value)
                    if step.exact_only:
                        hit = step.exact.get(key)
                        if hit:
                            stack.extend(hit)
                    else:
                        known = step.memo.get(key)
                        stack.extend(step.remember(key, value) if known is None else known)
                else:
                    for value in field_values:
                        step.advance(value, reached)
                    if reached:
                        stack.extend(reached if len(reached) == 1 else set(reached))
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
