"""The lake's raw zone: every imported file kept as received, as Parquet, under a dated key.

`raw/<entity>/<yyyy-mm-dd>/<stem>.parquet`: one object per file and day, so importing the same file
again the same day replaces it and a later import keeps the earlier copy. The values are kept as read
(text from CSV, xlsx and JSON lines; Parquet's own types), before validation coerced anything, so
the raw zone can be replayed through a newer importer.
"""

from __future__ import annotations

import io
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from hexad.lake.objects import ObjectStore

__all__ = ["raw_key", "write_raw"]


def raw_key(entity: str, day: date, stem: str) -> str:
    """Where a file imported on `day` is kept."""
    return f"raw/{entity}/{day.isoformat()}/{stem}.parquet"


def write_raw(store: ObjectStore, entity: str, day: date, stem: str, table: pa.Table) -> str:
    """Write `table` to the raw zone as zstd Parquet; returns the object's URL."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return store.put(raw_key(entity, day, stem), buffer.getvalue())
