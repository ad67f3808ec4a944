"""Typed frames of the MSP's entities for the agents, from the database or from a demo folder.

Both sources give the same dtypes, so an agent tested on a folder behaves the same in production:
columns named `*_date` are `datetime64[ns]` dates, the contract's datetime columns are naive UTC
`datetime64[ns]`, counts are nullable `Int64`, money and hours are `float64`, flags are `boolean`,
and everything else (`period` and `invoice_number` included) is pandas' `str` text. Each source
caches one frame per entity, because an agent run reads the same entity several times.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from hexad.agents.base import FrameSource
from hexad.config import Settings
from hexad.demo.files import COLUMNS, DATETIME_COLUMNS, INTEGER_COLUMNS, PARQUET_ENTITIES
from hexad.domain.database import engine_for
from hexad.domain.frames import load_frame
from hexad.errors import AgentError

__all__ = ["frames_from_database", "frames_from_folder", "normalise_frame"]

_BOOLEAN_COLUMNS = {"billable", "onsite", "auto_renew"}
_TEXT_COLUMNS = {"period", "invoice_number"}


def _is_date(name: str) -> bool:
    return name.endswith("_date")


def normalise_frame(entity: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The entity's contract columns with the agents' dtypes, whatever the source's types were."""
    columns = COLUMNS.get(entity)
    if columns is None:
        raise AgentError(f"unknown entity {entity!r}: expected one of {', '.join(sorted(COLUMNS))}")
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise AgentError(f"{entity}: missing contract columns {', '.join(missing)}")
    result = pd.DataFrame({name: _typed(frame[name], name) for name in columns})
    return result.reset_index(drop=True)


def _typed(values: pd.Series, name: str) -> pd.Series:
    if name in DATETIME_COLUMNS:
        parsed = pd.to_datetime(values, utc=True, errors="raise", format=_format(values, "ISO8601"))
        return parsed.dt.tz_localize(None).astype("datetime64[ns]")
    if _is_date(name):
        return pd.to_datetime(values, errors="raise", format=_format(values, "%Y-%m-%d")).astype(
            "datetime64[ns]"
        )
    if name in INTEGER_COLUMNS:
        return pd.to_numeric(values).astype("Int64")
    if name in _BOOLEAN_COLUMNS:
        return values.astype("boolean") if values.dtype == bool else values.map(_boolean).astype("boolean")
    if _looks_numeric(name):
        return pd.to_numeric(values).astype("float64")
    return values.astype("str")


def _format(values: pd.Series, text_format: str) -> str | None:
    """A fixed format for text (fast, strict); None lets pandas read date and datetime objects."""
    return text_format if pd.api.types.is_string_dtype(values) else None


_NUMERIC_NAMES = (
    "amount", "total", "quantity", "unit_cost", "unit_price", "hours", "hourly_cost", "bill_rate",
    "monthly_recurring_revenue", "contract_value", "budget", "value", "latitude", "longitude",
    "weekly_capacity_hours", "included_hours", "estimated_hours",
)  # fmt: skip


def _looks_numeric(name: str) -> bool:
    return name not in _TEXT_COLUMNS and any(name == n or name.endswith("_" + n) for n in _NUMERIC_NAMES)


def _boolean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return pd.NA
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def frames_from_folder(path: Path) -> FrameSource:
    """A cached source over a `hexad demo generate` folder (CSV files, `time_entries.parquet`)."""
    if not path.is_dir():
        raise AgentError(f"{path}: expected a folder of entity files")

    @cache
    def load(entity: str) -> pd.DataFrame:
        if entity in PARQUET_ENTITIES:
            file = path / f"{entity}.parquet"
            raw = pd.read_parquet(file) if file.is_file() else None
        else:
            file = path / f"{entity}.csv"
            raw = (
                pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""])
                if file.is_file()
                else None
            )
        if raw is None:
            raise AgentError(f"{file}: missing (expected the {entity} entity file)")
        return normalise_frame(entity, raw)

    return load


def frames_from_database(settings: Settings) -> FrameSource:
    """A cached source over the domain database, read through `hexad.domain.frames.load_frame`."""
    engine = engine_for(settings)

    @cache
    def load(entity: str) -> pd.DataFrame:
        if entity not in COLUMNS:
            raise AgentError(f"unknown entity {entity!r}: expected one of {', '.join(sorted(COLUMNS))}")
        return normalise_frame(entity, load_frame(entity, engine=engine))

    return load
