"""Input and output processing: InputPath, Parameters / ItemSelector / ResultSelector, ResultPath, OutputPath.

Each helper turns a data problem into the `StateFailure` Step Functions reports (`States.Runtime` for a
path that selects nothing, `States.IntrinsicFailure` for an intrinsic that cannot run,
`States.ResultPathMatchFailure` when a ResultPath cannot be applied), naming the state and field.
"""

from __future__ import annotations

from typing import Any

from hexad.runtime.workflows.failures import StateFailure
from hexad.runtime.workflows.intrinsics import IntrinsicError, evaluate_intrinsic, is_intrinsic
from hexad.runtime.workflows.paths import PathNotFoundError, write_path
from hexad.runtime.workflows.variables import read_reference

__all__ = ["apply_template", "input_path", "output_path", "read_value", "result_path", "state_result_path"]

_MISSING = object()


def _runtime(state: str, field: str, path: str) -> StateFailure:
    return StateFailure(
        "States.Runtime",
        f"An error occurred while executing the state '{state}'. Invalid path '{path}' in field {field}: "
        "the path selected nothing in the state's input.",
    )


def read_value(path: str, data: Any, context: Any, state: str, field: str) -> Any:
    """Read a Path (`$$.` the context object, `$name` a variable) as a state field does."""
    try:
        return read_reference(path, data, context)
    except PathNotFoundError:
        raise _runtime(state, field, path) from None


def input_path(state: dict[str, Any], data: Any, context: Any, name: str) -> Any:
    """The effective input: InputPath applied (absent: `$`; null: `{}`)."""
    if "InputPath" not in state:
        return data
    path = state["InputPath"]
    return {} if path is None else read_value(path, data, context, name, "InputPath")


def output_path(state: dict[str, Any], data: Any, context: Any, name: str) -> Any:
    """The state output: OutputPath applied (absent: `$`; null: `{}`)."""
    if "OutputPath" not in state:
        return data
    path = state["OutputPath"]
    return {} if path is None else read_value(path, data, context, name, "OutputPath")


def result_path(path: Any, raw_input: Any, result: Any, name: str, field: str = "ResultPath") -> Any:
    """Combine a result with the state's raw input (absent: `$` replaces; null: keep the input)."""
    if path is _MISSING or path == "$":
        return result
    if path is None:
        return raw_input
    try:
        return write_path(path, raw_input, result)
    except PathNotFoundError:
        raise StateFailure(
            "States.ResultPathMatchFailure",
            f"Unable to apply ResultPath '{path}' ({field}) of the state '{name}' to the state's input.",
        ) from None


def state_result_path(state: dict[str, Any], raw_input: Any, result: Any, name: str) -> Any:
    """`result_path` with the state's own ResultPath field."""
    return result_path(state.get("ResultPath", _MISSING), raw_input, result, name)


def apply_template(template: Any, data: Any, context: Any, name: str, field: str) -> Any:
    """Build a Parameters-style payload: keys ending in `.$` take a Path or an intrinsic's value."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = _dynamic(value, data, context, name, f"{field}.{key}")
            else:
                out[key] = apply_template(value, data, context, name, f"{field}.{key}")
        return out
    if isinstance(template, list):
        return [apply_template(item, data, context, name, field) for item in template]
    return template


def _dynamic(value: str, data: Any, context: Any, name: str, field: str) -> Any:
    if is_intrinsic(value):
        try:
            return evaluate_intrinsic(value, data, context)
        except IntrinsicError as exc:
            raise StateFailure(
                "States.IntrinsicFailure", f"The state '{name}', field {field}: {exc}"
            ) from None
    return read_value(value, data, context, name, field)
