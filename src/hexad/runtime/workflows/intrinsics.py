"""Intrinsic functions (`States.Format(...)`, `States.Array(...)`, ...) as the Step Functions guide has them.

No library parses this small language, so a recursive-descent parser lives here. A call is parsed once
(cached) into a tree of literals, paths and nested calls; evaluation reads paths against the effective
input or, for `$$`, the context object. Any failure raises `IntrinsicError`, which the interpreter
reports as the `States.IntrinsicFailure` error naming the state and field.

String literals are single-quoted; `\\'`, `\\\\`, `\\{` and `\\}` are escapes. Escaped braces stay literal
in `States.Format`, where `{}` is a placeholder.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hexad.runtime.workflows.paths import PathNotFoundError, PathSyntaxError, compile_path
from hexad.runtime.workflows.variables import check_reference, read_reference

__all__ = ["FUNCTIONS", "IntrinsicError", "evaluate_intrinsic", "is_intrinsic", "parse_intrinsic"]

_OPEN, _CLOSE = "\ue000", "\ue001"  # escaped braces, kept apart from placeholders until formatting
_MAX_RANGE = 1000
_MAX_BASE64 = 10_000


class IntrinsicError(Exception):
    """An intrinsic function got arguments it cannot use (or does not parse)."""


@dataclass(frozen=True)
class _Call:
    name: str
    arguments: tuple[Any, ...]


@dataclass(frozen=True)
class _Path:
    path: str


@dataclass(frozen=True)
class _Literal:
    value: Any


def is_intrinsic(text: Any) -> bool:
    """True if `text` looks like an intrinsic call (`States.X(...)`)."""
    return isinstance(text, str) and text.startswith("States.") and text.rstrip().endswith(")")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def fail(self, expected: str) -> IntrinsicError:
        return IntrinsicError(f"{self.text!r} at character {self.position}: expected {expected}")

    def skip_space(self) -> None:
        while self.position < len(self.text) and self.text[self.position] == " ":
            self.position += 1

    def call(self) -> _Call:
        start = self.position
        while self.position < len(self.text) and (
            self.text[self.position].isalnum() or self.text[self.position] in "._"
        ):
            self.position += 1
        name = self.text[start : self.position]
        if not name.startswith("States.") or name[7:] not in FUNCTIONS:
            self.position = start
            raise self.fail(f"an intrinsic function name ({', '.join('States.' + n for n in FUNCTIONS)})")
        self.skip_space()
        if self.position >= len(self.text) or self.text[self.position] != "(":
            raise self.fail("'('")
        self.position += 1
        arguments = self.arguments()
        return _Call(name[7:], tuple(arguments))

    def arguments(self) -> list[Any]:
        arguments: list[Any] = []
        self.skip_space()
        if self.peek() == ")":
            self.position += 1
            return arguments
        while True:
            self.skip_space()
            arguments.append(self.argument())
            self.skip_space()
            char = self.peek()
            self.position += 1
            if char == ")":
                return arguments
            if char != ",":
                self.position -= 1
                raise self.fail("',' or ')'")

    def peek(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def argument(self) -> Any:
        char = self.peek()
        if char == "'":
            return _Literal(self.string())
        if char == "$":
            return self.path()
        if self.text.startswith("States.", self.position):
            return self.call()
        return self.scalar()

    def string(self) -> str:
        self.position += 1
        out: list[str] = []
        while self.position < len(self.text):
            char = self.text[self.position]
            if char == "\\" and self.position + 1 < len(self.text):
                escaped = self.text[self.position + 1]
                out.append({"{": _OPEN, "}": _CLOSE}.get(escaped, escaped))
                self.position += 2
                continue
            self.position += 1
            if char == "'":
                return "".join(out)
            out.append(char)
        raise self.fail("a closing quote")

    def path(self) -> _Path:
        start, depth, quote = self.position, 0, False
        while self.position < len(self.text):
            char = self.text[self.position]
            if char == "'":
                quote = not quote
            elif not quote and char in "([":
                depth += 1
            elif not quote and char in ")]":
                if depth == 0:
                    break
                depth -= 1
            elif not quote and depth == 0 and char in ", ":
                break
            self.position += 1
        path = self.text[start : self.position]
        try:
            compile_path(check_reference(path))
        except PathSyntaxError as exc:
            raise IntrinsicError(f"{self.text!r}: {exc}") from None
        return _Path(path)

    def scalar(self) -> _Literal:
        start = self.position
        while self.position < len(self.text) and self.text[self.position] not in ",) ":
            self.position += 1
        token = self.text[start : self.position]
        try:
            value = json.loads(token)
        except ValueError:
            self.position = start
            raise self.fail("a quoted string, a number, true, false, null, a path or States.X(...)") from None
        if isinstance(value, (dict, list)):
            raise self.fail("a scalar argument")
        return _Literal(value)


@lru_cache(maxsize=1024)
def parse_intrinsic(text: str) -> _Call:
    """Parse an intrinsic call; `IntrinsicError` says where and what was expected."""
    parser = _Parser(text.strip())
    call = parser.call()
    parser.skip_space()
    if parser.position != len(parser.text):
        raise parser.fail("the end of the expression")
    return call


def evaluate_intrinsic(text: str, data: Any, context: Any) -> Any:
    """Evaluate an intrinsic call with `$` bound to `data` and `$$` to `context`."""
    return _evaluate(parse_intrinsic(text), data, context)


def _evaluate(node: Any, data: Any, context: Any) -> Any:
    if isinstance(node, _Literal):
        return _restore(node.value) if isinstance(node.value, str) else node.value
    if isinstance(node, _Path):
        try:
            return read_reference(node.path, data, context)
        except PathNotFoundError:
            raise IntrinsicError(f"the path {node.path!r} selected nothing") from None
    arguments = [
        _Literal(argument.value)
        if isinstance(argument, _Literal)
        else _Literal(_evaluate(argument, data, context))
        for argument in node.arguments
    ]
    if node.name == "Format":
        return _format([a.value for a in arguments])
    values = [_restore(a.value) if isinstance(a.value, str) else a.value for a in arguments]
    return FUNCTIONS[node.name](*values) if _arity_ok(node.name, values) else None


def _restore(text: str) -> str:
    return text.replace(_OPEN, "{").replace(_CLOSE, "}")


_ARITY: dict[str, tuple[int, int]] = {
    "StringToJson": (1, 1),
    "JsonToString": (1, 1),
    "ArrayPartition": (2, 2),
    "ArrayContains": (2, 2),
    "ArrayRange": (3, 3),
    "ArrayGetItem": (2, 2),
    "ArrayLength": (1, 1),
    "ArrayUnique": (1, 1),
    "Base64Encode": (1, 1),
    "Base64Decode": (1, 1),
    "Hash": (2, 2),
    "JsonMerge": (3, 3),
    "MathRandom": (2, 3),
    "MathAdd": (2, 2),
    "StringSplit": (2, 2),
    "UUID": (0, 0),
}


def _arity_ok(name: str, values: list[Any]) -> bool:
    low, high = _ARITY.get(name, (0, 1_000_000))
    if not low <= len(values) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise IntrinsicError(f"States.{name} expects {expected} arguments, got {len(values)}")
    return True


def _format(arguments: list[Any]) -> str:
    if not arguments or not isinstance(arguments[0], str):
        raise IntrinsicError("States.Format expects a template string as its first argument")
    template, values = arguments[0], arguments[1:]
    pieces = template.split("{}")
    if len(pieces) - 1 != len(values):
        raise IntrinsicError(
            f"States.Format: the template has {len(pieces) - 1} placeholders, {len(values)} values were given"
        )
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:], strict=True):
        out.append(_format_value(value))
        out.append(piece)
    return _restore("".join(out))


def _format_value(value: Any) -> str:
    if isinstance(value, str):
        return _restore(value)
    if isinstance(value, (dict, list)):
        raise IntrinsicError(
            "States.Format: values must be strings, numbers, booleans or null, got a JSON "
            + ("object" if isinstance(value, dict) else "array")
        )
    return json.dumps(value)


def _array(value: Any, function: str) -> list[Any]:
    if not isinstance(value, list):
        raise IntrinsicError(f"States.{function} expects an array, got {json.dumps(value)}")
    return value


def _integer(value: Any, function: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise IntrinsicError(f"States.{function}: {name} must be an integer, got {json.dumps(value)}")
    return int(value)


def _text(value: Any, function: str) -> str:
    if not isinstance(value, str):
        raise IntrinsicError(f"States.{function} expects a string, got {json.dumps(value)}")
    return value


def _string_to_json(text: Any) -> Any:
    try:
        return json.loads(_text(text, "StringToJson"))
    except ValueError as exc:
        raise IntrinsicError(f"States.StringToJson: the string is not JSON ({exc})") from None


def _json_to_string(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _partition(array: Any, size: Any) -> list[list[Any]]:
    items, chunk = _array(array, "ArrayPartition"), _integer(size, "ArrayPartition", "the chunk size")
    if chunk <= 0:
        raise IntrinsicError("States.ArrayPartition: the chunk size must be greater than 0")
    return [items[start : start + chunk] for start in range(0, len(items), chunk)]


def _contains(array: Any, value: Any) -> bool:
    return any(_same(item, value) for item in _array(array, "ArrayContains"))


def _same(left: Any, right: Any) -> bool:
    return bool(type(left) is type(right) and left == right) or (
        _is_number(left) and _is_number(right) and left == right
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _range(start: Any, end: Any, step: Any) -> list[int]:
    first, last = _integer(start, "ArrayRange", "start"), _integer(end, "ArrayRange", "end")
    stride = _integer(step, "ArrayRange", "step")
    if stride == 0:
        raise IntrinsicError("States.ArrayRange: step must not be 0")
    values = list(range(first, last + (1 if stride > 0 else -1), stride))
    if len(values) > _MAX_RANGE:
        raise IntrinsicError(f"States.ArrayRange: at most {_MAX_RANGE} items, this range has {len(values)}")
    return values


def _get_item(array: Any, index: Any) -> Any:
    items, position = _array(array, "ArrayGetItem"), _integer(index, "ArrayGetItem", "index")
    if not 0 <= position < len(items):
        raise IntrinsicError(f"States.ArrayGetItem: index {position} is outside the array of {len(items)}")
    return items[position]


def _unique(array: Any) -> list[Any]:
    seen: list[Any] = []
    for item in _array(array, "ArrayUnique"):
        if not any(_same(item, other) for other in seen):
            seen.append(item)
    return seen


def _base64_encode(text: Any) -> str:
    value = _text(text, "Base64Encode")
    if len(value) > _MAX_BASE64:
        raise IntrinsicError(f"States.Base64Encode: at most {_MAX_BASE64} characters, got {len(value)}")
    return base64.b64encode(value.encode()).decode()


def _base64_decode(text: Any) -> str:
    value = _text(text, "Base64Decode")
    if len(value) > _MAX_BASE64:
        raise IntrinsicError(f"States.Base64Decode: at most {_MAX_BASE64} characters, got {len(value)}")
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise IntrinsicError(f"States.Base64Decode: not Base64-encoded UTF-8 text ({exc})") from None


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _hash(data: Any, algorithm: Any) -> str:
    name = _HASHES.get(algorithm) if isinstance(algorithm, str) else None
    if name is None:
        raise IntrinsicError(
            f"States.Hash: the algorithm must be one of {', '.join(_HASHES)}, got {algorithm!r}"
        )
    text = data if isinstance(data, str) else _json_to_string(data)
    return hashlib.new(name, text.encode()).hexdigest()


def _merge(left: Any, right: Any, deep: Any) -> dict[str, Any]:
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise IntrinsicError("States.JsonMerge expects two JSON objects")
    if deep is not False:
        raise IntrinsicError(
            "States.JsonMerge: only shallow merging is supported, the third argument must be false"
        )
    return {**left, **right}


def _random(start: Any, end: Any, seed: Any = None) -> int:
    low, high = _integer(start, "MathRandom", "start"), _integer(end, "MathRandom", "end")
    if high <= low:
        raise IntrinsicError(f"States.MathRandom: end ({high}) must be greater than start ({low})")
    generator = random.Random(_integer(seed, "MathRandom", "seed")) if seed is not None else random
    return generator.randrange(low, high)


def _add(left: Any, right: Any) -> int:
    return _integer(left, "MathAdd", "the first value") + _integer(right, "MathAdd", "the second value")


def _split(text: Any, splitter: Any) -> list[str]:
    value, characters = _text(text, "StringSplit"), _text(splitter, "StringSplit")
    if not characters:
        return [value]
    pieces: list[str] = []
    current: list[str] = []
    for char in value:
        if char in characters:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return [piece for piece in pieces if piece]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "Format": lambda *values: _format(list(values)),
    "StringToJson": _string_to_json,
    "JsonToString": _json_to_string,
    "Array": lambda *values: list(values),
    "ArrayPartition": _partition,
    "ArrayContains": _contains,
    "ArrayRange": _range,
    "ArrayGetItem": _get_item,
    "ArrayLength": lambda array: len(_array(array, "ArrayLength")),
    "ArrayUnique": _unique,
    "Base64Encode": _base64_encode,
    "Base64Decode": _base64_decode,
    "Hash": _hash,
    "JsonMerge": _merge,
    "MathRandom": _random,
    "MathAdd": _add,
    "StringSplit": _split,
    "UUID": lambda: str(uuid.uuid4()),
}
