"""Sales proposals: a PDF and a DOCX for one opportunity, from a template, the client's data and a price list.

The text comes from a Jinja2 template (the default below, or the MSP's own file) so sales can reword
it without code; the documents are drawn with ReportLab (PDF, `invariant=1` so the same proposal
gives the same bytes) and python-docx. The recommended services are the opportunity's; the licences
are sized from what is known of the buyer: an existing client's seats and endpoints and current
licence subscriptions, or a prospect's employee count. Prices come from `PRICE_LIST` (per seat or
per endpoint per month), which an MSP replaces with its own. Both files are stored under the lake's
`artifacts/proposals/<opportunity>/`, and `sales.proposal.generated` names them.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from docx import Document
from jinja2 import Environment, StrictUndefined
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hexad.agents.base import AgentEvent, FrameSource
from hexad.errors import NotFoundError

__all__ = ["DEFAULT_TEMPLATE", "PRICE_LIST", "Proposal", "ProposalLine", "build_proposal", "write_proposal"]

# service -> (description, unit, monthly price per unit); unit is "seat" or "endpoint" or "fixed"
PRICE_LIST: dict[str, tuple[str, str, float]] = {
    "managed_services": ("Managed IT services: monitoring, patching, helpdesk", "seat", 95.0),
    "security": ("Endpoint detection and response, managed SOC", "endpoint", 12.0),
    "backup": ("Cloud backup and recovery for servers and Microsoft 365", "endpoint", 8.0),
    "m365": ("Microsoft 365 Business Premium licence and administration", "seat", 26.4),
    "network": ("Managed firewall, switching and Wi-Fi", "fixed", 450.0),
    "voip": ("Hosted telephony with Teams integration", "seat", 22.0),
    "cloud_migration": ("Cloud migration project (fixed fee, spread over 12 months)", "fixed", 1500.0),
}

DEFAULT_TEMPLATE = """\
Proposal for {{ company }}
Prepared by {{ provider }} on {{ today }} for opportunity {{ opportunity_id }} ({{ stage }}).
{% if client_id %}As an existing client ({{ client_id }}, {{ seats }} users, {{ endpoints }} devices), \
{{ company }} keeps its current agreements; this proposal adds the services below.{% else %}\
This proposal is sized for {{ seats }} users and {{ endpoints }} devices.{% endif %}
We recommend: {{ services | join(', ') }}.
The monthly investment is {{ '{:,.2f}'.format(monthly_total) }} {{ currency }} \
({{ '{:,.2f}'.format(monthly_total * 12) }} {{ currency }} a year), with a 12-month initial term.
{% if licences %}Current licences we will manage: {{ licences | join('; ') }}.{% endif %}
This proposal is valid for 30 days.
"""


@dataclass(frozen=True)
class ProposalLine:
    """One priced line: a service, how many units and the monthly amount."""

    service: str
    description: str
    quantity: int
    unit: str
    unit_price: float

    @property
    def monthly(self) -> float:
        """Quantity times unit price per month."""
        return round(self.quantity * self.unit_price, 2)


@dataclass(frozen=True)
class Proposal:
    """Everything a proposal document shows."""

    opportunity_id: str
    company: str
    client_id: str | None
    stage: str
    seats: int
    endpoints: int
    lines: list[ProposalLine]
    licences: list[str] = field(default_factory=list)
    currency: str = "USD"

    @property
    def monthly_total(self) -> float:
        """The sum of the lines per month."""
        return round(sum(line.monthly for line in self.lines), 2)


def build_proposal(frames: FrameSource, opportunity_id: str) -> Proposal:
    """The proposal's content from the opportunity, its lead or client, and their licences."""
    opportunities = frames("opportunities")
    found = opportunities[opportunities["opportunity_id"] == opportunity_id]
    if found.empty:
        raise NotFoundError(f"opportunities: no opportunity {opportunity_id!r}")
    opp: Any = next(found.itertuples(index=False))
    leads = frames("leads")
    lead: Any = next(leads[leads["lead_id"] == opp.lead_id].itertuples(index=False), None)
    client = _client(frames, opp.client_id)
    employees = int(lead.employees) if lead is not None and not pd.isna(lead.employees) else 10
    seats = int(client.seats) if client is not None and not pd.isna(client.seats) else employees
    endpoints = (
        int(client.endpoints) if client is not None and not pd.isna(client.endpoints) else round(seats * 1.3)
    )
    company = str(client.name) if client is not None else str(lead.company_name) if lead is not None else ""
    services = [s for s in str(opp.services or "").split(";") if s]
    lines = [_line(s, seats, endpoints) for s in services if s in PRICE_LIST]
    return Proposal(
        opportunity_id,
        company,
        None if pd.isna(opp.client_id) else str(opp.client_id),
        str(opp.stage),
        seats,
        endpoints,
        lines,
        _licences(frames, opp.client_id),
    )


def _client(frames: FrameSource, client_id: Any) -> Any:
    if client_id is None or pd.isna(client_id):
        return None
    clients = frames("clients")
    return next(clients[clients["client_id"] == client_id].itertuples(index=False), None)


def _licences(frames: FrameSource, client_id: Any) -> list[str]:
    if client_id is None or pd.isna(client_id):
        return []
    subs = frames("licence_subscriptions")
    own = subs[subs["client_id"] == client_id]
    return [f"{row.product_name} x {row.seats_purchased}" for row in own.itertuples(index=False)]


def _line(service: str, seats: int, endpoints: int) -> ProposalLine:
    description, unit, price = PRICE_LIST[service]
    quantity = {"seat": seats, "endpoint": endpoints}.get(unit, 1)
    return ProposalLine(service, description, quantity, unit, price)


def render_text(
    proposal: Proposal, today: date, provider: str, template: str = DEFAULT_TEMPLATE
) -> list[str]:
    """The template's paragraphs for this proposal (a missing variable is an error, not a blank)."""
    env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    text = env.from_string(template).render(
        company=proposal.company,
        provider=provider,
        today=today.isoformat(),
        opportunity_id=proposal.opportunity_id,
        stage=proposal.stage,
        client_id=proposal.client_id,
        seats=proposal.seats,
        endpoints=proposal.endpoints,
        services=[line.description for line in proposal.lines],
        monthly_total=proposal.monthly_total,
        currency=proposal.currency,
        licences=proposal.licences,
    )
    return [p.strip() for p in text.splitlines() if p.strip()]


def write_proposal(
    proposal: Proposal, lake: Path, *, today: date, provider: str = "Hexad MSP", template: str | None = None
) -> tuple[Path, Path, AgentEvent]:
    """Write the PDF and DOCX under `artifacts/proposals/<opportunity>/`; returns them and the event."""
    paragraphs = render_text(proposal, today, provider, template or DEFAULT_TEMPLATE)
    folder = lake / "artifacts" / "proposals" / proposal.opportunity_id
    folder.mkdir(parents=True, exist_ok=True)
    pdf, docx = folder / "proposal.pdf", folder / "proposal.docx"
    _write_pdf(pdf, proposal, paragraphs)
    _write_docx(docx, proposal, paragraphs)
    event = AgentEvent(
        "sales.proposal.generated",
        {
            "opportunity_id": proposal.opportunity_id,
            "client_id": proposal.client_id,
            "company": proposal.company,
            "monthly_total": proposal.monthly_total,
            "pdf": str(pdf),
            "docx": str(docx),
        },
    )
    return pdf, docx, event


def _table_rows(proposal: Proposal) -> list[list[str]]:
    rows = [["Service", "Quantity", "Unit price", "Monthly"]]
    rows += [
        [line.description, f"{line.quantity} {line.unit}", f"{line.unit_price:,.2f}", f"{line.monthly:,.2f}"]
        for line in proposal.lines
    ]
    rows.append(["Total per month", "", "", f"{proposal.monthly_total:,.2f} {proposal.currency}"])
    return rows


def _write_pdf(path: Path, proposal: Proposal, paragraphs: list[str]) -> None:
    styles = getSampleStyleSheet()
    document = SimpleDocTemplate(str(path), pagesize=A4, title=paragraphs[0], author="Hexad", invariant=1)
    story: list[Any] = [Paragraph(paragraphs[0], styles["Title"])]
    story += [Paragraph(p, styles["BodyText"]) for p in paragraphs[1:]]
    table = Table(_table_rows(proposal), colWidths=[260, 80, 70, 90])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, "black"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ]
        )
    )
    story += [Spacer(1, 12), table]
    document.build(story)


def _write_docx(path: Path, proposal: Proposal, paragraphs: list[str]) -> None:
    document = Document()
    document.add_heading(paragraphs[0], level=1)
    for paragraph in paragraphs[1:]:
        document.add_paragraph(paragraph)
    rows = _table_rows(proposal)
    table = document.add_table(rows=len(rows), cols=4)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    props = document.core_properties
    props.author, props.title = "Hexad", paragraphs[0]
    props.created = props.modified = datetime(2000, 1, 1)
    buffer = io.BytesIO()
    document.save(buffer)
    _rezip(buffer.getvalue(), path)


def _rezip(data: bytes, path: Path) -> None:
    """Fixed zip entry timestamps: the same proposal gives the same DOCX bytes."""
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(
                zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0)), source.read(info.filename)
            )
