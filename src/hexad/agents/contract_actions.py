"""VCM's actions in the contract workflows: check a contract, activate, remind, renew or terminate it.

Each takes the contract object of `hexad.agents.contract_terms.read_contract` and returns JSON. A
problem the workflow routes on raises an error whose class attribute `error` is the ASL error name
(`Contract.Invalid` for a contract that fails a check, caught into the approval's `Invalid` state).
Register writes (`vendor_contracts`) keep the row hash in step with the row, so the next import of an
unchanged register file tells that the row differs and reports it as updated.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from hexad.agents.contract_terms import ContractEnv, register_row
from hexad.agents.vcm import ContractPosition, reminder_schedules
from hexad.demo.files import COLUMNS
from hexad.domain.models import Vendor, VendorContract
from hexad.errors import AgentError, NotFoundError
from hexad.ingest.store import row_hashes
from hexad.runtime.schedules.service import SchedulerService

__all__ = [
    "ContractInvalidError",
    "RenewalError",
    "activate_contract",
    "reminder_dates",
    "schedule_renewal_reminders",
    "set_contract_status",
    "terminate_reminders",
    "validate_contract",
]

LOW_CONFIDENCE = 0.6
REMINDER_HOUR = time(9, 0)
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class ContractInvalidError(AgentError):
    """A contract failed a check; the cause lists every problem (ASL error `Contract.Invalid`)."""

    error = "Contract.Invalid"


class RenewalError(AgentError):
    """A renewal cannot proceed: the notice deadline is unknown or already passed."""

    error = "Renewal.NotPossible"


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def validate_contract(contract: dict[str, Any], today: date) -> dict[str, Any]:
    """Check what activation and reminders need; `ContractInvalidError` names every problem found."""
    problems: list[str] = []
    if not contract.get("contract_id"):
        problems.append("contract_id: no contract number (CT-nnnn) in the document, file name or register")
    if not contract.get("vendor_id"):
        parties = ", ".join(contract.get("parties") or []) or "none read"
        problems.append(f"vendor: no party ({parties}) matches the vendor list; add the vendor first")
    start, end = _day(contract.get("effective_date")), _day(contract.get("end_date"))
    if start is None:
        problems.append("effective_date: not found")
    if end is None:
        problems.append("end_date: not found")
    if start is not None and end is not None and end <= start:
        problems.append(f"end_date: {end} is not after the effective date {start}")
    value = contract.get("value")
    if value is None or float(value) <= 0:
        problems.append(f"value: expected a positive amount, got {value!r}")
    currency = contract.get("currency")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        problems.append(f"currency: expected a three-letter code such as USD, got {currency!r}")
    notice = contract.get("notice_period_days")
    if notice is not None and start is not None and end is not None and not 0 <= notice < (end - start).days:
        problems.append(f"notice_period_days: {notice} does not fit in the term {start} to {end}")
    if problems:
        raise ContractInvalidError("; ".join(problems))
    return {"valid": True, "warnings": _warnings(contract, today)}


def _warnings(contract: dict[str, Any], today: date) -> list[str]:
    warnings = []
    deadline = _day(contract.get("notice_deadline"))
    if contract.get("notice_period_days") is None:
        warnings.append("notice period unknown: no renewal reminders can be scheduled")
    elif deadline is not None and deadline < today:
        warnings.append(f"the notice deadline {deadline} has passed: this term renews or ends as written")
    sources = contract.get("sources") or {}
    for name, confidence in sorted((contract.get("confidence") or {}).items()):
        if sources.get(name) == "document" and 0 < confidence < LOW_CONFIDENCE:
            warnings.append(f"{name} read with confidence {confidence:.2f}: check it against the document")
    return warnings


def _hashed(row: dict[str, Any]) -> dict[str, Any]:
    columns = COLUMNS["vendor_contracts"]
    return {**row, "row_hash": row_hashes([row], columns)[0], "imported_at": datetime.now(UTC)}


def activate_contract(env: ContractEnv, contract: dict[str, Any]) -> dict[str, Any]:
    """Mark the contract active in the register (a new row for a contract not yet registered)."""
    contract_id = contract.get("contract_id")
    if not contract_id:
        raise ContractInvalidError("contract_id: a contract needs a number to be activated")
    table = VendorContract.__table__
    with env.engine.begin() as conn:
        current = conn.execute(sa.select(table).where(table.c.contract_id == contract_id)).mappings().first()
        if current is not None:
            row = {c: current[c] for c in COLUMNS["vendor_contracts"]}
            previous = row["status"]
            row["status"] = "active"
            for name in ("notice_period_days", "auto_renew", "value", "currency"):
                if row[name] is None and contract.get(name) is not None:
                    row[name] = Decimal(str(contract[name])) if name == "value" else contract[name]
            conn.execute(
                sa.update(VendorContract)
                .where(VendorContract.contract_id == contract_id)
                .values(**_hashed(row))
            )
            return _activated(contract_id, previous, "updated", env.today)
        vendor = sa.select(Vendor.vendor_id).where(Vendor.vendor_id == contract.get("vendor_id"))
        if conn.execute(vendor).first() is None:
            raise ContractInvalidError(f"vendor: {contract.get('vendor_id')!r} is not in the vendor list")
        conn.execute(sa.insert(VendorContract).values(**_hashed(_new_row(contract))))
    return _activated(contract_id, None, "inserted", env.today)


def _new_row(contract: dict[str, Any]) -> dict[str, Any]:
    name = contract.get("vendor_name") or contract["vendor_id"]
    return {
        "contract_id": contract["contract_id"],
        "vendor_id": contract["vendor_id"],
        "title": f"Agreement with {name}",
        "contract_type": None,
        "value": Decimal(str(contract["value"])).quantize(Decimal("0.01")),
        "currency": contract["currency"],
        "start_date": _day(contract.get("effective_date")),
        "end_date": _day(contract.get("end_date")),
        "renewal_date": None,
        "notice_period_days": contract.get("notice_period_days"),
        "auto_renew": contract.get("auto_renew"),
        "status": "active",
        "document": None,
    }


def _activated(contract_id: str, previous: str | None, how: str, today: date) -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "status": "active",
        "previous_status": previous,
        "register": how,
        "activated_on": today.isoformat(),
    }


def set_contract_status(env: ContractEnv, contract_id: str, status: str, **values: Any) -> dict[str, Any]:
    """Write a register row's status (and other columns); the row as it was before."""
    before = register_row(env.engine, contract_id)
    if before is None:
        raise ContractInvalidError(f"contract_id: {contract_id!r} is not in the register")
    row = {c: before[c] for c in COLUMNS["vendor_contracts"]} | values | {"status": status}
    with env.engine.begin() as conn:
        conn.execute(
            sa.update(VendorContract).where(VendorContract.contract_id == contract_id).values(**_hashed(row))
        )
    return before


def _position(contract: dict[str, Any]) -> ContractPosition:
    return ContractPosition(
        contract_id=str(contract["contract_id"]),
        vendor_id=str(contract.get("vendor_id")),
        status="active",
        end_date=_day(contract.get("end_date")),
        notice_period_days=contract.get("notice_period_days"),
        notice_deadline=_day(contract.get("notice_deadline")),
        auto_renew=contract.get("auto_renew"),
        value=contract.get("value"),
        currency=contract.get("currency"),
        sources=dict(contract.get("sources") or {}),
        conflicts={},
    )


async def schedule_renewal_reminders(
    scheduler: SchedulerService, contract: dict[str, Any], offsets: list[int], today: date
) -> dict[str, Any]:
    """Create (or replace) one-shot schedules `offsets` days before the notice deadline, if still ahead."""
    made = []
    for schedule in reminder_schedules(_position(contract), today=today):
        offset = json.loads(schedule.input)["days_before_deadline"]
        if offset not in offsets:
            continue
        try:
            await scheduler.update(schedule)
        except NotFoundError:
            await scheduler.add(schedule)
        made.append({"name": schedule.name, "expression": schedule.expression, "days_before": offset})
    reason = None if made else "notice deadline unknown or every reminder date has passed"
    return {"notice_deadline": contract.get("notice_deadline"), "schedules": made, "none_because": reason}


async def terminate_reminders(scheduler: SchedulerService, contract_id: str) -> int:
    """Remove a contract's pending reminder schedules; how many there were."""
    removed = 0
    for record in await scheduler.list():
        if record.schedule.name.startswith(f"contract-{contract_id}-notice-"):
            await scheduler.remove(record.schedule.name)
            removed += 1
    return removed


def reminder_dates(contract: dict[str, Any], offsets: list[int], now: datetime) -> dict[str, Any]:
    """When the renewal workflow reminds (09:00 UTC, `offsets` days before the deadline, still ahead)."""
    deadline = _day(contract.get("notice_deadline"))
    if deadline is None:
        raise RenewalError(
            f"{contract.get('contract_id')}: the notice deadline is unknown (no notice period)"
        )
    cutoff = datetime.combine(deadline, time(23, 59, 59), UTC)
    if cutoff <= now:
        raise RenewalError(f"{contract.get('contract_id')}: the notice deadline {deadline} has passed")
    times = [(o, datetime.combine(deadline - timedelta(days=o), REMINDER_HOUR, UTC)) for o in offsets]
    ahead = sorted(((o, at) for o, at in set(times) if at > now), key=lambda item: item[1])
    reminders = [{"days_before": o, "at": at.isoformat().replace("+00:00", "Z")} for o, at in ahead]
    after_last = ahead[-1][1] if ahead else now
    return {
        "notice_deadline": deadline.isoformat(),
        "reminders": reminders,
        "decision_timeout_seconds": max(3600, int((cutoff - after_last).total_seconds())),
    }


def next_term_end(contract: dict[str, Any], decision: dict[str, Any]) -> date:
    """The end of the renewed term: the decision's `term_months`, else the renewal term, else 12 months."""
    end = _day(contract.get("end_date"))
    if end is None:
        raise RenewalError(f"{contract.get('contract_id')}: the end of the current term is unknown")
    months: Any = decision.get("term_months") or contract.get("renewal_term_months") or 12
    return end + relativedelta(months=int(months))
