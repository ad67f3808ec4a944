"""Object keys, checked the same way on every object store."""

from __future__ import annotations

from hexad.errors import ValidationError

__all__ = ["check_key"]


def check_key(key: str) -> list[str]:
    """The key's `/`-separated parts; `ValidationError` for a key that could escape the store's root."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValidationError(f"object key {key!r}: expected a relative path like 'raw/entity/file'")
    return parts
