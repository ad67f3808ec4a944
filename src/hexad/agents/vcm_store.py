"""The contract document store: documents added once (by hash), their extracted terms, full-text search.

Documents live in the lake's raw zone (`raw/contracts/<file name>`, where the VCM agent also looks
for the register's `document` paths); their text, terms and matched vendor live in the domain
database, with a full-text index: SQLite FTS5 (bm25 ranking, highlighted snippets) in the embedded
profile, PostgreSQL `tsvector` with a GIN index in the distributed one. All SQL goes through
SQLAlchemy `text()` on the domain engine, so no engine client is imported here.

Vendor matching compares the non-MSP party with the vendor list after stripping legal suffixes
(Inc., Ltd., LLC...), with difflib's ratio; below 0.85 the document is left unmatched rather than
pinned to the wrong vendor.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from hexad.agents.vcm import ContractExtraction, extract_contract
from hexad.errors import ContractNotFoundError, ValidationError

__all__ = ["AddResult", "ContractStore", "SearchHit", "match_vendor"]

_SUFFIXES = re.compile(r"\b(inc|ltd|llc|plc|gmbh|corp|corporation|co|limited|sa|ag|bv)\b\.?", re.IGNORECASE)
_MATCH_THRESHOLD = 0.85
_CONTRACT_ID = re.compile(r"\b(CT-\d{3,})\b")


def _normalise(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", _SUFFIXES.sub("", name.lower())).split())


def match_vendor(
    parties: list[str] | None, vendors: dict[str, str], own: str | None = None
) -> tuple[str | None, float]:
    """The vendor id whose name best matches a party other than `own`, and how well (0..1)."""
    best: tuple[str | None, float] = (None, 0.0)
    for party in parties or []:
        if own is not None and _normalise(party) == _normalise(own):
            continue
        for vendor_id, name in vendors.items():
            ratio = difflib.SequenceMatcher(None, _normalise(party), _normalise(name)).ratio()
            if ratio > best[1]:
                best = (vendor_id, ratio)
    return best if best[1] >= _MATCH_THRESHOLD else (None, round(best[1], 3))


@dataclass(frozen=True)
class AddResult:
    """What adding one file did: a new document, or a duplicate of an existing one."""

    path: str
    document_id: str
    duplicate: bool
    contract_id: str | None
    vendor_id: str | None
    method: str


@dataclass(frozen=True)
class SearchHit:
    """One document matching a query, with a snippet around the match."""

    document_id: str
    file_name: str
    contract_id: str | None
    vendor_id: str | None
    snippet: str
    rank: float


_SQLITE_DDL = [
    """CREATE TABLE IF NOT EXISTS contract_documents (
        document_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, file_name TEXT NOT NULL,
        stored_path TEXT NOT NULL, contract_id TEXT, vendor_id TEXT, method TEXT NOT NULL,
        pages INTEGER NOT NULL, terms TEXT NOT NULL, body TEXT NOT NULL, added_at TEXT NOT NULL)""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS contract_documents_fts USING fts5(
        document_id UNINDEXED, file_name, body, tokenize = 'porter unicode61')""",
]
_POSTGRES_DDL = [
    _SQLITE_DDL[0],
    """CREATE INDEX IF NOT EXISTS contract_documents_body_fts
        ON contract_documents USING GIN (to_tsvector('english', body))""",
]


_COLUMNS = (
    "document_id, sha256, file_name, stored_path, contract_id, vendor_id,"
    " method, pages, terms, body, added_at"
)
_INSERT = (
    f"INSERT INTO contract_documents ({_COLUMNS}) VALUES ({', '.join(':' + c for c in _COLUMNS.split(', '))})"
)
_INSERT_FTS = (
    "INSERT INTO contract_documents_fts (document_id, file_name, body)"
    " VALUES (:document_id, :file_name, :body)"
)
_BY_HASH = "SELECT document_id, contract_id, vendor_id, method FROM contract_documents WHERE sha256 = :h"
_GET = (
    "SELECT document_id, file_name, stored_path, contract_id, vendor_id, method, pages, terms, added_at"
    " FROM contract_documents WHERE document_id = :d OR contract_id = :d"
)
_SEARCH_SQLITE = (
    "SELECT d.document_id, d.file_name, d.contract_id, d.vendor_id,"
    " snippet(contract_documents_fts, 2, '[', ']', ' ... ', 12) AS snippet,"
    " bm25(contract_documents_fts) AS rank"
    " FROM contract_documents_fts JOIN contract_documents d USING (document_id)"
    " WHERE contract_documents_fts MATCH :q ORDER BY rank LIMIT :n"
)
_SEARCH_POSTGRES = (
    "SELECT document_id, file_name, contract_id, vendor_id,"
    " ts_headline('english', body, websearch_to_tsquery('english', :q)) AS snippet,"
    " -ts_rank(to_tsvector('english', body), websearch_to_tsquery('english', :q)) AS rank"
    " FROM contract_documents"
    " WHERE to_tsvector('english', body) @@ websearch_to_tsquery('english', :q)"
    " ORDER BY rank LIMIT :n"
)


class ContractStore:
    """Add contract documents, read their terms back, and search their text."""

    def __init__(self, engine: Engine, lake: Path) -> None:
        self.engine = engine
        self.folder = lake / "raw" / "contracts"
        self.sqlite = engine.dialect.name == "sqlite"
        with engine.begin() as conn:
            for statement in _SQLITE_DDL if self.sqlite else _POSTGRES_DDL:
                conn.execute(text(statement))

    def add(
        self,
        path: Path,
        *,
        vendors: dict[str, str] | None = None,
        own_party: str | None = None,
        as_of: date | None = None,
    ) -> AddResult:
        """Store one document (a duplicate by content is recognised, not stored twice) and its terms."""
        known = [*([own_party] if own_party else []), *(vendors or {}).values()]
        extraction = extract_contract(path, as_of=as_of, known_parties=known)
        digest = extraction.document.sha256
        existing = self._by_hash(digest)
        if existing is not None:
            return AddResult(
                str(path),
                existing["document_id"],
                True,
                existing["contract_id"],
                existing["vendor_id"],
                existing["method"],
            )
        return self._insert(path, extraction, vendors or {}, own_party)

    def _insert(
        self, path: Path, extraction: ContractExtraction, vendors: dict[str, str], own_party: str | None
    ) -> AddResult:
        document = extraction.document
        found = _CONTRACT_ID.search(document.text) or _CONTRACT_ID.search(path.name)
        contract_id = found.group(1) if found else None
        vendor_id, _ = match_vendor(extraction.terms.value("parties"), vendors, own_party)
        self.folder.mkdir(parents=True, exist_ok=True)
        stored = self.folder / path.name
        if stored.exists() and stored.read_bytes() != path.read_bytes():
            stored = self.folder / f"{document.sha256[:12]}-{path.name}"
        shutil.copyfile(path, stored)
        row = {
            "document_id": f"doc-{document.sha256[:16]}",
            "sha256": document.sha256,
            "file_name": path.name,
            "stored_path": str(stored),
            "contract_id": contract_id,
            "vendor_id": vendor_id,
            "method": document.method,
            "pages": document.pages,
            "terms": json.dumps(extraction.terms.to_json()["fields"]),
            "body": document.text,
            "added_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        with self.engine.begin() as conn:
            conn.execute(text(_INSERT), row)
            if self.sqlite:
                conn.execute(text(_INSERT_FTS), row)
        return AddResult(str(path), str(row["document_id"]), False, contract_id, vendor_id, document.method)

    def _by_hash(self, digest: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            found = conn.execute(text(_BY_HASH), {"h": digest}).mappings().first()
        return dict(found) if found is not None else None

    def get(self, document_id: str) -> dict[str, Any]:
        """One stored document's metadata and extracted terms."""
        with self.engine.connect() as conn:
            found = conn.execute(text(_GET), {"d": document_id}).mappings().first()
        if found is None:
            raise ContractNotFoundError(
                f"no contract document {document_id!r} (expected a document or contract id)"
            )
        return {**dict(found), "terms": json.loads(found["terms"])}

    def search(self, query: str, *, limit: int = 10) -> list[SearchHit]:
        """Documents matching `query` (words, "phrases", OR, prefix*), best first."""
        if not query.strip():
            raise ValidationError("search: expected a non-empty query")
        statement = _SEARCH_SQLITE if self.sqlite else _SEARCH_POSTGRES
        with self.engine.connect() as conn:
            try:
                rows = conn.execute(
                    text(statement), {"q": _fts_query(query) if self.sqlite else query, "n": limit}
                )
                found = [SearchHit(**dict(r)) for r in rows.mappings()]
            except Exception as exc:  # the FTS5 parser rejects malformed syntax with an OperationalError
                raise ValidationError(
                    f"search: cannot parse the query {query!r} ({exc.__class__.__name__})"
                ) from exc
        return found

    def count(self) -> int:
        """How many documents are stored."""
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM contract_documents")).scalar_one())


def _fts_query(query: str) -> str:
    """Words are ANDed; "phrases", OR and a trailing * keep their FTS5 meaning; other tokens are quoted."""
    tokens = re.findall(r'"[^"]+"|\S+', query)
    safe = []
    for token in tokens:
        if token.startswith('"') or token in ("OR", "AND", "NOT") or re.fullmatch(r"\w+\*?", token):
            safe.append(token)
        else:
            safe.append('"' + token.replace('"', "") + '"')
    return " ".join(safe)
