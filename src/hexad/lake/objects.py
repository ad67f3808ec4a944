"""The object-store port the lake writes through, and the factory that picks a backend from a URL.

Keys are `/`-separated paths relative to the store's root (`raw/tickets/2026-11-26/tickets.parquet`),
the same on a local folder and on S3, so the zones look the same on every profile.
"""

from __future__ import annotations

from typing import Protocol

from hexad.config import Settings, get_settings
from hexad.errors import ConfigError

__all__ = ["ObjectStore", "open_object_store"]


class ObjectStore(Protocol):
    """Bytes stored under keys."""

    def put(self, key: str, data: bytes) -> str:
        """Store `data` under `key` (replacing it whole, never half-written); returns the object's URL."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes stored under `key`; `NotFoundError` when there are none."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        ...

    def list(self, prefix: str = "") -> list[str]:
        """Every key under `prefix`, sorted."""
        ...


def open_object_store(url: str, settings: Settings | None = None) -> ObjectStore:
    """The store behind `url`: `file:///path` (a local folder) or `s3://bucket/prefix`.

    An S3 store takes its endpoint, region and credentials from `settings` (the process's by default).
    """
    if url.startswith("file://"):
        from hexad.adapters.filesystem.objects import FilesystemObjectStore

        return FilesystemObjectStore(url.removeprefix("file://"))
    if url.startswith("s3://"):
        from hexad.adapters.s3.objects import S3ObjectStore

        settings = settings or get_settings()
        secret = settings.s3_secret_access_key
        return S3ObjectStore.from_url(
            url,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.aws_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
        )
    raise ConfigError(f"HEXAD_OBJECT_STORE_URL: no object store for {url!r}; expected file:// or s3://")
