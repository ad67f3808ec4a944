"""Validation names the file, row, line, column, value and what was expected, and finds every problem."""

from __future__ import annotations

from decimal import Decimal

from hexad.domain.schemas import ENTITIES
from hexad.ingest.readers import read_file
from hexad.ingest.validation import validate_header, validate_rows
from tests.unit.ingest.conftest import ROWS, Writer


def test_valid_rows_come_back_typed(writer: Writer) -> None:
    source = read_file(writer("time_entries"), "time_entries")
    rows, issues = validate_rows(source, ENTITIES["time_entries"])
    assert issues == []
    assert rows[0]["hours"] == Decimal("1.25")
    assert rows[0]["billable"] is True
    assert rows[1]["ticket_id"] is None


def test_every_bad_cell_is_reported_with_row_line_column_and_expectation(writer: Writer) -> None:
    bad = [
        dict(ROWS["time_entries"][0]),
        {**ROWS["time_entries"][1], "hours": "abc", "work_date": "2023-13-01"},
    ]
    bad[0]["billable"] = "maybe"
    source = read_file(writer("time_entries", bad), "time_entries")
    rows, issues = validate_rows(source, ENTITIES["time_entries"])
    assert rows == []
    found = {(i.row, i.line, i.column, i.value) for i in issues}
    assert found == {(1, 2, "billable", "maybe"), (2, 3, "hours", "abc"), (2, 3, "work_date", "2023-13-01")}
    text = str(next(i for i in issues if i.column == "hours"))
    assert "time_entries.csv row 2 (line 3), column hours: got 'abc'; expected decimal >= 0" in text


def test_a_missing_required_value_says_the_column_is_required(writer: Writer) -> None:
    source = read_file(writer("clients", [{**ROWS["clients"][0], "status": None}]), "clients")
    _, issues = validate_rows(source, ENTITIES["clients"])
    assert [(i.column, i.value) for i in issues] == [("status", None)]
    assert "got an empty cell; expected short code (the column is required)" in str(issues[0])


def test_money_with_three_places_and_a_bad_priority_are_refused(writer: Writer) -> None:
    rows = [{**ROWS["tickets"][0], "priority": "urgent"}]
    _, issues = validate_rows(read_file(writer("tickets", rows), "tickets"), ENTITIES["tickets"])
    assert "`low`, `medium`, `high` or `critical`" in issues[0].expected
    rows = [{**ROWS["clients"][0], "contract_value": "1.005"}]
    _, issues = validate_rows(read_file(writer("clients", rows), "clients"), ENTITIES["clients"])
    assert issues[0].column == "contract_value"
    assert "2 decimal places" in issues[0].expected


def test_header_problems_are_found_before_rows(writer: Writer) -> None:
    rows = [{k: v for k, v in ROWS["clients"][0].items() if k != "start_date"} | {"colour": "red"}]
    source = read_file(writer("clients", rows), "clients")
    issues = validate_header(source, ENTITIES["clients"])
    assert {(i.column, i.row, i.line) for i in issues} == {("colour", None, 1), ("start_date", None, 1)}
    assert "expected this required column to be present" in " ".join(str(i) for i in issues)


def test_typed_cells_from_xlsx_and_json_become_text_where_text_is_expected(writer: Writer) -> None:
    rows = [{"vendor_id": 1001, "name": "Numbers Inc", "country": "US"}]
    for suffix in (".xlsx", ".jsonl", ".parquet"):
        source = read_file(writer("vendors", rows, suffix=suffix), "vendors")
        valid, issues = validate_rows(source, ENTITIES["vendors"])
        assert issues == [], suffix
        assert valid[0]["vendor_id"] == "1001"


def test_parquet_rows_have_no_line_numbers(writer: Writer) -> None:
    rows = [{**ROWS["budgets"][0], "period": "2023-13"}]
    source = read_file(writer("budgets", rows, suffix=".parquet"), "budgets")
    _, issues = validate_rows(source, ENTITIES["budgets"])
    assert (issues[0].row, issues[0].line) == (1, None)
    assert str(issues[0]).startswith(f"{source.path} row 1, column period: got '2023-13'; expected month")
