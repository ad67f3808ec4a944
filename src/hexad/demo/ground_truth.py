"""`ground_truth.json`: the planted signals and the true contract terms, for measuring the agents.

Shape: `{"seed", "reference_date", "signals": [{"kind", "subject_type", "subject_id", "details"}],
"contracts": {contract_id: {field: true value}}}`. Signals are sorted by kind and subject; keys are
sorted and numbers plain JSON, so the file is byte-identical for a seed. Each kind's definition is
in the docstring of the module that plants it (see `SIGNAL_SOURCES`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hexad.demo.context import REFERENCE_DATE, DemoContext

__all__ = ["SIGNAL_AGENTS", "SIGNAL_KINDS", "SIGNAL_SOURCES", "load_ground_truth", "write_ground_truth"]

SIGNAL_SOURCES: dict[str, str] = {
    "margin_erosion": "hexad.demo.profitability",
    "unprofitable_agreement": "hexad.demo.profitability",
    "churn_risk": "hexad.demo.profitability",
    "licence_unused_seats": "hexad.demo.licences",
    "licence_over_deployed": "hexad.demo.licences",
    "licence_under_billed": "hexad.demo.licences",
    "spend_anomaly": "hexad.demo.spend",
    "duplicate_payment": "hexad.demo.spend",
    "unusual_vendor": "hexad.demo.spend",
    "budget_at_risk": "hexad.demo.spend",
    "contract_renewal_due": "hexad.demo.contracts",
    "high_value_lead": "hexad.demo.sales",
    "technician_over_utilized": "hexad.demo.staff",
    "technician_under_utilized": "hexad.demo.staff",
}
SIGNAL_KINDS = tuple(SIGNAL_SOURCES)
# which agent is meant to find each kind (to score a kind no agent reported at all)
SIGNAL_AGENTS: dict[str, str] = {
    "margin_erosion": "cpi",
    "unprofitable_agreement": "cpi",
    "churn_risk": "cpi",
    "licence_unused_seats": "sli",
    "licence_over_deployed": "sli",
    "licence_under_billed": "sli",
    "spend_anomaly": "dsa",
    "duplicate_payment": "dsa",
    "unusual_vendor": "dsa",
    "budget_at_risk": "dsa",
    "contract_renewal_due": "vcm",
    "high_value_lead": "spo",
    "technician_over_utilized": "ram",
    "technician_under_utilized": "ram",
}


def _plain(value: Any) -> Any:
    """numpy scalars to Python numbers for `json.dumps`."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to ground_truth.json")


def build_ground_truth(ctx: DemoContext) -> dict[str, Any]:
    """The ground-truth document as a dict."""
    signals = sorted((s.as_dict() for s in ctx.signals), key=lambda s: (s["kind"], s["subject_id"]))
    return {
        "seed": ctx.seed,
        "reference_date": REFERENCE_DATE.date().isoformat(),
        "signals": signals,
        "contracts": ctx.contracts,
    }


def write_ground_truth(ctx: DemoContext, out: Path) -> Path:
    """Write `out/ground_truth.json` (sorted keys, two-space indent, trailing newline)."""
    path = out / "ground_truth.json"
    text = json.dumps(build_ground_truth(ctx), sort_keys=True, indent=2, default=_plain)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def load_ground_truth(out: Path) -> dict[str, Any]:
    """Read a data set's ground truth."""
    data: dict[str, Any] = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    return data
