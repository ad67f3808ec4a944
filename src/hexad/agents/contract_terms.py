"""One contract as the approval and renewal workflows carry it: document terms merged with the register.

A workflow names a contract by a stored document id (`doc-...`, from `hexad contracts add` or an API
upload), a contract id (`CT-...`: the store's document or the register row and the document it
points to) or a file path (extracted afresh). The result is one JSON object: the register wins where
it has a value (a person typed it), the document fills the gaps, and `sources` says which gave what;
`confidence` keeps the extraction's confidence per field so a check can ask for a human look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy import Engine

from hexad.agents.vcm import extract_contract
from hexad.agents.vcm_store import ContractStore
from hexad.domain.models import Vendor, VendorContract
from hexad.errors import AgentError, ContractNotFoundError
from hexad.intelligence.contracts import extract_terms
from hexad.intelligence.documents import document_hash, extract_text

__all__ = ["ContractEnv", "ContractMissingError", "read_contract", "register_row"]

_CONTRACT_ID = re.compile(r"\bCT-\d{3,}\b")


class ContractMissingError(AgentError):
    """The workflow names a contract or document Hexad does not have (the ASL error `Contract.NotFound`)."""

    error = "Contract.NotFound"


@dataclass(frozen=True)
class ContractEnv:
    """Where contract actions read and write: the domain database, the lake, and today's date."""

    engine: Engine
    lake: Path
    today: date


def register_row(engine: Engine, contract_id: str | None) -> dict[str, Any] | None:
    """The register (`vendor_contracts`) row of a contract, or None."""
    if contract_id is None:
        return None
    table = VendorContract.__table__
    with engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.contract_id == contract_id)).mappings().first()
    return None if row is None else dict(row)


def _vendor_name(engine: Engine, vendor_id: str | None) -> str | None:
    if vendor_id is None:
        return None
    with engine.connect() as conn:
        name = conn.execute(sa.select(Vendor.name).where(Vendor.vendor_id == vendor_id)).scalar()
    return None if name is None else str(name)


def read_contract(env: ContractEnv, document: Any) -> dict[str, Any]:
    """The contract a workflow input names (see the module docstring); `ContractMissingError` if none."""
    reference = _reference(document)
    if "path" in reference:
        path = Path(reference["path"])
        if not path.is_file():
            raise ContractMissingError(f"document {path}: no such file")
        extraction = extract_contract(path, as_of=env.today, known_parties=_vendor_names(env.engine))
        found = _CONTRACT_ID.search(extraction.document.text) or _CONTRACT_ID.search(path.name)
        fields = extraction.terms.to_json()["fields"]
        ids = {
            "document_id": f"doc-{extraction.document.sha256[:16]}",
            "contract_id": found.group(0) if found else None,
            "vendor_id": None,
        }
        return _merge(env, fields, ids)
    key = reference.get("document_id") or reference.get("contract_id")
    try:
        stored = ContractStore(env.engine, env.lake).get(str(key))
    except ContractNotFoundError:
        stored = None
    if stored is not None:
        ids = {name: stored[name] for name in ("document_id", "contract_id", "vendor_id")}
        return _merge(env, stored["terms"], ids)
    row = register_row(env.engine, str(key))
    if row is None:
        raise ContractMissingError(
            f"no contract document or register row {key!r} (expected a doc-... or CT-... id)"
        )
    ids = {"document_id": None, "contract_id": row["contract_id"], "vendor_id": None}
    return _merge(env, _register_document_terms(env, row), ids)


def _vendor_names(engine: Engine) -> list[str]:
    """The vendor list, which corrects party names OCR misread."""
    with engine.connect() as conn:
        return [str(name) for name in conn.execute(sa.select(Vendor.name)).scalars()]


def _reference(document: Any) -> dict[str, Any]:
    if isinstance(document, str) and document:
        return {"document_id": document}
    if isinstance(document, dict):
        for name in ("path", "document_id", "contract_id"):
            if isinstance(document.get(name), str) and document[name]:
                return {name: document[name]}
    raise ContractMissingError(
        f"document: expected an id or an object with path, document_id or contract_id, got {document!r}"
    )


def _register_document_terms(env: ContractEnv, row: dict[str, Any]) -> dict[str, Any]:
    """The terms of the document a register row points to (text cached by hash, as the VCM agent does)."""
    name = row.get("document")
    if not name:
        return {}
    path = next((p for p in (env.lake / "raw" / name, env.lake / name) if p.is_file()), None)
    if path is None:
        return {}
    cache = env.lake / "processed" / "contracts" / f"{document_hash(path.read_bytes())}.txt"
    if cache.is_file():
        text = cache.read_text(encoding="utf-8")
    else:
        text = extract_text(path).text
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(text, encoding="utf-8")
    terms = extract_terms(text, as_of=env.today, known_parties=_vendor_names(env.engine))
    fields: dict[str, Any] = terms.to_json()["fields"]
    return fields


def _merge(env: ContractEnv, fields: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    register = register_row(env.engine, ids["contract_id"]) or {}
    sources: dict[str, str] = {}

    def pick(name: str, registered: Any) -> Any:
        if registered is not None:
            sources[name] = "register"
            return registered
        value = (fields.get(name) or {}).get("value")
        if value is not None:
            sources[name] = "document"
        return value

    renewal = (fields.get("renewal_term") or {}).get("value")
    auto = pick("auto_renew", register.get("auto_renew"))
    end = pick("end_date", _register_end(register, env.today, auto, renewal))
    notice = pick("notice_period_days", register.get("notice_period_days"))
    value = pick("value", register.get("value"))
    vendor_id = register.get("vendor_id") or ids["vendor_id"]
    deadline = (fields.get("notice_deadline") or {}).get("value")
    if end is not None and notice is not None:
        deadline = (date.fromisoformat(str(end)) - timedelta(days=int(notice))).isoformat()
    start = register.get("start_date")
    return {
        "contract_id": ids["contract_id"],
        "document_id": ids["document_id"],
        "vendor_id": vendor_id,
        "vendor_name": _vendor_name(env.engine, vendor_id),
        "title": register.get("title"),
        "status": register.get("status"),
        "parties": (fields.get("parties") or {}).get("value") or [],
        "effective_date": pick("effective_date", start.isoformat() if start else None),
        "end_date": None if end is None else str(end),
        "renewal_term_months": renewal,
        "auto_renew": None if auto is None else bool(auto),
        "notice_period_days": None if notice is None else int(notice),
        "notice_deadline": deadline,
        "value": None if value is None else float(value),
        "currency": pick("currency", register.get("currency")),
        "governing_law": (fields.get("governing_law") or {}).get("value"),
        "payment_terms": (fields.get("payment_terms") or {}).get("value"),
        "confidence": {name: (field or {}).get("confidence", 0.0) for name, field in fields.items()},
        "sources": sources,
    }


def _register_end(register: dict[str, Any], today: date, auto: Any, renewal: Any) -> str | None:
    """The current term's end: the register's renewal date, else its end, rolled on while auto-renewing."""
    end = register.get("renewal_date") or register.get("end_date")
    if end is None:
        return None
    if auto and isinstance(renewal, int) and renewal > 0:
        while end < today:
            end = end + relativedelta(months=renewal)
    return str(end.isoformat())
