"""Checks every uploaded file passes before Hexad keeps it: a size bound and its content's real type.

A client-supplied file name is only ever a hint: its last path segment is used to pick an entity or
a suffix and is shown back in messages, but nothing is written under it. The content is checked by
its magic bytes (and, for zip-based formats, by the member a real file of that kind must hold), so
a renamed executable or a text file called `.parquet` is refused before any parser sees it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from fastapi import UploadFile

from hexad.api.problems import ProblemError

__all__ = ["MAX_UPLOAD_BYTES", "client_name", "detect_kind", "read_bounded"]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_CHUNK = 1024 * 1024
_ZIP_MEMBERS = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}


async def read_bounded(upload: UploadFile, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """The whole upload, or 413 as soon as it passes `max_bytes` (nothing beyond is read)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            limit = max_bytes // (1024 * 1024)
            raise ProblemError(413, "too-large", f"file: expected at most {limit} MB, got more")
        chunks.append(chunk)
    if size == 0:
        raise ProblemError(422, "invalid-input", "file: expected a non-empty file")
    return b"".join(chunks)


def client_name(upload: UploadFile, default: str) -> str:
    """The last segment of the client's file name (`../../x.csv` -> `x.csv`), for hints and messages."""
    raw = (upload.filename or "").replace("\\", "/")
    name = PurePosixPath(raw).name.strip()
    return name if name not in ("", ".", "..") else default


def _zip_holds(data: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return member in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect_kind(data: bytes) -> str | None:
    """What the bytes are: `pdf`, `parquet`, `xlsx`, `docx`, `text` (UTF-8 without NULs), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PAR1") and data.endswith(b"PAR1") and len(data) >= 12:
        return "parquet"
    if data.startswith(b"PK\x03\x04"):
        return next((kind for kind, member in _ZIP_MEMBERS.items() if _zip_holds(data, member)), None)
    return "text" if _is_text(data) else None
