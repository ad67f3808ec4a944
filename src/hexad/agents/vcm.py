"""VCM, vendor and contract management: the notice deadlines a person must beat, and the actions around them.

The register (`vendor_contracts`) is the structured truth people maintain, but registers are
incomplete: notice periods and auto-renewal flags are often blank. The agent fills those gaps from
the contract document itself (`hexad.intelligence.contracts`), never by assuming a default: a
contract whose notice period neither source states is reported as unknown in the metrics, not
guessed. A register value wins over the document when both exist (OCR can misread; a person typed
the register), and a disagreement is kept in the evidence.

Document extraction is cached in the lake by the document's SHA-256 (`processed/contracts/`), so a
scanned contract is OCR'd once, not on every run. Plain functions (`extract_contract`,
`renewal_decision`, `reminder_schedules`) are what the approval and renewal workflows call.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from dateutil.relativedelta import relativedelta

from hexad.agents.base import AgentContext, AgentEvent, AgentRun, FindingDraft, severity_for
from hexad.errors import NotFoundError
from hexad.intelligence.contracts import ContractTerms, extract_terms
from hexad.intelligence.documents import DocumentText, document_hash, extract_text
from hexad.ports.schedules import BusTarget, Schedule
from hexad.runtime.schedules.service import SchedulerService
from hexad.runtime.workflows.service import WorkflowService

__all__ = [
    "REMINDER_OFFSETS_DAYS",
    "RENEWAL_WINDOW_DAYS",
    "ContractExtraction",
    "ContractPosition",
    "RenewalDecision",
    "VcmAgent",
    "extract_contract",
    "reminder_schedules",
    "renewal_decision",
    "schedule_reminders",
    "start_contract_approval",
]

RENEWAL_WINDOW_DAYS = 90
REMINDER_OFFSETS_DAYS = (90, 60, 30)
_ACTIVE = "active"


@dataclass(frozen=True)
class ContractExtraction:
    """One document read and its terms extracted (what `hexad contracts extract` prints)."""

    document: DocumentText
    terms: ContractTerms

    def to_json(self) -> dict[str, Any]:
        """`{"fields": ...}` plus how the document was read."""
        return {
            **self.terms.to_json(),
            "document": {
                "path": str(self.document.path),
                "sha256": self.document.sha256,
                "method": self.document.method,
                "pages": self.document.pages,
            },
        }


def extract_contract(
    path: Path, *, as_of: date | None = None, known_parties: Sequence[str] = ()
) -> ContractExtraction:
    """Read a contract document (PDF, scan, DOCX, text) and extract its terms as of `as_of` (today).

    `known_parties` (the vendor list, the MSP's own name) corrects party names OCR misread.
    """
    document = extract_text(path)
    terms = extract_terms(document.text, as_of=as_of, known_parties=known_parties)
    if document.ocr_pages:
        # OCR misreads digits and names that a rule then matches faithfully: trust such values less
        scale = 1.0 - 0.2 * document.ocr_pages / max(document.pages, 1)
        terms = ContractTerms(
            {n: replace(f, confidence=f.confidence * scale) for n, f in terms.fields.items()}
        )
    return ContractExtraction(document, terms)


@dataclass(frozen=True)
class ContractPosition:
    """Where one contract stands on a day: its current end, notice period and the deadline they give."""

    contract_id: str
    vendor_id: str
    status: str
    end_date: date | None
    notice_period_days: int | None
    notice_deadline: date | None
    auto_renew: bool | None
    value: float | None
    currency: str | None
    sources: dict[str, str]
    conflicts: dict[str, Any]


@dataclass(frozen=True)
class RenewalDecision:
    """What to do about a contract now, and why (the renewal workflow's choice state reads `action`)."""

    action: str  # "give_notice_or_renew" | "let_expire" | "renew_or_cancel" | "deadline_passed" | "none"
    days_until_deadline: int | None
    reason: str


def renewal_decision(position: ContractPosition, *, today: date) -> RenewalDecision:
    """The next action for a contract: decide before the notice deadline, or note that it passed."""
    if position.notice_deadline is None:
        return RenewalDecision("none", None, "the notice period is unknown: read the contract")
    days = (position.notice_deadline - today).days
    if days < 0:
        return RenewalDecision("deadline_passed", days, f"the notice deadline passed {-days} days ago")
    if days > RENEWAL_WINDOW_DAYS:
        return RenewalDecision("none", days, f"{days} days until the notice deadline")
    if position.auto_renew:
        reason = f"auto-renews unless notice is given within {days} days (by {position.notice_deadline})"
        return RenewalDecision("give_notice_or_renew", days, reason)
    if position.auto_renew is False:
        return RenewalDecision("let_expire", days, f"ends {position.end_date} without renewal")
    return RenewalDecision("renew_or_cancel", days, f"renewal terms unknown; {days} days to decide")


async def schedule_reminders(
    scheduler: SchedulerService, positions: list[ContractPosition], *, today: date
) -> int:
    """Create or replace the reminder schedules of every active contract; returns how many are set."""
    count = 0
    for position in positions:
        if position.status != _ACTIVE:
            continue
        for schedule in reminder_schedules(position, today=today):
            try:
                await scheduler.update(schedule)
            except NotFoundError:
                await scheduler.add(schedule)
            count += 1
    return count


def reminder_schedules(position: ContractPosition, *, today: date) -> list[Schedule]:
    """One-shot schedules 90/60/30 days before the notice deadline (only those still ahead of `today`)."""
    if position.notice_deadline is None:
        return []
    schedules = []
    for offset in REMINDER_OFFSETS_DAYS:
        when = position.notice_deadline - timedelta(days=offset)
        if when < today:
            continue
        detail = {
            "contract_id": position.contract_id,
            "vendor_id": position.vendor_id,
            "notice_deadline": position.notice_deadline.isoformat(),
            "days_before_deadline": offset,
        }
        schedules.append(
            Schedule(
                name=f"contract-{position.contract_id}-notice-{offset}d",
                expression=f"at({when.isoformat()}T09:00:00)",
                target=BusTarget(source="hexad.vcm", detail_type="contract.renewal.reminder"),
                input=json.dumps(detail, sort_keys=True),
                delete_after_completion=True,
                description=f"{offset} days before the notice deadline of {position.contract_id}",
            )
        )
    return schedules


class VcmAgent:
    """Finds contracts whose notice deadline falls in the next 90 days (`contract_renewal_due`)."""

    name = "vcm"
    title = "Vendor and contract management"
    reads: tuple[str, ...] = ("vendor_contracts", "vendors")
    triggers: tuple[str, ...] = ()

    def __init__(self, documents_root: Path | None = None, window_days: int = RENEWAL_WINDOW_DAYS) -> None:
        self.documents_root = documents_root
        self.window_days = window_days

    def run(self, ctx: AgentContext, *, subject_id: str | None = None) -> AgentRun:
        """Position every contract (or one), then report the active ones due for a decision."""
        positions = self.positions(ctx, subject_id=subject_id)
        vendors = _vendor_names(ctx)
        due = [p for p in positions if self._is_due(p, ctx.reference_date)]
        findings = [_finding(p, vendors, ctx.reference_date) for p in due]
        events = [_event(p, ctx.reference_date) for p in due]
        return AgentRun(self.name, findings, events, _metrics(positions, due))

    def positions(self, ctx: AgentContext, *, subject_id: str | None = None) -> list[ContractPosition]:
        """Where every contract (or one) stands: register terms, gaps filled from its document."""
        register = ctx.frames("vendor_contracts")
        if subject_id is not None:
            register = register[register["contract_id"] == subject_id]
        positions = []
        total = max(len(register), 1)
        for index, row in enumerate(register.itertuples(index=False)):
            terms = self._document_terms(ctx, row)
            positions.append(position_of(row, terms, ctx.reference_date))
            ctx.report("reading contracts", (index + 1) / total)
        return positions

    def _is_due(self, position: ContractPosition, today: date) -> bool:
        if position.status != _ACTIVE or position.notice_deadline is None:
            return False
        return today <= position.notice_deadline <= today + timedelta(days=self.window_days)

    def _document_terms(self, ctx: AgentContext, row: Any) -> ContractTerms | None:
        document = getattr(row, "document", None)
        if not isinstance(document, str) or not document:
            return None
        path = _locate(document, [self.documents_root, ctx.lake / "raw", ctx.lake])
        if path is None:
            return None
        return _cached_terms(path, ctx.lake / "processed" / "contracts", ctx.reference_date)


def _locate(document: str, roots: list[Path | None]) -> Path | None:
    for root in roots:
        if root is not None and (root / document).is_file():
            return root / document
    return None


def _cached_terms(path: Path, cache: Path, as_of: date) -> ContractTerms:
    """Extract once per document bytes: the text is cached by hash, terms re-derived for `as_of`."""
    digest = document_hash(path.read_bytes())
    cached = cache / f"{digest}.txt"
    if cached.is_file():
        return extract_terms(cached.read_text(encoding="utf-8"), as_of=as_of)
    text = extract_text(path).text
    cache.mkdir(parents=True, exist_ok=True)
    cached.write_text(text, encoding="utf-8")
    return extract_terms(text, as_of=as_of)


def position_of(row: Any, terms: ContractTerms | None, today: date) -> ContractPosition:
    """Combine a register row with its document's terms: the register wins, the document fills gaps."""
    sources: dict[str, str] = {}
    conflicts: dict[str, Any] = {}
    notice = _pick("notice_period_days", _int_or_none(row.notice_period_days), terms, sources, conflicts)
    auto = _pick("auto_renew", _bool_or_none(row.auto_renew), terms, sources, conflicts)
    end = _register_end(row, today, terms, auto)
    if end is None and terms is not None and isinstance(terms.value("end_date"), date):
        end, sources["end_date"] = terms.value("end_date"), "document"
    elif end is not None:
        sources["end_date"] = "register"
    deadline = end - timedelta(days=notice) if end is not None and notice is not None else None
    return ContractPosition(
        contract_id=str(row.contract_id),
        vendor_id=str(row.vendor_id),
        status=str(row.status),
        end_date=end,
        notice_period_days=notice,
        notice_deadline=deadline,
        auto_renew=auto,
        value=None if pd.isna(row.value) else float(row.value),
        currency=None if pd.isna(row.currency) else str(row.currency),
        sources=sources,
        conflicts=conflicts,
    )


def _pick(
    name: str,
    registered: Any,
    terms: ContractTerms | None,
    sources: dict[str, str],
    conflicts: dict[str, Any],
) -> Any:
    read = terms.value(name) if terms is not None else None
    if registered is not None:
        sources[name] = "register"
        if read is not None and read != registered:
            conflicts[name] = {"register": registered, "document": read}
        return registered
    if read is not None:
        sources[name] = "document"
    return read


def _register_end(row: Any, today: date, terms: ContractTerms | None, auto: bool | None) -> date | None:
    """The end of the current term: the renewal date when the register rolled it, else the end date."""
    for column in ("renewal_date", "end_date"):
        value = getattr(row, column)
        if not pd.isna(value):
            end = pd.Timestamp(value).date()
            break
    else:
        return None
    renewal = terms.value("renewal_term") if terms is not None else None
    if auto and isinstance(renewal, int) and renewal > 0:
        while end < today:
            end = end + relativedelta(months=renewal)
    return end


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _bool_or_none(value: Any) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def _vendor_names(ctx: AgentContext) -> dict[str, str]:
    vendors = ctx.frames("vendors")
    return dict(zip(vendors["vendor_id"].astype(str), vendors["name"].astype(str), strict=True))


def _finding(position: ContractPosition, vendors: dict[str, str], today: date) -> FindingDraft:
    assert position.notice_deadline is not None
    days = (position.notice_deadline - today).days
    urgency = 1.0 - days / RENEWAL_WINDOW_DAYS
    score = round(min(1.0, 0.35 + 0.55 * urgency + (0.1 if position.auto_renew else 0.0)), 3)
    vendor = vendors.get(position.vendor_id, position.vendor_id)
    renew = "auto-renews" if position.auto_renew else "ends"
    value = f"{position.value:,.2f} {position.currency}" if position.value is not None else "unknown value"
    decision = renewal_decision(position, today=today)
    return FindingDraft(
        kind="contract_renewal_due",
        subject_type="vendor_contract",
        subject_id=position.contract_id,
        severity=severity_for(score),
        score=score,
        summary=(
            f"{position.contract_id} with {vendor} ({value}) {renew} on {position.end_date}; notice of "
            f"{position.notice_period_days} days must be given by {position.notice_deadline}"
            f" ({days} days left)"
        ),
        evidence=_evidence(position, days, decision),
        recommended_action=(
            f"Decide whether to renew {position.contract_id} and, if not, send written notice to {vendor} "
            f"before {position.notice_deadline}; review the spend with this vendor first"
        ),
    )


def _evidence(position: ContractPosition, days: int, decision: RenewalDecision) -> dict[str, Any]:
    return {
        "contract_id": position.contract_id,
        "vendor_id": position.vendor_id,
        "end_date": _iso(position.end_date),
        "notice_period_days": position.notice_period_days,
        "notice_deadline": _iso(position.notice_deadline),
        "days_until_deadline": days,
        "auto_renew": position.auto_renew,
        "value": position.value,
        "currency": position.currency,
        "sources": position.sources,
        "conflicts": position.conflicts,
        "decision": decision.action,
    }


def _event(position: ContractPosition, today: date) -> AgentEvent:
    assert position.notice_deadline is not None
    return AgentEvent(
        "contract.renewal.due",
        {
            "contract_id": position.contract_id,
            "vendor_id": position.vendor_id,
            "notice_deadline": position.notice_deadline.isoformat(),
            "end_date": _iso(position.end_date),
            "days_until_deadline": (position.notice_deadline - today).days,
            "auto_renew": position.auto_renew,
            "value": position.value,
            "currency": position.currency,
        },
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _metrics(positions: list[ContractPosition], due: list[ContractPosition]) -> dict[str, Any]:
    active = [p for p in positions if p.status == _ACTIVE]
    return {
        "contracts": len(positions),
        "active_contracts": len(active),
        "renewals_due": len(due),
        "notice_period_unknown": sum(1 for p in active if p.notice_period_days is None),
        "filled_from_documents": sum(1 for p in positions if "document" in p.sources.values()),
        "register_document_conflicts": sum(1 for p in positions if p.conflicts),
    }


async def start_contract_approval(workflows: WorkflowService, document_id: str) -> str:
    """Start the contract approval workflow for a stored document; its execution id.

    One execution per document (`approval-<document id>`): adding the same document again returns
    the execution that exists. `workflows` is a `WorkflowService`; Hexad's workflows are installed
    on first use. A worker (`hexad worker`) drives the execution; it waits for a manager's approval.
    """
    from hexad.agents.workflows import install_workflows
    from hexad.errors import ConflictError, WorkflowNotFoundError

    name = f"approval-{document_id}"
    try:
        await workflows.get_state_machine("contract_approval")
    except WorkflowNotFoundError:
        await install_workflows(workflows)
    try:
        return await workflows.start(
            "contract_approval", {"document": {"document_id": document_id}}, name=name
        )
    except ConflictError:
        return f"contract_approval:{name}"
