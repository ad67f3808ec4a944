"""Shared state of one demo generation run: the calendar, the RNG streams and the planted signals.

Every area draws from its own numpy stream, `default_rng([seed, crc32(area)])`, so adding an area or
changing how one area draws never shifts the numbers of another. Tables are kept as pandas frames
with real dtypes (datetime64, bool, float money) until `files.write_tables` formats them.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from faker import Faker

__all__ = [
    "MONTHS",
    "REFERENCE_DATE",
    "START_DATE",
    "DemoContext",
    "Signal",
    "day_offsets",
    "month_key",
    "quarter_hours",
    "rows",
]

REFERENCE_DATE = pd.Timestamp("2026-09-30")
"""The last day of the data set: fixed so the same seed gives the same files on any day."""
START_DATE = pd.Timestamp("2023-10-01")
"""The first day of the three-year window of operational data."""
MONTHS: list[str] = [str(p) for p in pd.period_range("2023-10", "2026-09", freq="M")]
"""The 36 months of the window as `YYYY-MM`."""


@dataclass(frozen=True)
class Signal:
    """One planted finding: what an agent should report, about which subject, with the numbers."""

    kind: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape used in `ground_truth.json`."""
        return {
            "kind": self.kind,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "details": self.details,
        }


@dataclass
class DemoContext:
    """Inputs and outputs of one run, passed from area to area in dependency order."""

    seed: int
    clients: int = 200
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    signals: list[Signal] = field(default_factory=list)
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    hidden: dict[str, Any] = field(default_factory=dict)

    def rng(self, area: str) -> np.random.Generator:
        """The area's own random stream, independent of every other area's."""
        return np.random.default_rng([self.seed, zlib.crc32(area.encode())])

    def faker(self, area: str) -> Faker:
        """A Faker seeded for one area (names, companies, addresses)."""
        fake = Faker("en_US")
        fake.seed_instance(self.seed * 100_003 + zlib.crc32(area.encode()))
        return fake

    def scaled(self, per_200_clients: float, minimum: int = 1) -> int:
        """A count proportional to the number of clients (given for the default 200)."""
        return max(minimum, round(per_200_clients * self.clients / 200))

    def signal(self, kind: str, subject_type: str, subject_id: str, **details: Any) -> None:
        """Record one planted finding."""
        self.signals.append(Signal(kind, subject_type, subject_id, details))


def day_offsets(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Whole days since `START_DATE` (vectorized)."""
    values = pd.to_datetime(dates).to_numpy(dtype="datetime64[D]")
    return (values - np.datetime64(START_DATE.date(), "D")).astype(np.int64)


def month_key(dates: pd.Series) -> pd.Series:
    """`YYYY-MM` of each date."""
    return pd.to_datetime(dates).dt.strftime("%Y-%m")


def quarter_hours(values: np.ndarray) -> np.ndarray:
    """Round hours to the quarter hour PSA tools use, never below 0.25."""
    return np.maximum(0.25, np.round(np.asarray(values, dtype=float) * 4) / 4)


def rows(frame: pd.DataFrame, index: bool = False) -> Iterator[Any]:
    """Rows as named tuples typed `Any`: pandas-stubs types each cell as a broad union."""
    return iter(frame.itertuples(index=index))
