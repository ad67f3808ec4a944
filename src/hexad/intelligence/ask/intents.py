"""The offline intent classifier: which kind of question is this?

A linear model (logistic regression) over the shared TF-IDF embeddings, trained when first used on the
example questions in `examples.json` (about 170, a few milliseconds). Ids such as CL-0007 are replaced
by their kind ("client") first, so the model learns what is asked, not which record.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from hexad.intelligence.embeddings import TextEmbedder

__all__ = ["EXAMPLES", "Intent", "IntentClassifier", "default_classifier", "load_examples"]

EXAMPLES = Path(__file__).with_name("examples.json")
_ID_KINDS = ((r"\bCL-\d+\b", "client"), (r"\bVN-\d+\b", "vendor"), (r"\bTC-\d+\b", "technician"),
             (r"\bCT-\d+\b", "contract"))  # fmt: skip


@dataclass(frozen=True)
class Intent:
    """The predicted intent and the model's probability for it."""

    name: str
    confidence: float


def normalise(question: str) -> str:
    """Lower case with record ids and `{placeholders}` replaced by their kind."""
    text = re.sub(r"\{(\w+)\}", r"\1", question)
    for pattern, kind in _ID_KINDS:
        text = re.sub(pattern, kind, text, flags=re.IGNORECASE)
    return text.lower()


def load_examples(path: Path = EXAMPLES) -> dict[str, list[str]]:
    """Intent -> example questions."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, list) and v for v in data.values()):
        raise ValueError(f"{path}: expected an object of intent -> non-empty list of questions")
    return {str(k): [str(q) for q in v] for k, v in data.items()}


class IntentClassifier:
    """Logistic regression over `TextEmbedder` features."""

    def __init__(self, examples: dict[str, list[str]]) -> None:
        texts = [normalise(q) for questions in examples.values() for q in questions]
        labels = [intent for intent, questions in examples.items() for _ in questions]
        self._embedder = TextEmbedder()
        features = self._embedder.fit(texts)
        self._model = LogisticRegression(C=20.0, solver="saga", max_iter=2000)
        self._model.fit(features, labels)

    @property
    def intents(self) -> list[str]:
        """The intents the model knows."""
        return [str(c) for c in self._model.classes_]

    def classify(self, question: str) -> Intent:
        """The most likely intent of `question`."""
        probabilities = self._model.predict_proba(self._embedder.embed([normalise(question)]))[0]
        best = int(np.argmax(probabilities))
        return Intent(str(self._model.classes_[best]), float(probabilities[best]))


@cache
def default_classifier() -> IntentClassifier:
    """The classifier trained on the shipped examples (once per process)."""
    return IntentClassifier(load_examples())
