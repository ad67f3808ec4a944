"""The object-store port the lake writes through, and the factory that picks a backend from a URL.

Keys are `/`-separated paths relative to the store's root (`raw/tickets/2026-11-26/tickets.parquet`),
the same on a local folder and on S3, so the zones look the same on every profile.
"""

from __future__ import annotations

from typing import Protocol

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


def open_object_store(url: str) -> ObjectStore:
    """The store behind `url` (`file:///path`; S3 arrives with the aws and distributed profiles)."""
    if url.startswith("file://"):
        from hexad.adapters.filesystem.objects import FilesystemObjectStore

        return FilesystemObjectStore(url.removeprefix("file://"))
    raise ConfigError(f"HEXAD_OBJECT_STORE_URL: no object store for {url!r} yet; expected a file:// URL")
