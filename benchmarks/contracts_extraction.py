"""Contract term extraction accuracy per field, for text, DOCX, text-layer PDF and scanned PDF separately.

Demo data sets are generated with seeds never used in tests (101, 202, 303); every contract
document is read (`hexad.intelligence.documents.extract_text`, Tesseract for scans) and its terms
extracted as of the demo's reference date (`hexad.intelligence.contracts.extract_terms`), then
compared field by field with the ground truth (exact match: dates, numbers, booleans, strings).
`parties` is the names as read; `parties (known names)` passes the MSP's own name and the vendor
list, as an MSP that keeps a vendor master would.
The baseline beside it is what a naive reader does: the first date is the effective date, the
first amount the value, the word "automatic" means auto-renewal, the first "N days" the notice.
Targets: >= 0.9 for dates, value and auto-renewal. Reading time per document is reported too.

Run: `uv run python benchmarks/contracts_extraction.py [--seeds 101,202,303] [--clients 100]`
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from hexad.demo.contracts import MSP_PARTY
from hexad.demo.generator import generate
from hexad.intelligence.contracts import extract_terms, parse_date
from hexad.intelligence.documents import extract_text

FIELDS = [
    "effective_date",
    "end_date",
    "notice_deadline",
    "notice_period_days",
    "auto_renew",
    "renewal_term",
    "value",
    "currency",
    "governing_law",
    "parties",
    "parties (known names)",
]
FORMATS = {"text": "text", "docx": "docx", "pdf-text": "pdf", "pdf-ocr": "scan", "pdf-mixed": "scan"}
AS_OF = date(2026, 9, 30)


def expected(truth: dict[str, Any]) -> dict[str, Any]:
    return {
        "effective_date": truth["effective_date"],
        "end_date": truth["end_date"],
        "notice_deadline": truth["notice_deadline"],
        "notice_period_days": truth["notice_period_days"],
        "auto_renew": truth["auto_renew"],
        "renewal_term": truth["renewal_term"],
        "value": float(truth["value"]),
        "currency": truth["currency"],
        "governing_law": truth["governing_law"],
        "parties": truth["parties"],
        "parties (known names)": truth["parties"],
    }


def naive(text: str) -> dict[str, Any]:
    """The baseline: first date, first amount, a keyword, the first 'N days'."""
    flat = " ".join(text.split())
    dates = re.findall(r"\d{4}-\d{2}-\d{2}|[A-Z][a-z]+ \d{1,2}, \d{4}|\d{1,2}/\d{1,2}/\d{4}", flat)
    amount = re.search(r"\d{1,3}(?:,\d{3})+(?:\.\d{2})?", flat)
    days = re.search(r"(\d+)\)? days", flat)
    first = parse_date(dates[0]) if dates else None
    return {
        "effective_date": first.isoformat() if first else None,
        "value": float(amount.group(0).replace(",", "")) if amount else None,
        "auto_renew": "automatic" in flat.lower(),
        "notice_period_days": int(days.group(1)) if days else None,
    }


Scores = dict[str, dict[str, list[bool]]]


def evaluate(folder: Path, ours: Scores, base: Scores, seconds: dict[str, list[float]]) -> None:
    """Add one data set's documents to the scores (per format, per field)."""
    truth = json.loads((folder / "ground_truth.json").read_text())["contracts"]
    register = pd.read_csv(folder / "vendor_contracts.csv", dtype=str)
    known = [MSP_PARTY, *pd.read_csv(folder / "vendors.csv", dtype=str)["name"]]
    for row in register.itertuples(index=False):
        started = time.perf_counter()
        document = extract_text(folder / str(row.document))
        fields = extract_terms(document.text, as_of=AS_OF).to_json()["fields"]
        kind = FORMATS[document.method]
        seconds[kind].append(time.perf_counter() - started)
        matched = extract_terms(document.text, as_of=AS_OF, known_parties=known).value("parties")
        fields["parties (known names)"] = {"value": matched}
        want = expected(truth[str(row.contract_id)])
        for name in FIELDS:
            ours[kind][name].append(fields[name]["value"] == want[name])
        for name, value in naive(document.text).items():
            base[kind][name].append(value == want[name])


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else float("nan")


def report(console: Console, ours: Scores, base: Scores, seconds: dict[str, list[float]]) -> dict[str, Any]:
    kinds = [k for k in ("text", "docx", "pdf", "scan") if k in ours]
    table = Table(title="Exact-match accuracy per field and format (Hexad / naive baseline)")
    table.add_column("field")
    for kind in kinds:
        table.add_column(f"{kind} (n={len(ours[kind]['value'])})")
    results: dict[str, Any] = {}
    for name in FIELDS:
        cells = []
        for kind in kinds:
            accuracy = _share(ours[kind][name])
            results[f"{kind}.{name}"] = round(accuracy, 3)
            baseline = f" / {_share(base[kind][name]):.2f}" if name in base[kind] else ""
            cells.append(f"{accuracy:.2f}{baseline}")
        table.add_row(name, *cells)
    table.add_row("median s / document", *[f"{statistics.median(seconds[k]):.3f}" for k in kinds])
    console.print(table)
    results.update({f"{k}.seconds_median": round(statistics.median(seconds[k]), 3) for k in kinds})
    results.update({f"{k}.documents": len(ours[k]["value"]) for k in kinds})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="contract extraction accuracy")
    parser.add_argument("--seeds", default="101,202,303", help="comma-separated unseen seeds")
    parser.add_argument("--clients", type=int, default=100)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    ours: Scores = defaultdict(lambda: defaultdict(list))
    base: Scores = defaultdict(lambda: defaultdict(list))
    seconds: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            folder = Path(tmp) / f"demo-{seed}"
            generate(seed, folder, clients=args.clients, show_progress=False)
            evaluate(folder, ours, base, seconds)
    results = report(Console(), ours, base, seconds)
    print(json.dumps({"benchmark": "contracts_extraction", "seeds": seeds, **results}))


if __name__ == "__main__":
    main()
