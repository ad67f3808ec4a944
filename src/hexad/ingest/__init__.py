"""Importing MSP data files (CSV, JSON lines, Parquet, xlsx) into the domain database and the lake."""

from __future__ import annotations

from hexad.ingest.service import EntityCounts, ImportReport, import_paths
from hexad.ingest.validation import ImportIssue

__all__ = ["EntityCounts", "ImportIssue", "ImportReport", "import_paths"]
