"""VCM: contract positions from register and documents, renewal findings, decisions and reminders."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hexad.agents.base import AgentContext
from hexad.agents.frames import normalise_frame
from hexad.agents.vcm import VcmAgent, extract_contract, reminder_schedules, renewal_decision
from hexad.config import get_settings

TODAY = date(2026, 9, 30)
DOCUMENT = """SUPPORT AGREEMENT (CT-0003)
This agreement is made between Hexad Demo MSP, Inc. ("Customer") and Acme Cloud, Inc. ("Supplier").
1. Term. This Agreement commences on March 1, 2024 (the "Effective Date") and continues for an initial
term of thirty-six (36) months.
2. Renewal. Thereafter, this Agreement shall automatically renew for successive 12-month periods unless
either party gives written notice of non-renewal not less than 60 days prior to the end of the
then-current term.
3. Fees. The total contract value is USD 36,000.00, invoiced in accordance with Schedule A.
"""


def _row(contract_id: str, **changes: Any) -> dict[str, Any]:
    row = {
        "contract_id": contract_id,
        "vendor_id": "VN-001",
        "title": "Support agreement",
        "contract_type": "support",
        "value": 36000.0,
        "currency": "USD",
        "start_date": "2024-03-01",
        "end_date": "2027-03-01",
        "renewal_date": None,
        "notice_period_days": 90,
        "auto_renew": "true",
        "status": "active",
        "document": f"contracts/{contract_id}.txt",
    }
    row.update(changes)
    return row


def _context(tmp_path: Path, rows: list[dict[str, Any]]) -> AgentContext:
    frames = {
        "vendor_contracts": normalise_frame("vendor_contracts", pd.DataFrame(rows)),
        "vendors": normalise_frame(
            "vendors",
            pd.DataFrame(
                [
                    {
                        "vendor_id": "VN-001",
                        "name": "Acme Cloud",
                        "category": "saas",
                        "country": "US",
                        "website": "",
                    }
                ]
            ),
        ),
    }
    return AgentContext(frames.__getitem__, TODAY, tmp_path / "lake", get_settings())


def test_register_terms_give_a_renewal_due_finding_and_event(tmp_path: Path) -> None:
    # end 2027-03-01 - 90 days = 2026-12-01: 62 days ahead, inside the 90-day window
    run = VcmAgent().run(_context(tmp_path, [_row("CT-0001")]))
    [finding] = run.findings
    assert (finding.kind, finding.subject_type, finding.subject_id) == (
        "contract_renewal_due",
        "vendor_contract",
        "CT-0001",
    )
    assert finding.evidence["notice_deadline"] == "2026-12-01"
    assert finding.evidence["days_until_deadline"] == 62
    assert "2026-12-01" in finding.summary and "Acme Cloud" in finding.summary
    [event] = run.events
    assert event.detail_type == "contract.renewal.due"
    assert event.detail["vendor_id"] == "VN-001"


@pytest.mark.parametrize(
    "changes",
    [
        {"end_date": "2027-08-01"},  # deadline 2027-05-03: outside the window
        {"end_date": "2026-12-15"},  # deadline 2026-09-16: already passed
        {"status": "terminated"},
        {"notice_period_days": None},  # no notice period anywhere: unknown, never assumed
    ],
)
def test_contracts_outside_the_window_or_without_a_notice_period_are_not_due(
    tmp_path: Path, changes: dict[str, Any]
) -> None:
    run = VcmAgent().run(_context(tmp_path, [_row("CT-0002", document=None, **changes)]))
    assert run.findings == []


def test_the_document_fills_a_blank_notice_period(tmp_path: Path) -> None:
    documents = tmp_path / "docs"
    (documents / "contracts").mkdir(parents=True)
    (documents / "contracts" / "CT-0003.txt").write_text(DOCUMENT)
    row = _row("CT-0003", notice_period_days=None, auto_renew=None, end_date="2026-12-15")
    run = VcmAgent(documents_root=documents).run(_context(tmp_path, [row]))
    [finding] = run.findings
    assert finding.evidence["notice_period_days"] == 60
    assert finding.evidence["notice_deadline"] == "2026-10-16"
    assert finding.evidence["sources"]["notice_period_days"] == "document"
    assert finding.evidence["auto_renew"] is True
    assert run.metrics["filled_from_documents"] == 1


def test_register_wins_over_the_document_and_the_conflict_is_kept(tmp_path: Path) -> None:
    documents = tmp_path / "docs"
    (documents / "contracts").mkdir(parents=True)
    (documents / "contracts" / "CT-0003.txt").write_text(DOCUMENT)
    run = VcmAgent(documents_root=documents).run(_context(tmp_path, [_row("CT-0003")]))
    [finding] = run.findings
    assert finding.evidence["notice_period_days"] == 90
    assert finding.evidence["conflicts"] == {"notice_period_days": {"register": 90, "document": 60}}


def test_one_subject_only(tmp_path: Path) -> None:
    run = VcmAgent().run(_context(tmp_path, [_row("CT-0001"), _row("CT-0009")]), subject_id="CT-0009")
    assert [f.subject_id for f in run.findings] == ["CT-0009"]


def test_extract_contract_reads_a_file(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text(DOCUMENT)
    extraction = extract_contract(tmp_path / "c.txt", as_of=TODAY)
    payload = extraction.to_json()
    assert payload["fields"]["notice_deadline"]["value"] == "2026-12-31"
    assert payload["document"]["method"] == "text"


def test_decision_and_reminders_follow_the_deadline(tmp_path: Path) -> None:
    run = VcmAgent().run(_context(tmp_path, [_row("CT-0001")]))
    assert run.findings[0].evidence["decision"] == "give_notice_or_renew"
    from hexad.agents.vcm import position_of

    row = next(_context(tmp_path, [_row("CT-0001")]).frames("vendor_contracts").itertuples(index=False))
    position = position_of(row, None, TODAY)
    assert renewal_decision(position, today=TODAY).days_until_deadline == 62
    schedules = reminder_schedules(position, today=TODAY)
    # 90 days before 2026-12-01 is already past; 60 and 30 days before are still ahead
    assert [s.expression for s in schedules] == ["at(2026-10-02T09:00:00)", "at(2026-11-01T09:00:00)"]
    assert all(s.delete_after_completion for s in schedules)


async def test_reminders_are_scheduled_once_per_offset_and_replaced_on_rerun(tmp_path: Path) -> None:
    from hexad.agents.vcm import schedule_reminders
    from hexad.wiring import scheduler

    ctx = _context(
        tmp_path, [_row("CT-0001"), _row("CT-0002", status="expired"), _row("CT-0003", end_date="2027-08-01")]
    )
    positions = VcmAgent().positions(ctx)
    service = scheduler(get_settings())
    assert await schedule_reminders(service, positions, today=TODAY) == 5  # 2 for CT-0001, 3 for CT-0003
    assert await schedule_reminders(service, positions, today=TODAY) == 5
    names = sorted(record.name for record in await service.list())
    assert names == [
        "contract-CT-0001-notice-30d", "contract-CT-0001-notice-60d", "contract-CT-0003-notice-30d",
        "contract-CT-0003-notice-60d", "contract-CT-0003-notice-90d",
    ]  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="Tesseract is not installed (make setup installs it)"
)
def test_terms_read_by_ocr_are_trusted_less(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    lines = ["The total contract value is USD 36,000.00, invoiced", "in accordance with Schedule A."]
    page = Image.new("L", (1240, 1754), 255)
    for i, line in enumerate(lines):
        ImageDraw.Draw(page).text((90, 120 + i * 44), line, fill=0, font=ImageFont.load_default(size=28))
    pdf = canvas.Canvas(str(tmp_path / "scan.pdf"), pagesize=A4, invariant=1)
    pdf.drawImage(ImageReader(page), 0, 0, width=A4[0], height=A4[1])
    pdf.save()
    (tmp_path / "text.txt").write_text(" ".join(lines))
    scanned = extract_contract(tmp_path / "scan.pdf", as_of=TODAY).terms.fields["value"]
    typed = extract_contract(tmp_path / "text.txt", as_of=TODAY).terms.fields["value"]
    assert scanned.value == typed.value == 36000
    assert scanned.confidence < typed.confidence
