from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from hexad.agents.base import FrameSource
from hexad.agents.frames import frames_from_database, frames_from_folder, normalise_frame
from hexad.config import load_settings
from hexad.demo.files import COLUMNS
from hexad.domain.database import engine_for, upgrade
from hexad.domain.models import entity_table
from hexad.errors import AgentError


def test_folder_frames_have_contract_columns_and_dtypes(frames: FrameSource) -> None:
    entries = frames("time_entries")
    assert list(entries.columns) == COLUMNS["time_entries"]
    assert pd.api.types.is_datetime64_dtype(entries["work_date"])
    assert entries["hours"].dtype == "float64"
    assert str(entries["billable"].dtype) == "boolean"
    tickets = frames("tickets")
    assert pd.api.types.is_datetime64_dtype(tickets["opened_at"])
    assert str(tickets["satisfaction"].dtype) == "Int64"
    invoices = frames("invoices")
    assert invoices["total"].dtype == "float64"
    assert invoices["invoice_number"].map(type).eq(str).all()
    assert frames("budgets")["period"].iloc[0] == "2023-10"


def test_folder_frames_are_cached(frames: FrameSource) -> None:
    assert frames("clients") is frames("clients")


def test_missing_folder_and_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(AgentError, match="expected a folder"):
        frames_from_folder(tmp_path / "nope")
    with pytest.raises(AgentError, match=r"clients\.csv: missing"):
        frames_from_folder(tmp_path)("clients")


def test_normalise_names_missing_columns() -> None:
    with pytest.raises(AgentError, match=r"vendors: missing contract columns .*website"):
        normalise_frame(
            "vendors", pd.DataFrame({"vendor_id": ["V"], "name": ["n"], "category": ["c"], "country": ["x"]})
        )


def test_database_frames_match_folder_frames(demo_folder: Path, frames: FrameSource) -> None:
    settings = load_settings()
    engine = engine_for(settings)
    upgrade(engine=engine)
    for entity in ("vendors", "clients", "technicians", "budgets"):
        raw = pd.read_csv(_file(demo_folder, entity), dtype=str, keep_default_na=False, na_values=[""])
        table = entity_table(entity)
        stamp = {"row_hash": "0" * 32, "imported_at": datetime(2026, 9, 30, tzinfo=UTC)}
        rows = [{k: _db_value(v) for k, v in r.items()} | stamp for r in frames(entity).to_dict("records")]
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)
        assert len(raw) == len(rows)
    from_db = frames_from_database(settings)
    for entity in ("vendors", "clients", "technicians", "budgets"):
        key = COLUMNS[entity][:3]
        left = from_db(entity).sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, frames(entity).sort_values(key).reset_index(drop=True))


def _file(folder: Path, entity: str) -> Path:
    return folder / f"{entity}.csv"


def _db_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value
