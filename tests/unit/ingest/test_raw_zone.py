"""The lake's raw zone on the local-folder object store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hexad.adapters.filesystem.objects import FilesystemObjectStore
from hexad.errors import ConfigError, NotFoundError, ValidationError
from hexad.lake import open_object_store, raw_key, write_raw


def test_raw_files_are_kept_by_entity_day_and_file_name(tmp_path: Path) -> None:
    store = open_object_store(f"file://{tmp_path}")
    table = pa.table({"vendor_id": ["VN-1"], "name": ["Acme"]})
    url = write_raw(store, "vendors", date(2026, 11, 26), "vendors-export", table)
    assert (
        raw_key("vendors", date(2026, 11, 26), "vendors-export")
        == "raw/vendors/2026-11-26/vendors-export.parquet"
    )
    assert store.list("raw/") == ["raw/vendors/2026-11-26/vendors-export.parquet"]
    assert pq.read_table(url.removeprefix("file://")).to_pylist() == [{"vendor_id": "VN-1", "name": "Acme"}]


def test_writing_again_replaces_the_object_whole(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path)
    store.put("raw/a/x.bin", b"first")
    store.put("raw/a/x.bin", b"second")
    assert store.get("raw/a/x.bin") == b"second"
    assert [p.name for p in (tmp_path / "raw" / "a").iterdir()] == ["x.bin"]


def test_keys_cannot_escape_the_root_and_missing_objects_are_named(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path / "lake")
    for key in ("../secret", "/etc/passwd", "raw//x", ""):
        with pytest.raises(ValidationError, match="expected a relative path"):
            store.put(key, b"x")
    with pytest.raises(NotFoundError, match="'raw/none' not found"):
        store.get("raw/none")
    assert not store.exists("raw/none") and store.list() == []


def test_an_object_store_url_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ConfigError, match="HEXAD_OBJECT_STORE_URL"):
        open_object_store("gs://bucket/lake")
