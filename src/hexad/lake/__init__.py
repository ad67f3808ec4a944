"""The lake: object-store zones (raw, processed, analytics, ml-models) holding Parquet files."""

from __future__ import annotations

from hexad.lake.objects import ObjectStore, open_object_store
from hexad.lake.raw import raw_key, write_raw

__all__ = ["ObjectStore", "open_object_store", "raw_key", "write_raw"]
