"""What a target receives: the whole event, a constant `Input`, an `InputPath`, or an input transformer.

The input transformer follows EventBridge: `InputPathsMap` names JSONPaths into the event, and
`InputTemplate` uses them as `<name>` placeholders. Where a placeholder stands inside a JSON string
(`"state: <state>"`) the value is inserted as text; elsewhere it is inserted as JSON, so a string
value gets its quotes (`{"state": <state>}` -> `{"state": "running"}`). A path that finds nothing
gives `null` (or nothing inside a string). The reserved variables `<aws.events.rule-name>`,
`<aws.events.rule-arn>`, `<aws.events.event>` (the event without `detail`), `<aws.events.event.json>`
(the whole event) and `<aws.events.event.ingestion-time>` are filled in as EventBridge fills them. A
template that is not JSON (`<client> lost margin`) is plain text: values go in without quotes.
jsonpath-ng does the path work; the placeholder scan is written here because it must know whether
each placeholder sits inside a JSON string, which no template library tracks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext.parser import parse as parse_jsonpath

from hexad.errors import RuleError
from hexad.ports.bus import Target
from hexad.runtime.events import format_time

__all__ = [
    "MISSING",
    "compile_path",
    "extract",
    "is_json_template",
    "render_template",
    "rule_arn",
    "target_input",
    "validate_input",
]

MISSING: Any = object()
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,256}$")
_MAX_VARIABLES = 100
_RESERVED_PREFIX = "aws.events."


@lru_cache(maxsize=4096)
def compile_path(path: str) -> Any:
    """A compiled JSONPath (cached); `RuleError` names the path when it does not parse."""
    if not path.startswith("$"):
        raise RuleError(f"expected a JSONPath starting with '$', got {path!r}")
    try:
        return parse_jsonpath(path)
    except (JsonPathParserError, Exception) as exc:
        raise RuleError(f"invalid JSONPath {path!r}: {exc}") from None


def extract(path: str, event: Mapping[str, Any]) -> Any:
    """The value at `path` in the event: one match as itself, several as a list, none as `MISSING`."""
    matches = [match.value for match in compile_path(path).find(event)]
    if not matches:
        return MISSING
    return matches[0] if len(matches) == 1 else matches


def _text(values: Mapping[str, Any], found: re.Match[str]) -> str:
    if found.group(1) not in values:
        return found.group(0)
    value = values[found.group(1)]
    if value is MISSING:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _inline(value: Any, in_string: bool) -> str:
    if value is MISSING:
        return "" if in_string else "null"
    if not in_string:
        return json.dumps(value, ensure_ascii=False)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return json.dumps(text, ensure_ascii=False)[1:-1]


def is_json_template(template: str) -> bool:
    """Whether a template is JSON (object, array or string); other templates are plain text."""
    return template.lstrip().startswith(("{", "[", '"'))


def render_template(template: str, values: Mapping[str, Any]) -> str:
    """Fill `<name>` placeholders; unknown names stay as written (EventBridge does the same).

    In a plain-text template (not starting with `{`, `[` or `"`) every value goes in as text.
    """
    if not is_json_template(template):
        return _PLACEHOLDER.sub(lambda found: _text(values, found), template)
    out: list[str] = []
    in_string = escaped = False
    position = 0
    while position < len(template):
        char = template[position]
        if char == "<":
            found = _PLACEHOLDER.match(template, position)
            if found and found.group(1) in values:
                out.append(_inline(values[found.group(1)], in_string))
                position = found.end()
                continue
        out.append(char)
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        position += 1
    return "".join(out)


def rule_arn(bus: str, rule: str) -> str:
    """The rule's ARN-like name, as `<aws.events.rule-arn>` and dead-letter attributes give it."""
    return f"hexad:events:local:rule/{bus}/{rule}"


def _reserved(event: Mapping[str, Any], bus: str, rule: str, received_at: float) -> dict[str, Any]:
    return {
        "aws.events.rule-name": rule,
        "aws.events.rule-arn": rule_arn(bus, rule),
        "aws.events.event": {key: value for key, value in event.items() if key != "detail"},
        "aws.events.event.json": event,
        "aws.events.event.ingestion-time": format_time(datetime.fromtimestamp(received_at, UTC)),
    }


def target_input(target: Target, event: Mapping[str, Any], *, bus: str, rule: str, received_at: float) -> str:
    """The text `target` receives for `event` (JSON unless a template makes plain text)."""
    if target.input is not None:
        return target.input
    if target.input_path is not None:
        value = extract(target.input_path, event)
        return "null" if value is MISSING else json.dumps(value, ensure_ascii=False)
    transformer = target.input_transformer
    if transformer is None:
        return json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    values = _reserved(event, bus, rule, received_at)
    for name, path in transformer.input_paths_map.items():
        values[name] = extract(path, event)
    return render_template(transformer.input_template, values)


def validate_input(target: Target, where: str) -> None:
    """Check a target's input settings the way PutTargets does; `RuleError` names the field."""
    given = [
        name for name in ("input", "input_path", "input_transformer") if getattr(target, name) is not None
    ]
    if len(given) > 1:
        raise RuleError(f"{where}: expected at most one of input, input_path, input_transformer; got {given}")
    if target.input is not None:
        _check_json(target.input, f"{where}.input")
    if target.input_path is not None:
        _path(target.input_path, f"{where}.input_path")
    if target.input_transformer is not None:
        _validate_transformer(target, where)


def _path(path: str, where: str) -> None:
    try:
        compile_path(path)
    except RuleError as exc:
        raise RuleError(f"{where}: {exc}") from None


def _check_json(text: str, where: str) -> None:
    try:
        json.loads(text)
    except ValueError as exc:
        raise RuleError(f"{where}: expected valid JSON text: {exc}") from None


def _validate_transformer(target: Target, where: str) -> None:
    transformer = target.input_transformer
    assert transformer is not None
    paths = transformer.input_paths_map
    if len(paths) > _MAX_VARIABLES:
        raise RuleError(f"{where}.input_transformer.input_paths_map: at most {_MAX_VARIABLES} variables")
    for name, path in paths.items():
        if name.startswith(_RESERVED_PREFIX) or not _VARIABLE_NAME.match(name):
            raise RuleError(
                f"{where}.input_transformer.input_paths_map.{name}: expected a name of letters, digits, "
                "'_' or '-' not starting with 'aws.events.'"
            )
        _path(path, f"{where}.input_transformer.input_paths_map.{name}")
    template = transformer.input_template
    if not template.strip():
        raise RuleError(f"{where}.input_transformer.input_template: expected a non-empty template")
    sample = {name: "x" for name in paths} | _reserved({}, "bus", "rule", 0.0)
    if is_json_template(template):
        _check_json(render_template(template, sample), f"{where}.input_transformer.input_template")
