"""Vendor contracts: the register rows (`vendor_contracts.csv`) and the true terms of each document.

The register is incomplete on purpose, as real ones are: ~40% of rows leave `notice_period_days`
empty and ~30% leave `auto_renew` empty, so the terms must be read from the document. The truth
(`ground_truth.json` -> `contracts`) holds every document's real terms; `end_date` there is the end
of the *current* term (auto-renewals rolled forward to the reference date), and `notice_deadline` =
end_date - notice_period_days (null when the document states no notice period: unknown, never
assumed). A notice period given in months counts 30 days a month.

Planted: `contract_renewal_due` for every active contract whose notice deadline falls within the 90
days after the reference date (~7% are steered there, others land there by chance).
Confounders: deadlines that passed 1-30 days ago, deadlines 91-150 days out, and contracts ending
soon whose document states no notice period.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hexad.demo.context import REFERENCE_DATE, DemoContext

__all__ = ["MSP_PARTY", "RENEWAL_WINDOW_DAYS", "build_contracts", "renewal_signals"]

MSP_PARTY = "Hexad Demo MSP, Inc."
RENEWAL_WINDOW_DAYS = 90
_TYPES = ["msa", "saas", "support", "lease", "distribution", "services"]
_CURRENCIES = ["USD"] * 6 + ["EUR", "GBP", "CAD"]
_LAWS = [
    "State of New York",
    "State of Delaware",
    "State of California",
    "State of Texas",
    "England and Wales",
    "Province of Ontario",
    "State of Illinois",
]
_TITLES = {
    "msa": "Master services",
    "saas": "SaaS subscription",
    "support": "Support",
    "lease": "Equipment lease",
    "distribution": "Distribution",
    "services": "Professional services",
}
_FORMATS = ["pdf"] * 8 + ["scan"] * 3 + ["docx"] * 5 + ["txt"] * 4


def build_contracts(ctx: DemoContext) -> None:
    """Add `vendor_contracts` and the true terms in `ctx.contracts` (documents are written later)."""
    rng = ctx.rng("contracts")
    vendors = ctx.tables["vendors"]
    n = ctx.scaled(120, minimum=12)
    steer = rng.random(n)
    terms = [
        _terms(rng, steer[i], f"CT-{i + 1:04d}", vendors.iloc[int(rng.integers(len(vendors)))])
        for i in range(n)
    ]
    ctx.contracts = {t["contract_id"]: t["truth"] for t in terms}
    ctx.hidden["contract_format"] = {t["contract_id"]: t["format"] for t in terms}
    ctx.tables["vendor_contracts"] = pd.DataFrame([_register_row(rng, t) for t in terms])


def _terms(rng: np.random.Generator, steer: float, contract_id: str, vendor: Any) -> dict[str, Any]:
    initial = int(rng.choice([12, 24, 36]))
    auto = bool(rng.random() < 0.7)
    renewal = int(rng.choice([12, initial])) if auto else None
    notice = None if rng.random() < 0.08 else int(rng.choice([30, 60, 90, 90, 180]))
    effective = _effective(rng, steer, initial, notice)
    end = _current_end(effective, initial, renewal)
    deadline = end - pd.Timedelta(days=notice) if notice is not None else None
    value = float(np.round(rng.lognormal(np.log(20000), 0.9), -2) * max(1, initial // 12))
    truth = {
        "vendor_id": vendor.vendor_id,
        "parties": [
            MSP_PARTY,
            f"{vendor['name']} Ltd." if vendor.country == "GB" else f"{vendor['name']}, Inc.",
        ],
        "effective_date": _iso(effective),
        "initial_term_months": initial,
        "initial_end_date": _iso(_add_months(effective, initial)),
        "end_date": _iso(end),
        "renewal_term": renewal,
        "auto_renew": auto,
        "notice_period_days": notice,
        "notice_deadline": _iso(deadline),
        "value": f"{value:.2f}",
        "currency": str(rng.choice(_CURRENCIES)),
        "governing_law": str(rng.choice(_LAWS)),
        "contract_type": str(rng.choice(_TYPES)),
    }
    truth["status"] = _status(rng, effective, end)
    fmt = str(_FORMATS[int(rng.integers(len(_FORMATS)))])
    return {"contract_id": contract_id, "truth": truth, "format": fmt}


def _status(rng: np.random.Generator, effective: pd.Timestamp, end: pd.Timestamp) -> str:
    """Pending before it starts, expired after its current term, 4% of active ones terminated early."""
    if effective > REFERENCE_DATE:
        return "pending_approval"
    if end < REFERENCE_DATE:
        return "expired"
    return "terminated" if rng.random() < 0.04 else "active"


def _effective(rng: np.random.Generator, steer: float, initial: int, notice: int | None) -> pd.Timestamp:
    """Most start anywhere in the last five years; some are steered near (or just off) the renewal window."""
    if steer < 0.07 and notice is not None:
        end = REFERENCE_DATE + pd.Timedelta(days=int(rng.integers(0, RENEWAL_WINDOW_DAYS + 1)) + notice)
    elif steer < 0.20:
        offset = int(rng.choice([rng.integers(-30, 0), rng.integers(RENEWAL_WINDOW_DAYS + 1, 151)]))
        end = REFERENCE_DATE + pd.Timedelta(days=offset + (notice or 60))
    elif steer < 0.25:
        return REFERENCE_DATE + pd.Timedelta(days=int(rng.integers(10, 60)))
    else:
        return REFERENCE_DATE - pd.Timedelta(days=int(rng.integers(30, 1800)))
    return _add_months(end, -initial)


def _add_months(day: pd.Timestamp, months: int) -> pd.Timestamp:
    return day + pd.DateOffset(months=months)


def _current_end(effective: pd.Timestamp, initial: int, renewal: int | None) -> pd.Timestamp:
    end = _add_months(effective, initial)
    while renewal and end < REFERENCE_DATE:
        end = _add_months(end, renewal)
    return end


def _iso(day: pd.Timestamp | None) -> str | None:
    return None if day is None else day.date().isoformat()


def _register_row(rng: np.random.Generator, terms: dict[str, Any]) -> dict[str, Any]:
    truth, cid = terms["truth"], terms["contract_id"]
    suffix = {"pdf": "pdf", "scan": "pdf", "docx": "docx", "txt": "txt"}[terms["format"]]
    rolled = truth["auto_renew"] and truth["end_date"] != truth["initial_end_date"]
    return {
        "contract_id": cid,
        "vendor_id": truth["vendor_id"],
        "title": f"{_TITLES[truth['contract_type']]} agreement with {truth['parties'][1]}",
        "contract_type": truth["contract_type"],
        "value": float(truth["value"]),
        "currency": truth["currency"],
        "start_date": pd.Timestamp(truth["effective_date"]),
        "end_date": pd.Timestamp(truth["initial_end_date"]),
        "renewal_date": pd.Timestamp(truth["end_date"]) if rolled else pd.NaT,
        "notice_period_days": pd.NA
        if truth["notice_period_days"] is None or rng.random() < 0.4
        else truth["notice_period_days"],
        "auto_renew": pd.NA if rng.random() < 0.3 else truth["auto_renew"],
        "status": truth["status"],
        "document": f"contracts/{cid}.{suffix}",
    }


def renewal_signals(ctx: DemoContext) -> None:
    """Every active contract whose notice deadline is within the next 90 days."""
    horizon = REFERENCE_DATE + pd.Timedelta(days=RENEWAL_WINDOW_DAYS)
    for contract_id, truth in sorted(ctx.contracts.items()):
        if truth["status"] != "active" or truth["notice_deadline"] is None:
            continue
        deadline = pd.Timestamp(truth["notice_deadline"])
        if REFERENCE_DATE <= deadline <= horizon:
            ctx.signal(
                "contract_renewal_due",
                "vendor_contract",
                contract_id,
                vendor_id=truth["vendor_id"],
                end_date=truth["end_date"],
                notice_period_days=truth["notice_period_days"],
                notice_deadline=truth["notice_deadline"],
                days_until_deadline=int((deadline - REFERENCE_DATE).days),
                auto_renew=truth["auto_renew"],
                value=truth["value"],
                currency=truth["currency"],
            )
