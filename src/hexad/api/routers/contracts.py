"""/api/v1/contracts: contract documents (upload, extracted terms, full-text search, download).

Uploads are bounded (20 MB) and must be a PDF (`%PDF-`), a DOCX (a zip holding `word/document.xml`)
or UTF-8 text, whatever their name says. Hexad names the file itself (`contract-<sha256 prefix>`, or
`CT-<n>-<prefix>` when the client's name carries a contract number, which the VCM agent matches on)
and hands it to `hexad.agents.vcm_store.ContractStore`, which extracts the terms, indexes the text
and keeps the bytes in the lake's raw zone (`raw/contracts/`), where the VCM agent reads them; an
upload starts the document's contract approval workflow (`approval_execution`, one per document).
Downloads look the document up by id and serve the stored path only if it lies inside that folder;
no path from a request is ever opened. A document's detail carries the text its fields' spans index
into (the PDF's text layer, the OCR of a scan, the DOCX's paragraphs), at most `MAX_TEXT_CHARS`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from hexad.agents.service import lake_path
from hexad.agents.vcm import start_contract_approval
from hexad.agents.vcm_store import AddResult, ContractStore
from hexad.api.pagination import MAX_LIMIT, Cursor, decode_cursor, encode_cursor
from hexad.api.problems import ProblemError
from hexad.api.routers.uploads import MAX_UPLOAD_BYTES, client_name, detect_kind, read_bounded
from hexad.api.routers.workflows import service_of
from hexad.api.security import Principal, require
from hexad.domain.models import Vendor, VendorContract
from hexad.errors import ContractNotFoundError, DocumentError

__all__ = ["MAX_TEXT_CHARS", "router"]

MAX_TEXT_CHARS = 200_000

router = APIRouter(prefix="/api/v1/contracts", tags=["contracts"])

_SUFFIX = {"pdf": ".pdf", "docx": ".docx", "text": ".txt"}
_MEDIA = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain; charset=utf-8",
}
_CONTRACT_NUMBER = re.compile(r"\bCT-\d{3,12}\b")
_LIST = (
    "SELECT document_id, file_name, contract_id, vendor_id, method, pages, added_at FROM contract_documents"
)
_ORDER = " ORDER BY added_at DESC, document_id DESC LIMIT :n"
_BODY = (
    "SELECT substr(body, 1, :n) AS text, length(body) AS size FROM contract_documents WHERE document_id = :d"
)


class DocumentOut(BaseModel):
    document_id: str
    file_name: str
    contract_id: str | None
    vendor_id: str | None
    method: str
    pages: int
    added_at: str


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    next_cursor: str | None = None


class SearchHitOut(BaseModel):
    document_id: str
    file_name: str
    contract_id: str | None
    vendor_id: str | None
    snippet: str
    rank: float


class SearchPage(BaseModel):
    """Best matches first (no further pages: refine the query instead)."""

    items: list[SearchHitOut]
    next_cursor: None = None


class DocumentDetail(DocumentOut):
    """A document's extracted terms (value, confidence, text span per field) and its register row."""

    terms: dict[str, Any]
    register_row: dict[str, Any] | None
    text: str | None = Field(
        None, description="the extracted text the terms' spans index into (omitted with include_text=false)"
    )
    text_truncated: bool = Field(False, description=f"the text is longer than {MAX_TEXT_CHARS} characters")


class UploadOut(BaseModel):
    document_id: str
    duplicate: bool
    contract_id: str | None
    vendor_id: str | None
    method: str
    approval_execution: str | None = None


def _store(request: Request) -> ContractStore:
    """The app's contract store, made on first use (it creates its tables)."""
    state = request.app.state
    store: ContractStore | None = getattr(state, "contracts", None)
    if store is None:
        store = ContractStore(state.engine, lake_path(state.settings))
        state.contracts = store
    return store


@router.get("", response_model=DocumentPage | SearchPage)
async def list_contracts(
    request: Request,
    _: Annotated[Principal, Depends(require("contracts:read"))],
    q: Annotated[
        str | None, Query(max_length=500, description="full-text search: words, phrases, OR")
    ] = None,
    vendor_id: str | None = None,
    contract_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> DocumentPage | SearchPage:
    """Documents, newest first (filter by vendor or contract), or the best matches of `q`."""
    store = _store(request)
    if q is not None:
        hits = store.search(q, limit=limit)
        return SearchPage(items=[SearchHitOut(**hit.__dict__) for hit in hits])
    sql, params = _LIST + " WHERE 1 = 1", dict[str, Any](n=limit + 1)
    for name, value in (("vendor_id", vendor_id), ("contract_id", contract_id)):
        if value is not None:
            sql += f" AND {name} = :{name}"
            params[name] = value
    if cursor is not None:
        after = decode_cursor(cursor, "-added_at")
        sql += " AND (added_at < :at OR (added_at = :at AND document_id < :id))"
        params |= {"at": str(after.value), "id": after.id}
    with store.engine.connect() as conn:
        rows = [DocumentOut(**r) for r in conn.execute(sa.text(sql + _ORDER), params).mappings()]
    page = rows[:limit]
    more = len(rows) > limit
    next_cursor = (
        encode_cursor(Cursor("-added_at", page[-1].added_at, page[-1].document_id)) if more else None
    )
    return DocumentPage(items=page, next_cursor=next_cursor)


def _register(request: Request, contract_id: str | None) -> dict[str, Any] | None:
    if contract_id is None:
        return None
    columns = [c for c in VendorContract.__table__.columns if c.name not in ("row_hash", "imported_at")]
    query = sa.select(*columns).where(VendorContract.contract_id == contract_id)
    with request.app.state.engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return None if row is None else json.loads(json.dumps(dict(row), default=str))


def _text(store: ContractStore, document_id: str) -> tuple[str, bool]:
    """The document's extracted text, cut at MAX_TEXT_CHARS, and whether it was cut."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.text(_BODY), {"d": document_id, "n": MAX_TEXT_CHARS}).one()
    return str(row.text), int(row.size) > MAX_TEXT_CHARS


@router.get("/{document_id}", response_model=DocumentDetail)
async def get_contract(
    request: Request,
    document_id: str,
    _: Annotated[Principal, Depends(require("contracts:read"))],
    include_text: Annotated[bool, Query(description="add the extracted text")] = True,
) -> DocumentDetail:
    """One document (by document id or contract id) with its terms, register row and text."""
    store = _store(request)
    found = store.get(document_id)
    found.pop("stored_path")
    text, cut = _text(store, found["document_id"]) if include_text else (None, False)
    register = _register(request, found["contract_id"])
    return DocumentDetail(**found, register_row=register, text=text, text_truncated=cut)


def _vendors(request: Request) -> dict[str, str]:
    with request.app.state.engine.connect() as conn:
        return {row.vendor_id: row.name for row in conn.execute(sa.select(Vendor.vendor_id, Vendor.name))}


def _stored_name(name: str, data: bytes, kind: str) -> str:
    number = _CONTRACT_NUMBER.search(name)
    prefix = number.group(0) if number else "contract"
    return f"{prefix}-{hashlib.sha256(data).hexdigest()[:16]}{_SUFFIX[kind]}"


@router.post("", response_model=UploadOut, status_code=201)
async def upload_contract(
    request: Request,
    response: Response,
    _: Annotated[Principal, Depends(require("contracts:write"))],
    file: Annotated[UploadFile, File(description="a PDF, DOCX or UTF-8 text document, at most 20 MB")],
    own_party: Annotated[str | None, Query(max_length=255, description="your company, not a vendor")] = None,
) -> UploadOut:
    """Store a contract document, extract its terms and index its text (200 when already stored)."""
    name = client_name(file, "upload")
    data = await read_bounded(file, MAX_UPLOAD_BYTES)
    kind = detect_kind(data)
    if kind not in _SUFFIX:
        got = "unrecognised content" if kind is None else f"{kind} content"
        raise ProblemError(
            415, "unsupported-media-type", f"{name}: expected a PDF, DOCX or UTF-8 text, got {got}"
        )
    result = await _add(request, name, data, _stored_name(name, data, str(kind)), own_party)
    if result.duplicate:
        response.status_code = 200
    fields = ("document_id", "duplicate", "contract_id", "vendor_id", "method")
    execution = await start_contract_approval(service_of(request), result.document_id)
    return UploadOut(**{field: getattr(result, field) for field in fields}, approval_execution=execution)


async def _add(request: Request, name: str, data: bytes, stored: str, own_party: str | None) -> AddResult:
    store, vendors = _store(request), _vendors(request)
    folder = request.app.state.settings.home / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    today = datetime.fromtimestamp(request.app.state.clock.time(), UTC).date()
    with tempfile.TemporaryDirectory(dir=folder, prefix="contract-") as work:
        path = Path(work) / stored
        path.write_bytes(data)
        try:
            return await asyncio.to_thread(store.add, path, vendors=vendors, own_party=own_party, as_of=today)
        except DocumentError as exc:
            raise ProblemError(422, "invalid-document", str(exc).replace(str(path), name)) from None


@router.get("/{document_id}/download", response_class=FileResponse)
async def download_contract(
    request: Request, document_id: str, _: Annotated[Principal, Depends(require("contracts:read"))]
) -> FileResponse:
    """The stored document's bytes, found by id (never by a path from the request)."""
    store = _store(request)
    found = store.get(document_id)
    path = Path(found["stored_path"]).resolve()
    if not path.is_relative_to(store.folder.resolve()) or not path.is_file():
        raise ContractNotFoundError(f"contract document {document_id!r}: its file is no longer stored")
    media = _MEDIA.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=media, filename=found["file_name"])
