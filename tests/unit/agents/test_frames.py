from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hexad.agents.base import FrameSource
from hexad.agents.frames import frames_from_folder, normalise_frame
from hexad.demo.files import COLUMNS
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
