"""The import contract: row schemas, demo files, tables and examples agree."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from hexad.demo.files import COLUMNS
from hexad.domain.docs import render_import_format
from hexad.domain.models import IMPORT_ORDER, Base
from hexad.domain.schemas import ENTITIES

BOOKKEEPING = {"row_hash", "imported_at"}


def test_schemas_and_demo_files_name_the_same_columns_in_the_same_order() -> None:
    assert {name: list(spec.columns) for name, spec in ENTITIES.items()} == COLUMNS


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_each_entity_has_a_table_named_after_it_with_the_contract_columns(entity: str) -> None:
    table = Base.metadata.tables[entity]
    assert [c.name for c in table.columns if c.name not in BOOKKEEPING] == list(ENTITIES[entity].columns)
    assert tuple(c.name for c in table.primary_key.columns) == ENTITIES[entity].natural_key


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_required_columns_are_not_null_in_the_table(entity: str) -> None:
    table = Base.metadata.tables[entity]
    required = {c.name for c in table.columns if not c.nullable and c.name not in BOOKKEEPING}
    defaulted = {n for n, f in ENTITIES[entity].model.model_fields.items() if f.default is not None}
    assert ENTITIES[entity].required <= required
    assert required - ENTITIES[entity].required <= defaulted


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_example_rows_validate(entity: str) -> None:
    spec = ENTITIES[entity]
    row = spec.model.model_validate(spec.example)
    assert set(spec.example) <= set(spec.columns)
    assert spec.required <= set(spec.example)
    assert row is not None


def test_money_is_decimal_and_money_columns_are_numeric() -> None:
    row = ENTITIES["invoices"].model.model_validate(ENTITIES["invoices"].example)
    assert row.total == Decimal("4925.57")  # type: ignore[attr-defined]
    for spec in ENTITIES.values():
        for column, kind in spec.kinds.items():
            if kind.name == "money":
                sql_type = Base.metadata.tables[spec.name].columns[column].type
                assert (sql_type.precision, sql_type.scale) == (14, 2), (spec.name, column)  # type: ignore[attr-defined]


def test_money_with_more_than_two_places_is_refused() -> None:
    example = {**ENTITIES["invoices"].example, "total": "10.005"}
    with pytest.raises(ValidationError, match="decimal places"):
        ENTITIES["invoices"].model.model_validate(example)


def test_timestamps_are_utc_and_naive_ones_are_taken_as_utc() -> None:
    model = ENTITIES["activities"].model
    example = ENTITIES["activities"].example
    shifted = model.model_validate({**example, "occurred_at": "2025-10-01T19:51:00+02:00"})
    naive = model.model_validate({**example, "occurred_at": "2025-10-01T17:51:00"})
    assert shifted.occurred_at == naive.occurred_at  # type: ignore[attr-defined]
    assert naive.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[attr-defined]


def test_import_order_puts_every_referenced_entity_first() -> None:
    assert set(IMPORT_ORDER) == set(ENTITIES)
    position = {name: i for i, name in enumerate(IMPORT_ORDER)}
    for name in IMPORT_ORDER:
        for key in Base.metadata.tables[name].foreign_keys:
            assert position[key.column.table.name] < position[name], (name, key.target_fullname)


def test_budgets_are_keyed_by_department_period_and_category() -> None:
    assert ENTITIES["budgets"].natural_key == ("department", "period", "category")


def test_the_import_format_page_is_generated_from_the_schemas() -> None:
    page = Path(__file__).parents[3] / "docs" / "import-format.md"
    assert page.read_text() == render_import_format(), (
        "docs/import-format.md is stale: uv run python -m hexad.domain.docs > docs/import-format.md"
    )
    for spec in ENTITIES.values():
        assert f"## {spec.name}\n" in page.read_text()
