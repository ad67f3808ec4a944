"""Offline routing: question -> intent -> slots -> tool calls, and how to score it on a labelled set.

`route` is what the offline supervisor runs. `score_routing` compares routed calls with expected
ones (tool names and the expected arguments; a search query matches when it contains the expected
words) for the test set in `tests/data/ask/questions.json` and `benchmarks/ask_routing.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from hexad.intelligence.ask.intents import Intent, IntentClassifier, default_classifier
from hexad.intelligence.ask.planner import PlannedCall, plan_calls
from hexad.intelligence.ask.slots import Catalog, Slots, extract_slots

__all__ = ["Route", "RoutingScore", "load_questions", "route", "score_routing"]


@dataclass(frozen=True)
class Route:
    """How a question was understood: intent, slots and the calls planned."""

    intent: Intent
    slots: Slots
    calls: list[PlannedCall]


def route(
    question: str, catalog: Catalog, today: date | None = None, classifier: IntentClassifier | None = None
) -> Route:
    """Classify, extract slots and plan the calls for one question."""
    slots = extract_slots(question, catalog, today)
    intent = (classifier or default_classifier()).classify(slots.masked(question))
    return Route(intent, slots, plan_calls(intent.name, question, slots))


@dataclass(frozen=True)
class RoutingScore:
    """Accuracy over a labelled set and the questions routed wrongly."""

    total: int
    correct: int
    tool_correct: int
    misses: list[dict[str, Any]]

    @property
    def accuracy(self) -> float:
        """Questions whose calls match exactly (tools and expected arguments)."""
        return self.correct / self.total if self.total else 0.0

    @property
    def tool_accuracy(self) -> float:
        """Questions whose tools match, arguments aside."""
        return self.tool_correct / self.total if self.total else 0.0


def _argument_matches(key: str, expected: Any, got: Any) -> bool:
    if key == "query":
        return isinstance(got, str) and all(
            word in got.lower().split() for word in str(expected).lower().split()
        )
    return bool(expected == got)


def _call_matches(expected: dict[str, Any], got: PlannedCall) -> bool:
    wanted = expected.get("arguments", {})
    if expected["tool"] != got.tool or set(wanted) != {k for k in got.arguments if k not in ("limit",)}:
        return False
    return all(_argument_matches(k, v, got.arguments.get(k)) for k, v in wanted.items())


def load_questions(path: Path) -> tuple[Catalog, date, list[dict[str, Any]]]:
    """The catalog, reference date and labelled questions of a test-set file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    names = data["catalog"]
    catalog = Catalog(names["clients"], names["vendors"], names["technicians"], tuple(names["departments"]))
    return catalog, date.fromisoformat(data["reference_date"]), list(data["questions"])


def score_routing(path: Path, classifier: IntentClassifier | None = None) -> RoutingScore:
    """Route every labelled question of `path` and count exact matches."""
    catalog, today, questions = load_questions(path)
    correct = tool_correct = 0
    misses = []
    for item in questions:
        planned = route(item["question"], catalog, today, classifier)
        expected = item["calls"]
        tools_ok = sorted(c["tool"] for c in expected) == sorted(c.tool for c in planned.calls)
        exact = (
            tools_ok
            and len(expected) == len(planned.calls)
            and all(any(_call_matches(e, g) for g in planned.calls) for e in expected)
        )
        tool_correct += tools_ok
        correct += exact
        if not exact:
            misses.append(
                {
                    "question": item["question"],
                    "intent": planned.intent.name,
                    "expected": expected,
                    "got": [{"tool": c.tool, "arguments": c.arguments} for c in planned.calls],
                }
            )
    return RoutingScore(len(questions), correct, tool_correct, misses)
