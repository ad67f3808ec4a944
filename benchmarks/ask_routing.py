"""Ask Hexad's offline routing: accuracy on the held-out question set, and how fast it routes.

The test set (`tests/data/ask/questions.json`, 70 questions that are not training examples, each with
the tool calls expected) is routed by the offline supervisor's path: intent classifier (TF-IDF +
logistic regression trained on `src/hexad/intelligence/ask/examples.json`), fuzzy slot extraction
against the set's catalog, and the plan. A question counts as right when the planned calls equal
the expected ones (tools and their arguments). Also: 5-fold cross-validated accuracy of the intent
classifier on its own training examples, training time, and routing time per question (median of
several runs). Target: routing accuracy >= 0.9.

Run: `uv run python benchmarks/ask_routing.py` (`--runs N`, default 5).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from hexad.intelligence.ask.intents import IntentClassifier, load_examples
from hexad.intelligence.ask.routing import load_questions, route, score_routing

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "ask" / "questions.json"


def cross_validated_accuracy(folds: int = 5) -> float:
    """Intent accuracy of classifiers trained on 4/5 of the examples, tested on the other 1/5."""
    examples = load_examples()
    items = [(intent, q) for intent, questions in examples.items() for q in questions]
    labels = [intent for intent, _ in items]
    right = 0
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train, test in splitter.split(items, labels):
        subset: dict[str, list[str]] = {}
        for index in train:
            subset.setdefault(items[index][0], []).append(items[index][1])
        model = IntentClassifier(subset)
        right += sum(model.classify(items[index][1]).name == items[index][0] for index in test)
    return right / len(items)


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    train_times, route_times = [], []
    for _ in range(runs):
        started = time.perf_counter()
        classifier = IntentClassifier(load_examples())
        train_times.append(time.perf_counter() - started)
        catalog, today, questions = load_questions(QUESTIONS)
        started = time.perf_counter()
        for item in questions:
            route(item["question"], catalog, today, classifier)
        route_times.append((time.perf_counter() - started) / len(questions))
    score = score_routing(QUESTIONS, classifier)
    expected = Counter(item["calls"][0]["tool"] for item in questions)
    missed = Counter(miss["expected"][0]["tool"] for miss in score.misses)
    table = Table(
        "first expected tool", "questions", "routed right", title="Offline routing (held-out questions)"
    )
    for tool, count in sorted(expected.items()):
        table.add_row(tool, str(count), str(count - missed.get(tool, 0)))
    table.add_row("all", str(score.total), f"{score.correct} ({score.accuracy:.3f})")
    console = Console()
    console.print(table)
    cv = cross_validated_accuracy()
    for miss in score.misses:
        console.print(f"[yellow]miss[/] {miss['question']!r}: got {miss['got']}")
    console.print(
        f"tool choice {score.tool_accuracy:.3f}, classifier 5-fold CV on the examples {cv:.3f}, "
        f"training {1000 * statistics.median(train_times):.0f} ms, "
        f"routing {1000 * statistics.median(route_times):.1f} ms per question (medians of {runs} runs)"
    )
    summary = {
        "benchmark": "ask_routing", "questions": score.total, "routing_accuracy": round(score.accuracy, 4),
        "tool_accuracy": round(score.tool_accuracy, 4), "classifier_cv_accuracy": round(cv, 4),
        "train_ms": round(1000 * statistics.median(train_times), 1),
        "route_ms_per_question": round(1000 * statistics.median(route_times), 2), "runs": runs,
    }  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
