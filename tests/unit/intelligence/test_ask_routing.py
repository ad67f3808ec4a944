"""Offline routing of ask Hexad: accuracy on a held-out labelled question set."""

from __future__ import annotations

import json
from pathlib import Path

from hexad.intelligence.ask.intents import load_examples
from hexad.intelligence.ask.routing import load_questions, score_routing

QUESTIONS = Path(__file__).resolve().parents[2] / "data" / "ask" / "questions.json"


def test_offline_routing_is_at_least_90_percent_right_on_the_held_out_questions() -> None:
    _, _, questions = load_questions(QUESTIONS)
    assert len(questions) >= 60
    score = score_routing(QUESTIONS)
    assert score.accuracy >= 0.9, json.dumps(score.misses, indent=1)


def test_the_test_questions_are_not_training_examples() -> None:
    training = {q.lower() for questions in load_examples().values() for q in questions}
    _, _, questions = load_questions(QUESTIONS)
    assert not training & {item["question"].lower() for item in questions}
