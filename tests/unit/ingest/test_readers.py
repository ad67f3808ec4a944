"""Every format reads to the same rows; lines are numbered the way a person finds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from hexad.errors import ImportValidationError
from hexad.ingest.readers import expand_paths, read_file
from tests.unit.ingest.conftest import ROWS, Writer


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx", ".jsonl"])
def test_each_format_reads_the_rows_with_empty_cells_as_none(writer: Writer, suffix: str) -> None:
    source = read_file(writer("time_entries", suffix=suffix), "time_entries")
    assert len(source.rows) == 2
    assert source.rows[1]["time_entry_id"] == "TE-2"
    assert source.rows[1].get("ticket_id") is None
    assert source.raw.num_rows == 2


def test_csv_and_xlsx_count_the_header_as_line_one(writer: Writer) -> None:
    for suffix in (".csv", ".xlsx"):
        assert read_file(writer("clients", suffix=suffix), "clients").line_of(1) == 3


def test_json_lines_skip_blank_lines_but_keep_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "vendors.jsonl"
    path.write_text('{"vendor_id": "VN-1", "name": "A"}\n\n{"vendor_id": "VN-2", "name": "B"}\n')
    source = read_file(path, "vendors")
    assert [row["vendor_id"] for row in source.rows] == ["VN-1", "VN-2"]
    assert source.line_of(1) == 3


def test_a_broken_json_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "vendors.jsonl"
    path.write_text('{"vendor_id": "VN-1"}\n{"vendor_id": \n')
    with pytest.raises(ImportValidationError, match=r"vendors.jsonl line 2: not valid JSON"):
        read_file(path, "vendors")


def test_unsupported_files_are_refused_and_folders_expand_to_importable_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ImportValidationError, match=r"unsupported file type '.txt'"):
        read_file(tmp_path / "notes.txt", "vendors")
    (tmp_path / "b.csv").write_text("a\n1\n")
    (tmp_path / "a.parquet").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    assert [p.name for p in expand_paths([tmp_path])] == ["a.parquet", "b.csv"]
    with pytest.raises(ImportValidationError, match="no such file or folder"):
        expand_paths([tmp_path / "missing.csv"])


def test_rows_fixture_is_consistent() -> None:
    assert {row["client_id"] for row in ROWS["clients"]} >= {row["client_id"] for row in ROWS["time_entries"]}


def test_a_header_only_file_has_no_rows_and_an_empty_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "vendors.csv").write_text("vendor_id,name\n")
    assert read_file(tmp_path / "vendors.csv", "vendors").rows == []
    (tmp_path / "clients.csv").write_text("")
    with pytest.raises(ImportValidationError, match=r"clients.csv: cannot read the csv file"):
        read_file(tmp_path / "clients.csv", "clients")
