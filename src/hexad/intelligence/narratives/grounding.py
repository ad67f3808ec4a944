"""Is every number in a text backed by the evidence? The check that keeps LLM narratives honest.

A narrative may round (`0.1397` -> `14%`, `4546.85` -> `4,547` or `4.5k`), show a fraction as a
percentage, count a list (`3 months`) and quote ids and dates; anything else with digits in it
(a figure the model computed or invented) is reported, and the caller falls back to the offline
writer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["evidence_numbers", "evidence_tokens", "ungrounded"]

# An id or date quoted as a whole (CL-0007, EX-03320, 2026-04-01, 2026-04, 017-100933).
_TOKEN = re.compile(r"\b(?:[A-Za-z]{1,6}[-_]?\d[\w-]*|\d{4}-\d{2}(?:-\d{2})?|\d+-\d+)\b")
_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?")
_SUFFIX = re.compile(r"\s*([kKmM]\b|%|x\b)?")


def _walk(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        yield len(value)
        for item in value:
            yield from _walk(item)
    else:
        yield value


def evidence_numbers(*sources: Any) -> list[float]:
    """Every number in the sources (nested), list lengths, and the numbers written inside strings."""
    found: list[float] = []
    for value in _walk(list(sources)):
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            if not math.isnan(float(value)):
                found.append(float(value))
        elif isinstance(value, str):
            found += [_parse(m.group()) for m in _NUMBER.finditer(_TOKEN.sub(" ", value))]
    return found


def evidence_tokens(*sources: Any) -> set[str]:
    """Ids and dates quoted anywhere in the sources (keys and values), for verbatim matching."""
    tokens: set[str] = set()
    for value in _walk(list(sources)):
        if isinstance(value, str):
            tokens.update(match.group() for match in _TOKEN.finditer(value))
    return tokens


def _parse(text: str) -> float:
    return float(text.replace(",", ""))


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _matches(shown: float, decimals: int, suffix: str, known: Iterable[float]) -> bool:
    scale = {"k": 1e3, "m": 1e6}.get(suffix.lower(), 1.0)
    tolerance = 0.5 * 10 ** (-decimals) + 1e-9
    for value in known:
        for candidate in (value, abs(value), 100 * value, 100 * abs(value)):
            if abs(candidate / scale - abs(shown)) <= tolerance:
                return True
    return False


def ungrounded(text: str, *sources: Any) -> list[str]:
    """The numbers, ids and dates in `text` that the sources do not contain (empty: grounded)."""
    tokens = evidence_tokens(*sources)
    known = evidence_numbers(*sources)
    problems: list[str] = []
    for match in _TOKEN.finditer(text):
        if match.group() not in tokens and re.search(r"\d", match.group()):
            problems.append(match.group())
    remaining = _TOKEN.sub(" ", text)
    for match in _NUMBER.finditer(remaining):
        suffix = (_SUFFIX.match(remaining, match.end()) or _SUFFIX.match("")).group(1) or ""  # type: ignore[union-attr]
        shown = _parse(match.group())
        if not _matches(shown, _decimals(match.group()), suffix, known):
            problems.append(match.group() + suffix)
    return problems
