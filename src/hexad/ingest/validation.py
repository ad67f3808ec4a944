"""Checking rows against the entity's schema, collecting every problem instead of stopping at the first.

An `ImportIssue` names the file, the 1-based data row (and the file line), the column, the value and
what was expected: enough for a person to open the file and fix it. Validation runs pydantic over
chunks of rows (one call per chunk keeps it fast) after one normalisation step: typed cells from
xlsx and JSON (a number in an id column) become text where the contract expects text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from pydantic import ValidationError as PydanticValidationError

from hexad.domain.schemas import EntitySpec
from hexad.ingest.readers import SourceFile

__all__ = ["ImportIssue", "validate_header", "validate_rows"]

_TEXT_KINDS = {"id", "code", "text", "list", "period", "currency", "country", "email"}
_CHUNK = 20_000


@dataclass(frozen=True)
class ImportIssue:
    """One problem in one cell (or the header, when `row` is None)."""

    file: str
    row: int | None
    line: int | None
    column: str | None
    value: Any
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}" + (f" (line {self.line})" if self.line is not None else "")
        elif self.line is not None:
            where += f" line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        got = "" if self.value is None and self.row is None else f"got {_show(self.value)}; "
        return f"{where}: {got}expected {self.expected}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for `--json` output."""
        value = (
            self.value if self.value is None or isinstance(self.value, int | float | str) else str(self.value)
        )
        return {"file": self.file, "row": self.row, "line": self.line, "column": self.column,
                "value": value, "expected": self.expected}  # fmt: skip


def _show(value: Any) -> str:
    if value is None:
        return "an empty cell"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_header(source: SourceFile, spec: EntitySpec) -> list[ImportIssue]:
    """Unknown columns and missing required columns (checked before any row)."""
    name = str(source.path)
    header_line = None if source.format in ("parquet", "jsonl") else 1
    known = ", ".join(spec.columns)
    issues = [
        ImportIssue(name, None, header_line, column, None, f"one of the {spec.name} columns: {known}")
        for column in source.columns
        if column not in spec.columns
    ]
    issues += [
        ImportIssue(name, None, header_line, column, None, "this required column to be present")
        for column in spec.columns
        if column in spec.required and column not in source.columns
    ]
    return issues


def validate_rows(
    source: SourceFile, spec: EntitySpec, advance: Callable[[int], None] | None = None
) -> tuple[list[dict[str, Any]], list[ImportIssue]]:
    """The rows as validated values (contract columns, typed), or the issues found in them."""
    coerce = _text_coercions(source, spec)
    rows: list[dict[str, Any]] = []
    issues: list[ImportIssue] = []
    for start in range(0, len(source.rows), _CHUNK):
        chunk = source.rows[start : start + _CHUNK]
        if coerce:
            chunk = [_coerced(row, coerce) for row in chunk]
        try:
            valid = spec.rows.validate_python(chunk)
        except PydanticValidationError as exc:
            issues += _issues(exc, source, spec, start, chunk)
        else:
            if not issues:
                rows += [{**spec.defaults, **row} for row in valid]
        if advance is not None:
            advance(len(chunk))
    return ([] if issues else rows), issues


def _text_coercions(source: SourceFile, spec: EntitySpec) -> list[str]:
    """Text columns whose cells may arrive typed (every format but CSV)."""
    if source.format == "csv":
        return []
    columns = [c for c in source.columns if c in spec.kinds and spec.kinds[c].name in _TEXT_KINDS]
    if source.format == "parquet":
        schema = source.raw.schema
        return [c for c in columns if not _is_text(schema.field(c).type)]
    return columns


def _coerced(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    result = dict(row)
    for column in columns:
        value = result.get(column)
        if isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        result[column] = str(value.isoformat() if hasattr(value, "isoformat") else value)
    return result


def _issues(
    exc: PydanticValidationError,
    source: SourceFile,
    spec: EntitySpec,
    start: int,
    chunk: list[dict[str, Any]],
) -> list[ImportIssue]:
    issues = []
    for error in exc.errors(include_url=False):
        location = error["loc"]
        index = int(location[0])
        column = str(location[1]) if len(location) > 1 else None
        value = chunk[index].get(column) if column else None
        issues.append(
            ImportIssue(
                str(source.path),
                start + index + 1,
                source.line_of(start + index),
                column,
                value,
                _expected(spec, column, error["type"], error["msg"], value),
            )
        )
    return issues


def _expected(spec: EntitySpec, column: str | None, error_type: str, message: str, value: Any) -> str:
    if column is None or column not in spec.kinds:
        return f"no such column in {spec.name} ({message})"
    kind = spec.kinds[column]
    if value is None and column in spec.required:
        return f"{kind.description} (the column is required)"
    if error_type == "missing":
        return f"{kind.description} (the column is required)"
    return f"{kind.description} ({message[0].lower()}{message[1:]})"


def _is_text(arrow_type: pa.DataType) -> bool:
    return bool(pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type))
