"""Proposals: content from the opportunity and client, PDF and DOCX in the lake, stable bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pdfplumber
import pytest
from docx import Document
from jinja2 import UndefinedError

from hexad.agents.base import FrameSource
from hexad.agents.frames import normalise_frame
from hexad.agents.proposals import build_proposal, write_proposal
from hexad.errors import NotFoundError

TODAY = date(2026, 9, 30)


def _frames() -> FrameSource:
    tables: dict[str, list[dict[str, Any]]] = {
        "opportunities": [{
            "opportunity_id": "OP-1", "lead_id": "LD-1", "client_id": "CL-1", "name": "Upsell",
            "stage": "proposal",
            "amount": 60000, "monthly_recurring_revenue": 5000, "created_at": "2026-08-01T00:00:00Z",
            "expected_close_date": "2026-11-01", "closed_at": None, "services": "backup;m365;unknown_thing",
        }],
        "leads": [{
            "lead_id": "LD-1", "company_name": "Acme Dental", "client_id": "CL-1", "source": "upsell",
            "industry": "healthcare", "employees": 30, "created_at": "2026-07-01T00:00:00Z",
            "status": "qualified",
        }],
        "clients": [{
            "client_id": "CL-1", "name": "Acme Dental Group", "tier": "gold", "status": "active",
            "industry": "healthcare", "contract_value": 1000, "start_date": "2020-01-01", "end_date": None,
            "seats": 40, "endpoints": 55, "city": "Boston", "country": "US",
        }],
        "licence_subscriptions": [{
            "subscription_id": "LS-1", "client_id": "CL-1", "vendor": "Microsoft", "sku": "SPB",
            "product_name": "Microsoft 365 Business Premium", "seats_purchased": 40, "unit_cost": 22,
            "unit_price": 26.4, "seats_billed": 40, "term": "annual", "start_date": "2025-01-01",
            "renewal_date": "2027-01-01",
        }],
    }  # fmt: skip
    frames = {name: normalise_frame(name, pd.DataFrame(rows)) for name, rows in tables.items()}
    return frames.__getitem__


def test_proposal_is_priced_from_the_clients_seats_and_endpoints() -> None:
    proposal = build_proposal(_frames(), "OP-1")
    assert proposal.company == "Acme Dental Group" and proposal.client_id == "CL-1"
    assert [(line.service, line.quantity) for line in proposal.lines] == [("backup", 55), ("m365", 40)]
    assert proposal.monthly_total == round(55 * 8.0 + 40 * 26.4, 2)
    assert proposal.licences == ["Microsoft 365 Business Premium x 40"]


def test_pdf_and_docx_are_written_to_the_lake_with_the_same_bytes_each_time(tmp_path: Path) -> None:
    proposal = build_proposal(_frames(), "OP-1")
    pdf, docx, event = write_proposal(proposal, tmp_path / "lake", today=TODAY)
    assert pdf.parent == tmp_path / "lake" / "artifacts" / "proposals" / "OP-1"
    with pdfplumber.open(pdf) as document:
        text = document.pages[0].extract_text()
    assert "Proposal for Acme Dental Group" in text and "1,496.00 USD" in text
    docx_text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "existing client (CL-1, 40 users, 55 devices)" in docx_text
    assert event.detail_type == "sales.proposal.generated" and event.detail["pdf"] == str(pdf)
    first = (pdf.read_bytes(), docx.read_bytes())
    write_proposal(proposal, tmp_path / "lake", today=TODAY)
    assert (pdf.read_bytes(), docx.read_bytes()) == first


def test_a_custom_template_is_used_and_a_typo_in_it_is_an_error(tmp_path: Path) -> None:
    proposal = build_proposal(_frames(), "OP-1")
    pdf, _, _ = write_proposal(
        proposal, tmp_path, today=TODAY, template="Offer to {{ company }}\nTotal {{ monthly_total }}"
    )
    with pdfplumber.open(pdf) as document:
        assert "Offer to Acme Dental Group" in document.pages[0].extract_text()
    with pytest.raises(UndefinedError):
        write_proposal(proposal, tmp_path, today=TODAY, template="Dear {{ compnay }}")


def test_unknown_opportunity_is_named() -> None:
    with pytest.raises(NotFoundError, match="OP-404"):
        build_proposal(_frames(), "OP-404")
