"""The object store on a local folder (the embedded profile's lake).

Writes go to a temporary file in the same folder and are renamed into place, so a reader (or a
crash) never sees half an object. Keys are checked so none can escape the root (`..`, absolute paths).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hexad.adapters.shared.objects import check_key
from hexad.errors import NotFoundError

__all__ = ["FilesystemObjectStore"]


class FilesystemObjectStore:
    """Objects as files under `root`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key))

    def put(self, key: str, data: bytes) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path.resolve().as_uri()

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise NotFoundError(f"object {key!r} not found under {self.root}")
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        keys = (
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*")
            if path.is_file() and not path.name.startswith(".")
        )
        return sorted(key for key in keys if key.startswith(prefix))
