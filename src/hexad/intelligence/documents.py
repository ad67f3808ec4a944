"""Plain text out of the documents an MSP receives: text PDFs, scanned PDFs, DOCX and plain text.

A PDF page with a text layer is read with pdfplumber; a page without one (a scan) is rendered at
300 DPI and read by Tesseract through pytesseract, after a median filter that removes the speckle
scanners leave (without it Tesseract drops digits next to specks). The size is bounded before any
parsing so a hostile upload cannot exhaust memory, and every document is identified by the SHA-256
of its bytes so the same file added twice is recognised as a duplicate.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hexad.errors import DocumentError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "DocumentText",
    "document_hash",
    "extract_text",
    "ocr_available",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt", ".text", ".md")
_MIN_LAYER_CHARS = 20
_OCR_RESOLUTION = 300

Method = Literal["pdf-text", "pdf-ocr", "pdf-mixed", "docx", "text"]


@dataclass(frozen=True)
class DocumentText:
    """The text of one document, how it was read, and the hash that identifies its bytes."""

    path: Path
    text: str
    method: Method
    pages: int
    sha256: str
    ocr_pages: int = 0


def document_hash(data: bytes) -> str:
    """The SHA-256 hex digest identifying a document's bytes (duplicate detection)."""
    return hashlib.sha256(data).hexdigest()


def ocr_available() -> bool:
    """Whether the Tesseract binary is on PATH (`make setup` installs it)."""
    return shutil.which("tesseract") is not None


def extract_text(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DocumentText:
    """Read a document's text; raises `DocumentError` naming the file and what was expected."""
    data = _read_bounded(path, max_bytes)
    suffix = path.suffix.lower()
    digest = document_hash(data)
    if suffix == ".pdf":
        text, pages, ocr_pages = _pdf_text(path, data)
        method: Method = "pdf-text" if ocr_pages == 0 else "pdf-ocr" if ocr_pages == pages else "pdf-mixed"
        return DocumentText(path, text, method, pages, digest, ocr_pages)
    if suffix == ".docx":
        return DocumentText(path, _docx_text(path, data), "docx", 1, digest)
    if suffix in SUPPORTED_SUFFIXES:
        return DocumentText(path, _plain_text(path, data), "text", 1, digest)
    raise DocumentError(f"{path}: unsupported document type {suffix or '(none)'!r}; expected one of "
                        f"{', '.join(SUPPORTED_SUFFIXES)}")  # fmt: skip


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    if not path.is_file():
        raise DocumentError(f"{path}: no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(f"{path}: {size} bytes exceeds the limit of {max_bytes} bytes")
    if size == 0:
        raise DocumentError(f"{path}: the file is empty")
    return path.read_bytes()


def _plain_text(path: Path, data: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"{path}: expected UTF-8 or Windows-1252 text")


def _docx_text(path: Path, data: bytes) -> str:
    from docx import Document  # late import: python-docx is only needed for DOCX files

    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zipfile/KeyError/lxml errors for broken files
        raise DocumentError(f"{path}: not a readable DOCX document ({exc})") from exc
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        paragraphs.extend(" | ".join(cell.text for cell in row.cells) for row in table.rows)
    return "\n\n".join(p for p in paragraphs if p.strip())


def _pdf_text(path: Path, data: bytes) -> tuple[str, int, int]:
    import pdfplumber  # late import: PDF parsing is only needed for PDFs

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises several unrelated types for a broken file
        raise DocumentError(f"{path}: not a readable PDF ({exc})") from exc
    texts: list[str] = []
    ocr_pages = 0
    with pdf:
        for number, page in enumerate(pdf.pages, start=1):
            text = page.extract_text() or ""
            if len(text.strip()) < _MIN_LAYER_CHARS:
                text = _ocr_page(path, number, page)
                ocr_pages += 1
            texts.append(text)
        pages = len(pdf.pages)
    return "\n\n".join(texts), pages, ocr_pages


def _ocr_page(path: Path, number: int, page: object) -> str:
    if not ocr_available():
        raise DocumentError(
            f"{path}: page {number} has no text layer and Tesseract is not installed (run `make setup`)"
        )
    import pytesseract  # type: ignore[import-untyped]
    from PIL import ImageFilter

    image = page.to_image(resolution=_OCR_RESOLUTION).original  # type: ignore[attr-defined]
    cleaned = image.convert("L").filter(ImageFilter.MedianFilter(5))
    return str(pytesseract.image_to_string(cleaned, config="--psm 6"))
