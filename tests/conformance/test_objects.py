"""The object store on every backend: `objects[filesystem]`, `objects[s3]` (moto's S3 server).

A store is opened on a root (a folder, or a bucket and prefix); "another process" is a second store
on the same root. The lake's raw zone is written through it as an import does.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hexad.adapters.filesystem.objects import FilesystemObjectStore
from hexad.adapters.s3.objects import S3ObjectStore, parse_s3_url
from hexad.config import Settings
from hexad.errors import ConfigError, NotFoundError, RuntimeStoreError, ValidationError
from hexad.lake import ObjectStore, open_object_store, write_raw
from tests.support.s3 import ACCESS_KEY, SECRET_KEY, S3Server, s3_server


@dataclass
class Backend:
    """Opens stores on one root; `other_root` opens one on a root that shares nothing with it."""

    open: Callable[[], ObjectStore]
    other_root: Callable[[], ObjectStore]
    url_scheme: str


def _settings(server: S3Server, url: str) -> Settings:
    return Settings(
        object_store_url=url,
        s3_endpoint_url=server.endpoint_url,
        s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY,
    )


@pytest.fixture(params=["filesystem", "s3"], ids=lambda name: f"objects[{name}]")
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "filesystem":
        return Backend(
            lambda: open_object_store(f"file://{tmp_path / 'lake'}"),
            lambda: open_object_store(f"file://{tmp_path / 'other'}"),
            "file",
        )
    if request.param == "s3":
        server = s3_server()
        bucket = server.new_bucket()

        def store(prefix: str) -> ObjectStore:
            url = f"s3://{bucket}/{prefix}"
            return open_object_store(url, _settings(server, url))

        return Backend(lambda: store("lake"), lambda: store("lake-other"), "s3")
    raise AssertionError(request.param)


@pytest.fixture
def store(backend: Backend) -> ObjectStore:
    return backend.open()


def test_an_object_reads_back_as_written_and_its_url_names_it(backend: Backend, store: ObjectStore) -> None:
    data = bytes(range(256)) * 64
    url = store.put("raw/tickets/2026-11-26/tickets.parquet", data)
    assert url.startswith(f"{backend.url_scheme}://")
    assert url.endswith("/raw/tickets/2026-11-26/tickets.parquet")
    assert store.get("raw/tickets/2026-11-26/tickets.parquet") == data
    assert store.exists("raw/tickets/2026-11-26/tickets.parquet")


def test_writing_again_replaces_the_object_whole(store: ObjectStore) -> None:
    store.put("raw/a/x.bin", b"first, longer value")
    store.put("raw/a/x.bin", b"second")
    assert store.get("raw/a/x.bin") == b"second"
    assert store.list("raw/a/") == ["raw/a/x.bin"]


def test_empty_and_large_objects(store: ObjectStore) -> None:
    store.put("processed/empty", b"")
    large = b"0123456789abcdef" * 400_000  # 6.4 MB, past S3's 5 MB multipart threshold
    store.put("processed/large", large)
    assert store.get("processed/empty") == b""
    assert store.get("processed/large") == large


def test_missing_objects_are_named_and_do_not_exist(store: ObjectStore) -> None:
    with pytest.raises(NotFoundError, match="'raw/none' not found"):
        store.get("raw/none")
    assert not store.exists("raw/none")
    assert store.list() == []


def test_keys_are_listed_sorted_under_a_prefix(store: ObjectStore) -> None:
    for key in ("raw/b/2.bin", "raw/a/1.bin", "processed/x.bin", "raw/a/0.bin"):
        store.put(key, key.encode())
    assert store.list() == ["processed/x.bin", "raw/a/0.bin", "raw/a/1.bin", "raw/b/2.bin"]
    assert store.list("raw/a/") == ["raw/a/0.bin", "raw/a/1.bin"]
    assert store.list("raw/") == ["raw/a/0.bin", "raw/a/1.bin", "raw/b/2.bin"]
    assert store.list("ml-models/") == []


@pytest.mark.parametrize("key", ["", "/etc/passwd", "raw/../secret", "raw//x", "./x", "raw/."])
def test_keys_cannot_escape_the_root(store: ObjectStore, key: str) -> None:
    for operation in (lambda: store.put(key, b"x"), lambda: store.get(key), lambda: store.exists(key)):
        with pytest.raises(ValidationError, match="expected a relative path"):
            operation()


def test_another_process_on_the_same_root_sees_the_objects(backend: Backend, store: ObjectStore) -> None:
    store.put("raw/shared.bin", b"hello")
    again = backend.open()
    assert again.get("raw/shared.bin") == b"hello"
    assert again.list() == ["raw/shared.bin"]


def test_roots_do_not_see_each_other(backend: Backend, store: ObjectStore) -> None:
    store.put("raw/mine.bin", b"mine")
    other = backend.other_root()
    assert other.list() == []
    assert not other.exists("raw/mine.bin")
    other.put("raw/theirs.bin", b"theirs")
    assert store.list() == ["raw/mine.bin"]


def test_the_raw_zone_is_written_through_the_store(store: ObjectStore) -> None:
    table = pa.table({"vendor_id": ["VN-1", "VN-2"], "name": ["Acme", "Globex"]})
    url = write_raw(store, "vendors", date(2026, 11, 26), "vendors-export", table)
    assert url.endswith("raw/vendors/2026-11-26/vendors-export.parquet")
    data = store.get("raw/vendors/2026-11-26/vendors-export.parquet")
    assert pq.read_table(io.BytesIO(data)).to_pylist() == table.to_pylist()


# --- S3 only: addressing and errors


def test_an_s3_url_names_a_bucket_and_an_optional_prefix() -> None:
    assert parse_s3_url("s3://lake") == ("lake", "")
    assert parse_s3_url("s3://lake/") == ("lake", "")
    assert parse_s3_url("s3://lake/tenant/a/") == ("lake", "tenant/a/")
    with pytest.raises(ConfigError, match="expected s3://bucket/prefix"):
        parse_s3_url("s3:///no-bucket")


def test_objects_land_under_the_prefix_in_the_bucket() -> None:
    server = s3_server()
    bucket = server.new_bucket()
    url = f"s3://{bucket}/tenants/acme"
    store = open_object_store(url, _settings(server, url))
    assert isinstance(store, S3ObjectStore)
    assert store.put("raw/x.bin", b"x") == f"s3://{bucket}/tenants/acme/raw/x.bin"
    listed = server.client().list_objects_v2(Bucket=bucket)  # type: ignore[attr-defined]
    assert [item["Key"] for item in listed["Contents"]] == ["tenants/acme/raw/x.bin"]


def test_a_missing_bucket_is_a_clear_error() -> None:
    server = s3_server()
    url = "s3://hexad-no-such-bucket/lake"
    store = open_object_store(url, _settings(server, url))
    with pytest.raises(RuntimeStoreError, match="S3 bucket 'hexad-no-such-bucket' does not exist"):
        store.put("raw/x.bin", b"x")


def test_an_unreachable_endpoint_is_a_clear_error() -> None:
    store = S3ObjectStore.from_url(
        "s3://lake/x",
        endpoint_url="http://127.0.0.1:1",
        region="us-east-1",
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
    )
    with pytest.raises(
        RuntimeStoreError, match=r"S3 get of 'raw/x' in s3://lake/x/ failed: Could not connect"
    ):
        store.get("raw/x")


def test_the_local_folder_stays_the_default(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    store = open_object_store(settings.effective_object_store_url, settings)
    assert isinstance(store, FilesystemObjectStore)
