"""Contract documents open with the usual libraries and state the true terms."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from docx import Document
from pypdf import PdfReader

from hexad.demo.documents import compose_text, date_variants
from hexad.demo.generator import GenerationResult
from hexad.demo.ground_truth import load_ground_truth

Read = Callable[[str], pd.DataFrame]


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace(",", "")


def _states_terms(text: str, terms: dict[str, Any]) -> bool:
    flat = _normalized(text)
    value = terms["value"].removesuffix(".00")
    dates = [_normalized(d) for d in date_variants(terms["effective_date"])]
    return value in flat and any(d in flat for d in dates) and terms["parties"][1].replace(",", "") in flat


def _documents(small_set: GenerationResult, table: Read) -> list[tuple[Path, dict[str, Any]]]:
    contracts = table("vendor_contracts")
    truth = load_ground_truth(small_set.out)["contracts"]
    return [(small_set.out / row.document, truth[row.contract_id]) for row in contracts.itertuples()]


def test_every_register_row_points_at_an_existing_document(small_set: GenerationResult, table: Read) -> None:
    documents = _documents(small_set, table)
    assert documents
    assert all(path.is_file() for path, _ in documents)
    assert {path.suffix for path, _ in documents} == {".pdf", ".docx", ".txt"}


def test_text_pdfs_docx_and_text_files_state_the_true_terms(small_set: GenerationResult, table: Read) -> None:
    checked = {".pdf": 0, ".docx": 0, ".txt": 0}
    for path, terms in _documents(small_set, table):
        if path.suffix == ".pdf":
            text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
            if not text.strip():
                continue
        elif path.suffix == ".docx":
            text = "\n".join(p.text for p in Document(str(path)).paragraphs)
        else:
            text = path.read_text(encoding="utf-8")
        assert _states_terms(text, terms), path.name
        checked[path.suffix] += 1
    assert all(checked.values()), checked


def test_scanned_pdfs_are_images_without_a_text_layer(small_set: GenerationResult, table: Read) -> None:
    scans = 0
    for path, _ in _documents(small_set, table):
        if path.suffix != ".pdf":
            continue
        page = PdfReader(path).pages[0]
        if not page.extract_text().strip():
            assert len(page.images) == 1
            scans += 1
    assert scans > 0


def test_phrasing_varies_between_documents() -> None:
    terms = {
        "contract_type": "saas", "parties": ["Hexad Demo MSP, Inc.", "Example Cloud, Inc."],
        "effective_date": "2025-03-01", "initial_term_months": 12, "initial_end_date": "2026-03-01",
        "auto_renew": True, "renewal_term": 12, "notice_period_days": 90, "value": "24000.00",
        "currency": "USD", "governing_law": "State of New York",
    }  # fmt: skip
    texts = {" ".join(compose_text(terms, "CT-0001", np.random.default_rng(seed))) for seed in range(40)}
    notices = {p for p in ("ninety (90) days", "not less than 90 days", "at least ninety days'", "3 months")
               if any(p in t for t in texts)}  # fmt: skip
    assert len(notices) == 4
    assert len({d for d in date_variants("2025-03-01") if any(d in t for t in texts)}) >= 4
