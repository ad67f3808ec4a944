"""The shared pieces of definition validation, and the checks of rule lists (Retry, Catch, Choices).

`Where` names a problem's place (the scope, the state, the field) and carries what a state inherits
from its machine: the query language and the variables of the scopes around it.
"""

from __future__ import annotations

from typing import Any

from hexad.runtime.workflows.choice import COMPARISONS, TYPE_TESTS, parse_timestamp, rule_operator
from hexad.runtime.workflows.expressions import template_problems
from hexad.runtime.workflows.intrinsics import IntrinsicError, is_intrinsic, parse_intrinsic
from hexad.runtime.workflows.languages import check_assign, check_condition
from hexad.runtime.workflows.paths import PathSyntaxError, compile_path, is_reference_path
from hexad.runtime.workflows.variables import check_reference

__all__ = [
    "Where",
    "check_choice",
    "check_errors",
    "check_intrinsic",
    "check_path",
    "check_state_assign",
    "check_target",
    "check_template",
    "non_negative",
    "positive_int",
]


class Where:
    """Where a problem is (scope, state), and what the state inherits: its query language, variables."""

    def __init__(
        self, scope: str, name: str, default: str, outer: frozenset[str], inner: frozenset[str]
    ) -> None:
        self.scope, self.name = scope, name
        self.default, self.outer, self.inner = default, outer, inner
        self.jsonata = default == "JSONata"

    def __call__(self, field: str, message: str) -> str:
        scope = f"{self.scope} > " if self.scope else ""
        return f"{scope}state {self.name!r}, field {field}: {message}"

    def nested(self, label: str) -> str:
        scope = f"{self.scope} > " if self.scope else ""
        return f"{scope}state {self.name!r} {label}"


def check_state_assign(assign: Any, field: str, at: Where, problems: list[str]) -> None:
    def report(where: str, message: str) -> None:
        problems.append(at(where, message))

    def template(value: Any, where: str) -> None:
        check_template(value, at, where, problems)

    check_assign(assign, field, at.jsonata, at.outer, report, template)


def check_target(target: Any, states: dict[str, Any], at: Where, field: str, problems: list[str]) -> None:
    if not isinstance(target, str) or target not in states:
        problems.append(at(field, f"the state {target!r} does not exist"))


def check_path(path: Any, at: Where, field: str, problems: list[str]) -> None:
    try:
        compile_path(check_reference(path) if isinstance(path, str) else path)
    except PathSyntaxError as exc:
        problems.append(at(field, str(exc)))


def check_template(template: Any, at: Where, field: str, problems: list[str]) -> None:
    if isinstance(template, list):
        for index, item in enumerate(template):
            check_template(item, at, f"{field}[{index}]", problems)
    if not isinstance(template, dict):
        return
    for key, value in template.items():
        if not key.endswith(".$"):
            check_template(value, at, f"{field}.{key}", problems)
        elif is_intrinsic(value):
            check_intrinsic(value, at, f"{field}.{key}", problems)
        else:
            check_path(value, at, f"{field}.{key}", problems)


def check_intrinsic(value: str, at: Where, field: str, problems: list[str]) -> None:
    try:
        parse_intrinsic(value)
    except IntrinsicError as exc:
        problems.append(at(field, str(exc)))


def positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def non_negative(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def check_errors(state: dict[str, Any], states: dict[str, Any], at: Where, problems: list[str]) -> None:
    for field in ("Retry", "Catch"):
        rules = state.get(field, [])
        if not isinstance(rules, list):
            problems.append(at(field, "expected an array"))
            continue
        for index, rule in enumerate(rules):
            _check_rule(field, index, rule, len(rules), states, at, problems)


def _check_rule(
    field: str, index: int, rule: Any, count: int, states: dict[str, Any], at: Where, problems: list[str]
) -> None:
    where = f"{field}[{index}]"
    if not isinstance(rule, dict):
        problems.append(at(where, "expected a JSON object"))
        return
    names = rule.get("ErrorEquals")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        problems.append(at(f"{where}.ErrorEquals", "expected a non-empty array of error names"))
    elif "States.ALL" in names and (len(names) > 1 or index != count - 1):
        problems.append(at(f"{where}.ErrorEquals", "States.ALL must be alone and in the last rule"))
    if field == "Catch":
        check_target(rule.get("Next"), states, at, f"{where}.Next", problems)
        _check_catcher(rule, where, at, problems)
        value = rule.get("ResultPath")
        if value is not None and not (isinstance(value, str) and is_reference_path(value)):
            problems.append(at(f"{where}.ResultPath", f"expected a reference path or null, got {value!r}"))
        return
    _check_retrier(rule, where, at, problems)


def _check_catcher(rule: dict[str, Any], where: str, at: Where, problems: list[str]) -> None:
    if "Assign" in rule:
        check_state_assign(rule["Assign"], f"{where}.Assign", at, problems)
    if at.jsonata and "ResultPath" in rule:
        problems.append(at(f"{where}.ResultPath", "is a JSONPath field; a JSONata Catch uses Output"))
    if not at.jsonata and "Output" in rule:
        problems.append(at(f"{where}.Output", "is a JSONata field; set QueryLanguage to JSONata to use it"))
    if at.jsonata and "Output" in rule:
        for field, problem in template_problems(rule["Output"], f"{where}.Output"):
            problems.append(at(field, problem))


def _check_retrier(rule: dict[str, Any], where: str, at: Where, problems: list[str]) -> None:
    if "IntervalSeconds" in rule and not positive_int(rule["IntervalSeconds"]):
        problems.append(
            at(f"{where}.IntervalSeconds", f"expected a positive integer, got {rule['IntervalSeconds']!r}")
        )
    attempts = rule.get("MaxAttempts", 3)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 0:
        problems.append(at(f"{where}.MaxAttempts", f"expected an integer >= 0, got {attempts!r}"))
    rate = rule.get("BackoffRate", 2.0)
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate < 1.0:
        problems.append(at(f"{where}.BackoffRate", f"expected a number >= 1.0, got {rate!r}"))
    if "MaxDelaySeconds" in rule and not positive_int(rule["MaxDelaySeconds"]):
        problems.append(
            at(f"{where}.MaxDelaySeconds", f"expected a positive integer, got {rule['MaxDelaySeconds']!r}")
        )
    if rule.get("JitterStrategy", "NONE") not in ("FULL", "NONE"):
        problems.append(
            at(f"{where}.JitterStrategy", f"expected FULL or NONE, got {rule['JitterStrategy']!r}")
        )


def check_choice(state: dict[str, Any], states: dict[str, Any], at: Where, problems: list[str]) -> None:
    choices = state.get("Choices")
    if not isinstance(choices, list) or not choices:
        problems.append(at("Choices", "expected a non-empty array of rules"))
        return
    for index, rule in enumerate(choices):
        where = f"Choices[{index}]"
        if at.jsonata and isinstance(rule, dict):
            check_condition(rule, where, lambda field, message: problems.append(at(field, message)))
        else:
            _check_condition(_rule_test(rule, where, at, problems), where, at, problems)
        if isinstance(rule, dict):
            check_target(rule.get("Next"), states, at, f"{where}.Next", problems)
            if "Assign" in rule:
                check_state_assign(rule["Assign"], f"{where}.Assign", at, problems)
    if "Default" in state:
        check_target(state["Default"], states, at, "Default", problems)


def _rule_test(rule: Any, where: str, at: Where, problems: list[str]) -> Any:
    """A JSONPath Choice rule without the fields a top-level rule adds (Next, Assign)."""
    if not isinstance(rule, dict):
        return rule
    if "Output" in rule or "Condition" in rule:
        field = "Output" if "Output" in rule else "Condition"
        problems.append(at(f"{where}.{field}", "is a JSONata field; set QueryLanguage to JSONata to use it"))
    return {k: v for k, v in rule.items() if k not in ("Assign", "Output", "Condition")}


def _check_condition(rule: Any, where: str, at: Where, problems: list[str]) -> None:
    if not isinstance(rule, dict):
        problems.append(at(where, "expected a JSON object"))
        return
    for key in ("And", "Or"):
        if key in rule:
            if not isinstance(rule[key], list) or not rule[key]:
                problems.append(at(f"{where}.{key}", "expected a non-empty array of rules"))
                return
            for index, inner in enumerate(rule[key]):
                _check_condition(inner, f"{where}.{key}[{index}]", at, problems)
            return
    if "Not" in rule:
        _check_condition(rule["Not"], f"{where}.Not", at, problems)
        return
    _check_comparison(rule, where, at, problems)


def _check_comparison(rule: dict[str, Any], where: str, at: Where, problems: list[str]) -> None:
    key = rule_operator(rule)
    if key is None:
        known = ", ".join(sorted(COMPARISONS | TYPE_TESTS))
        problems.append(at(where, f"expected And, Or, Not or a comparison ({known})"))
        return
    if not isinstance(rule.get("Variable"), str):
        problems.append(at(f"{where}.Variable", "expected a path"))
    else:
        check_path(rule["Variable"], at, f"{where}.Variable", problems)
    value = rule[key]
    if key.endswith("Path") and key[:-4] in COMPARISONS:
        check_path(value, at, f"{where}.{key}", problems)
    elif not _operand_ok(key, value):
        problems.append(at(f"{where}.{key}", f"the value {value!r} is not of the type {key} compares"))


def _operand_ok(key: str, value: Any) -> bool:
    if key in TYPE_TESTS or key == "BooleanEquals":
        return isinstance(value, bool)
    if key.startswith("String"):
        return isinstance(value, str)
    if key.startswith("Numeric"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return parse_timestamp(value) is not None
