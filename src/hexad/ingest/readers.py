"""Reading import files (CSV, JSON lines, Parquet, .xlsx) into rows, before any validation.

Each reader returns a `SourceFile`: the header, the rows as dicts (empty cells as None) and the
file as an Arrow table for the raw zone. Values stay as the file holds them (text from CSV, typed
cells from xlsx, Parquet and JSON); coercion and checking are the validator's job, so every format
is checked by the same rules. Row numbers in errors are 1-based data rows; `line_of` gives the line
in the file too (CSV and xlsx count the header as line 1, JSON lines count every line).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hexad.errors import ImportValidationError

__all__ = ["FORMATS", "SourceFile", "expand_paths", "read_file"]

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".xlsx": "xlsx"}


@dataclass
class SourceFile:
    """One file's header and rows, ready to validate."""

    path: Path
    entity: str
    format: str
    columns: list[str]
    rows: list[dict[str, Any]]
    raw: pa.Table
    lines: list[int] | None = field(default=None, repr=False)
    header_lines: int = 1

    def line_of(self, index: int) -> int | None:
        """The file line of the 0-based data row `index` (None for Parquet, which has no lines)."""
        if self.format == "parquet":
            return None
        if self.lines is not None:
            return self.lines[index]
        return index + 1 + self.header_lines


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files as given, and the importable files directly inside each folder (sorted by name)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FORMATS))
        elif path.is_file():
            files.append(path)
        else:
            raise ImportValidationError(f"{path}: no such file or folder")
    return files


def read_file(path: Path, entity: str) -> SourceFile:
    """Read `path` by its suffix; a file that cannot be parsed fails naming the file and why."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        expected = ", ".join(sorted(FORMATS))
        raise ImportValidationError(
            f"{path}: unsupported file type {path.suffix!r}; expected one of {expected}"
        )
    try:
        return _READERS[kind](path, entity)
    except ImportValidationError:
        raise
    except (ValueError, OSError, pa.ArrowException, json.JSONDecodeError, KeyError) as exc:
        raise ImportValidationError(f"{path}: cannot read the {kind} file: {exc}") from exc


def _read_csv(path: Path, entity: str) -> SourceFile:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
    columns = [str(c) for c in frame.columns]
    values = [[None if v == "" else v for v in frame[c].tolist()] for c in frame.columns]
    rows = [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]
    return SourceFile(path, entity, "csv", columns, rows, pa.Table.from_pandas(frame, preserve_index=False))


def _read_parquet(path: Path, entity: str) -> SourceFile:
    table = pq.read_table(path)
    rows = table.to_pylist()
    for row in rows:
        for name, value in row.items():
            if isinstance(value, float) and math.isnan(value):
                row[name] = None
    return SourceFile(path, entity, "parquet", list(table.column_names), rows, table)


def _read_jsonl(path: Path, entity: str) -> SourceFile:
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    with path.open(encoding="utf-8-sig") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ImportValidationError(f"{path} line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(value, dict):
                raise ImportValidationError(
                    f"{path} line {number}: expected a JSON object, got {value!r:.60}"
                )
            rows.append({k: (None if v == "" else v) for k, v in value.items()})
            lines.append(number)
    columns = _union_of_keys(rows)
    return SourceFile(path, entity, "jsonl", columns, rows, _text_table(columns, rows), lines, 0)


def _read_xlsx(path: Path, entity: str) -> SourceFile:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        header = [("" if v is None else str(v).strip()) for v in next(cells, ())]
        while header and header[-1] == "":
            header.pop()
        rows = [_xlsx_row(header, values) for values in cells]
    finally:
        workbook.close()
    while rows and all(v is None for v in rows[-1].values()):
        rows.pop()
    return SourceFile(path, entity, "xlsx", header, rows, _text_table(header, rows))


def _xlsx_row(header: list[str], values: Iterable[Any]) -> dict[str, Any]:
    cells = list(values)[: len(header)]
    cells += [None] * (len(header) - len(cells))
    return {name: (None if v == "" else v) for name, v in zip(header, cells, strict=True)}


def _union_of_keys(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _text_table(columns: list[str], rows: list[dict[str, Any]]) -> pa.Table:
    """The rows as an all-text Arrow table (mixed cell types cannot share one typed column)."""
    data = {c: [None if r.get(c) is None else _text(r[c]) for r in rows] for c in columns}
    return pa.table({c: pa.array(v, type=pa.string()) for c, v in data.items()})


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return json.dumps(value) if isinstance(value, dict | list | bool) else str(value)


_READERS = {"csv": _read_csv, "parquet": _read_parquet, "jsonl": _read_jsonl, "xlsx": _read_xlsx}
