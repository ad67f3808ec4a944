"""`load_frames` gives the agents typed columns under the contract's names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hexad.domain.frames import load_frames
from hexad.domain.schemas import ENTITIES
from hexad.errors import NotFoundError
from hexad.ingest import import_paths
from tests.unit.ingest.conftest import ROWS, write_rows


@pytest.fixture
def loaded(tmp_path: Path) -> dict[str, pd.DataFrame]:
    import_paths([write_rows(tmp_path, entity, rows) for entity, rows in ROWS.items()])
    return load_frames(["time_entries", "clients", "tickets", "budgets", "sites"])


def test_columns_are_the_contract_columns_typed_for_analysis(loaded: dict[str, pd.DataFrame]) -> None:
    entries = loaded["time_entries"]
    assert list(entries.columns) == list(ENTITIES["time_entries"].columns)
    assert entries["work_date"].dtype == "datetime64[ns]"
    assert entries["hours"].tolist() == [1.25, 0.5]
    assert entries["billable"].dtype == "boolean" and entries["billable"].tolist() == [True, False]
    assert entries["ticket_id"].tolist() == ["TK-1", None]
    clients = loaded["clients"]
    assert clients["seats"].dtype == "Int64" and clients["contract_value"].tolist() == [5880.0, 23160.0]
    assert loaded["tickets"]["opened_at"].tolist() == [pd.Timestamp("2023-10-02 07:10:00")]
    assert loaded["budgets"]["amount"].tolist() == [12151.77]


def test_an_empty_entity_keeps_its_columns(loaded: dict[str, pd.DataFrame]) -> None:
    assert loaded["sites"].empty
    assert "latitude" in loaded["sites"].columns


def test_an_unknown_entity_is_named() -> None:
    with pytest.raises(NotFoundError, match="no entity 'ticket'"):
        load_frames(["ticket"])
