"""Semantic search over findings and contract documents with the shared TF-IDF embeddings.

The index holds every finding (kind, subject, summary, action) and every vendor contract (register
title and type, vendor, and the document's text where the VCM agent has extracted it into the lake's
`processed/contracts/` cache, plus documents added with `hexad contracts add`). It is built per
`ToolContext`, so it follows the data the context reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from hexad.agents.service import lake_path
from hexad.domain.database import engine_for
from hexad.errors import ValidationError
from hexad.intelligence.ask.context import ToolContext
from hexad.intelligence.documents import document_hash
from hexad.intelligence.embeddings import TextEmbedder

__all__ = ["SearchHit", "SearchIndex", "search_index"]

_SNIPPET = 160


@dataclass(frozen=True)
class Document:
    kind: str  # finding | contract
    ref: str
    title: str
    text: str


@dataclass(frozen=True)
class SearchHit:
    """One result: what it is, its id, a title, the cosine score and a snippet around the best words."""

    kind: str
    ref: str
    title: str
    score: float
    snippet: str


class SearchIndex:
    """Cosine similarity over TF-IDF embeddings of the documents."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = list(documents)
        self._embedder = TextEmbedder()
        self._matrix = (
            self._embedder.fit([f"{d.title} {d.text}" for d in self.documents]) if self.documents else None
        )

    def query(self, text: str, *, limit: int = 8, kinds: Sequence[str] | None = None) -> list[SearchHit]:
        """The best matches for `text`, most similar first (only those sharing some terms)."""
        if not text.strip():
            raise ValidationError("search: expected a non-empty query")
        if self._matrix is None:
            return []
        scores = np.asarray((self._matrix @ self._embedder.embed([text]).T).todense()).ravel()
        order = np.argsort(-scores)
        hits: list[SearchHit] = []
        for index in order:
            document = self.documents[int(index)]
            if scores[index] <= 0.05 or len(hits) >= limit:
                break
            if kinds is None or document.kind in kinds:
                hits.append(SearchHit(document.kind, document.ref, document.title, float(scores[index]),
                                      _snippet(document.text, text)))  # fmt: skip
        return hits


def _snippet(body: str, query: str) -> str:
    words = [w for w in re.findall(r"\w{4,}", query.lower())]
    flat = " ".join(body.split())
    lower = flat.lower()
    positions = [lower.find(w) for w in words if lower.find(w) >= 0]
    start = max(0, min(positions) - 40) if positions else 0
    if start:
        start = flat.find(" ", start) + 1  # begin at a word
    end = flat.rfind(" ", start, start + _SNIPPET)
    return flat[start : end if end > start else start + _SNIPPET]


def _findings(ctx: ToolContext) -> list[Document]:
    found = ctx.findings.list(limit=100_000)
    return [Document("finding", f.id, f.summary,
                     f"{f.kind.replace('_', ' ')} {f.subject_type} {f.subject_id} {f.status} {f.summary}. "
                     f"{f.recommended_action}") for f in found]  # fmt: skip


def _document_text(lake: Path, document: object) -> str:
    if not isinstance(document, str) or not document:
        return ""
    for path in (lake / "raw" / document, lake / "raw" / "contracts" / Path(document).name):
        if path.is_file():
            cached = lake / "processed" / "contracts" / f"{document_hash(path.read_bytes())}.txt"
            return cached.read_text(encoding="utf-8") if cached.is_file() else ""
    return ""


def _contracts(ctx: ToolContext) -> list[Document]:
    lake = lake_path(ctx.settings)
    register = ctx.frames("vendor_contracts")
    vendors = ctx.frames("vendors").set_index("vendor_id")["name"].astype(str).to_dict()
    documents = []
    for row in register.itertuples():
        vendor = vendors.get(str(row.vendor_id), "")
        title = f"{row.contract_id} {row.title} ({vendor})"
        body = f"{row.contract_type} {vendor} {_document_text(lake, row.document)}"
        documents.append(Document("contract", str(row.contract_id), title, body))
    return documents + _stored_documents(ctx)


def _stored_documents(ctx: ToolContext) -> list[Document]:
    """Documents added with `hexad contracts add` (the VCM store's table), when there is one."""
    engine = engine_for(ctx.settings)
    if not sa.inspect(engine).has_table("contract_documents"):
        return []
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT document_id, contract_id, file_name, body FROM contract_documents")
        ).all()
    return [
        Document("contract", str(r.contract_id or r.document_id), str(r.file_name), str(r.body)) for r in rows
    ]


def search_index(ctx: ToolContext) -> SearchIndex:
    """The context's index (built on first use)."""
    return ctx.memo("search_index", lambda: SearchIndex(_findings(ctx) + _contracts(ctx)))
