"""JSONata expressions (`{% ... %}`) for states whose QueryLanguage is JSONata.

Parsing and evaluation are the `jsonata-python` package's (a pure Python port of the reference
implementation); this module adds Step Functions' glue: which strings are expressions, the
`$states` binding beside the workflow variables, the functions Step Functions adds (`$partition`,
`$range`, `$hash`, `$random`, `$uuid`, `$parse`), and `States.QueryEvaluationError` for anything that
fails at run time. `$eval` is not available, as in Step Functions.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from jsonata import JException, Jsonata, Utils

from hexad.runtime.workflows.failures import StateFailure
from hexad.runtime.workflows.intrinsics import IntrinsicError, evaluate_intrinsic

__all__ = [
    "UNDEFINED",
    "ExpressionError",
    "compile_expression",
    "evaluate_expression",
    "evaluate_template",
    "is_expression",
    "template_problems",
]


EVALUATION_SECONDS = 5.0
"""How long one expression may run before it fails with States.QueryEvaluationError."""


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()
"""What an expression that selects nothing gives (JSONata's `undefined`, unlike JSON null: None)."""


class ExpressionError(ValueError):
    """A `{% %}` string is not a valid JSONata expression."""


def is_expression(value: Any) -> bool:
    """True for a string that is one JSONata expression: `{%` ... `%}` around it."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


@lru_cache(maxsize=2048)
def compile_expression(text: str) -> Jsonata:
    """Parse the expression inside `{% %}` once; `ExpressionError` says why it is not JSONata."""
    body = text[2:-2].strip()
    if not body:
        raise ExpressionError(f"{text!r} has no expression between {{% and %}}")
    try:
        compiled = Jsonata(body)
    except JException as exc:
        raise ExpressionError(f"{text!r} is not a valid JSONata expression: {exc}") from None
    compiled.set_output_convert_nulls(False)
    return compiled


def template_problems(template: Any, field: str) -> list[tuple[str, str]]:
    """(field, problem) for every `{% %}` string inside `template` that does not parse."""
    if isinstance(template, dict):
        return [p for key, value in template.items() for p in template_problems(value, f"{field}.{key}")]
    if isinstance(template, list):
        return [p for i, value in enumerate(template) for p in template_problems(value, f"{field}[{i}]")]
    if is_expression(template):
        try:
            compile_expression(template)
        except ExpressionError as exc:
            return [(field, str(exc))]
    return []


def evaluate_expression(text: str, bindings: Mapping[str, Any], state: str, field: str) -> Any:
    """The value of one expression; `UNDEFINED` if it selects nothing."""
    try:
        compiled = compile_expression(text)
        Jsonata.CURRENT.jsonata = compiled  # $now(), $millis() and lambdas read the "current" expression
        result = compiled.evaluate(None, {**_FUNCTIONS, **bindings, "__evaluate_entry": _Budget()})
        return UNDEFINED if result is None else _plain(Utils.convert_nulls(result))
    except Exception as exc:  # any failure of a user's expression is the state's error
        raise StateFailure(
            "States.QueryEvaluationError", f"The state '{state}', field {field}: {text} failed: {exc}"
        ) from None


def _plain(value: Any) -> Any:
    """A JSON value made of plain dicts and lists; a function or regex as a value is an error."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _FunctionError("the result is not a finite number")
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    raise _FunctionError(f"the result is a {type(value).__name__}, not a JSON value")


def evaluate_template(template: Any, bindings: Mapping[str, Any], state: str, field: str) -> Any:
    """Evaluate every expression inside a JSON value; a field whose expression is undefined is left out."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            evaluated = evaluate_template(value, bindings, state, f"{field}.{key}")
            if evaluated is not UNDEFINED or not is_expression(value):
                out[key] = evaluated
        return out
    if isinstance(template, list):
        items = [
            evaluate_template(value, bindings, state, f"{field}[{i}]") for i, value in enumerate(template)
        ]
        return [item for item in items if item is not UNDEFINED]
    if is_expression(template):
        return evaluate_expression(template, bindings, state, field)
    return template


class _Budget:
    """Stops an expression that runs away (JSONata turns endless tail recursion into an endless loop).

    The library calls it on every step; it checks the real time every 1,024 steps. This bounds CPU
    time, not workflow time, so it reads the monotonic clock rather than the execution's `Clock`.
    """

    __slots__ = ("deadline", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + EVALUATION_SECONDS

    def __call__(self, expression: Any, input: Any, environment: Any) -> None:
        self.steps += 1
        if not self.steps & 1023 and time.monotonic() > self.deadline:
            raise _FunctionError(f"the expression ran longer than {EVALUATION_SECONDS:g} seconds")


class _FunctionError(Exception):
    """A Step Functions function was called with arguments it cannot use."""


def _intrinsic(name: str, *arguments: Any) -> Any:
    """Run the intrinsic of the same meaning on already-evaluated arguments."""
    names = [f"$.a{i}" for i in range(len(arguments))]
    data = {f"a{i}": value for i, value in enumerate(arguments)}
    try:
        return evaluate_intrinsic(f"States.{name}({', '.join(names)})", data, {})
    except IntrinsicError as exc:
        raise _FunctionError(str(exc)) from None


def _parse(text: Any) -> Any:
    if not isinstance(text, str):
        raise _FunctionError("$parse expects a string of JSON")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _FunctionError(f"$parse could not parse {text[:80]!r}: {exc}") from None


def _random(seed: Any = None) -> float:
    if seed is None:
        return random.random()
    if isinstance(seed, bool) or not isinstance(seed, (int, float)):
        raise _FunctionError("$random expects an integer seed")
    return random.Random(int(seed)).random()


def _range(start: Any, end: Any, step: Any = 1) -> Any:
    return _intrinsic("ArrayRange", start, end, step)


def _function(implementation: Callable[..., Any]) -> Jsonata.JLambda:
    return Jsonata.JLambda(implementation)


def _no_eval(*arguments: Any) -> Any:
    raise _FunctionError("$eval is not supported in Step Functions' JSONata")


_FUNCTIONS: dict[str, Any] = {
    "partition": _function(lambda array, size: _intrinsic("ArrayPartition", array, size)),
    "range": _function(_range),
    "hash": _function(lambda data, algorithm: _intrinsic("Hash", data, algorithm)),
    "random": _function(_random),
    "uuid": _function(lambda: str(uuid.uuid4())),
    "parse": _function(_parse),
    "eval": _function(_no_eval),
}
